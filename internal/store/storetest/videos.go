package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func newVideo(t *testing.T, s store.Store, subject string, minute int) *store.VideoExport {
	t.Helper()
	v := &store.VideoExport{Kind: store.VideoAssist, SubjectID: subject, RecordingID: subject, SiteID: "site1",
		Options: json.RawMessage(`{"width":1280,"height":720}`), RequestedBy: "user1", CreatedAt: at(minute)}
	must(t, s.CreateVideoExport(context.Background(), v), "CreateVideoExport")
	return v
}

func videoOf(t *testing.T, s store.Store, id string) *store.VideoExport {
	t.Helper()
	v, err := s.VideoExportByID(context.Background(), id)
	must(t, err, "VideoExportByID")
	return v
}

// testVideoExports checks the life of an export job: created queued,
// listed newest first, claimed once, its progress recorded, finished by
// its claimer only, cancelled, and deleted with its recording.
func testVideoExports(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := newVideo(t, s, "assist1", 0)
	second := newVideo(t, s, "assist1", 1)
	other := newVideo(t, s, "assist2", 2)
	if first.ID == "" || first.State != store.VideoQueued {
		t.Fatalf("created %+v, want an id and queued", first)
	}
	got := videoOf(t, s, first.ID)
	if got.Kind != store.VideoAssist || got.SubjectID != "assist1" || got.SiteID != "site1" || string(got.Options) != string(first.Options) ||
		got.RequestedBy != "user1" || !sameTime(got.CreatedAt, at(0)) || got.Attempts != 0 || got.ClaimNode != "" {
		t.Errorf("VideoExportByID = %+v, want %+v", got, first)
	}
	_, err := s.VideoExportByID(ctx, "nope")
	wantCode(t, err, tandem.ENotFound, "VideoExportByID of a missing job")
	list, err := s.ListVideoExports(ctx, "assist1")
	must(t, err, "ListVideoExports")
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Errorf("ListVideoExports = %d jobs, want the two of assist1, newest first", len(list))
	}

	// Claims take the oldest first, each job once.
	c1, err := s.ClaimVideoExport(ctx, "node-a", time.Minute, at(3))
	must(t, err, "ClaimVideoExport")
	if c1.ID != first.ID || c1.State != store.VideoRunning || c1.Attempts != 1 || c1.ClaimNode != "node-a" ||
		c1.ClaimRemaining <= 0 || c1.ClaimRemaining > time.Minute || !sameTime(c1.StartedAt, at(3)) {
		t.Errorf("first claim = %+v, want the oldest job, running for node-a", c1)
	}
	c2, err := s.ClaimVideoExport(ctx, "node-b", time.Minute, at(3))
	must(t, err, "ClaimVideoExport")
	c3, err := s.ClaimVideoExport(ctx, "node-b", time.Minute, at(3))
	must(t, err, "ClaimVideoExport")
	if c2.ID != second.ID || c3.ID != other.ID {
		t.Errorf("claims took %s then %s, want %s then %s", c2.ID, c3.ID, second.ID, other.ID)
	}
	_, err = s.ClaimVideoExport(ctx, "node-b", time.Minute, at(3))
	wantCode(t, err, tandem.ENotFound, "ClaimVideoExport with nothing waiting")

	// Progress is the claimer's to record.
	must(t, s.RenewVideoClaim(ctx, first.ID, "node-a", time.Minute, 10, 100), "RenewVideoClaim")
	if v := videoOf(t, s, first.ID); v.Done != 10 || v.Total != 100 {
		t.Errorf("progress = %d/%d, want 10/100", v.Done, v.Total)
	}
	wantCode(t, s.RenewVideoClaim(ctx, first.ID, "node-b", time.Minute, 20, 100), tandem.EConflict, "RenewVideoClaim by another node")
	wantCode(t, s.RenewVideoClaim(ctx, first.ID, "node-a", time.Minute, 200, 100), tandem.EInvalid, "RenewVideoClaim past the total")
	wantCode(t, s.RenewVideoClaim(ctx, "nope", "node-a", time.Minute, 1, 2), tandem.ENotFound, "RenewVideoClaim of a missing job")

	done := store.VideoFinish{State: store.VideoDone, BlobKey: "videos/assist1/" + first.ID + ".mp4", Bytes: 12345,
		Duration: 61500 * time.Millisecond, Width: 1280, Height: 720, Frames: 1845, FinishedAt: at(4)}
	wantCode(t, s.FinishVideoExport(ctx, first.ID, "node-b", done), tandem.EConflict, "FinishVideoExport by another node")
	must(t, s.FinishVideoExport(ctx, first.ID, "node-a", done), "FinishVideoExport")
	v := videoOf(t, s, first.ID)
	if v.State != store.VideoDone || v.BlobKey != done.BlobKey || v.Bytes != 12345 || v.Duration != done.Duration || v.Width != 1280 ||
		v.Height != 720 || !sameTime(v.FinishedAt, at(4)) || v.ClaimNode != "" || v.Done != 1845 || v.Total != 1845 {
		t.Errorf("finished job = %+v, want done with its video", v)
	}
	wantCode(t, s.FinishVideoExport(ctx, first.ID, "node-a", done), tandem.EConflict, "FinishVideoExport twice")

	// A failed attempt requeued waits for its retry; one that fails for
	// good is final.
	retry := store.VideoFinish{State: store.VideoQueued, Error: "chromium crashed", RetryIn: time.Hour, FinishedAt: at(4)}
	must(t, s.FinishVideoExport(ctx, second.ID, "node-b", retry), "FinishVideoExport to retry")
	if v := videoOf(t, s, second.ID); v.State != store.VideoQueued || v.Error != "chromium crashed" || v.Attempts != 1 || !v.FinishedAt.IsZero() {
		t.Errorf("requeued job = %+v, want queued with its error", v)
	}
	_, err = s.ClaimVideoExport(ctx, "node-b", time.Minute, at(5))
	wantCode(t, err, tandem.ENotFound, "ClaimVideoExport of a job whose retry is not due")

	// Cancelling stops the running job: its node's next renew is refused.
	cancelled, err := s.CancelVideoExport(ctx, other.ID, at(5))
	must(t, err, "CancelVideoExport")
	if cancelled.State != store.VideoCancelled || cancelled.ClaimNode != "" {
		t.Errorf("cancelled = %+v", cancelled)
	}
	err = s.RenewVideoClaim(ctx, other.ID, "node-b", time.Minute, 1, 2)
	wantCode(t, err, tandem.EConflict, "RenewVideoClaim of a cancelled job")
	if err != nil && !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("RenewVideoClaim of a cancelled job: %q does not say so", err)
	}
	_, err = s.CancelVideoExport(ctx, first.ID, at(5))
	wantCode(t, err, tandem.EConflict, "CancelVideoExport of a done job")
	_, err = s.CancelVideoExport(ctx, "nope", at(5))
	wantCode(t, err, tandem.ENotFound, "CancelVideoExport of a missing job")

	// The recording's deletion takes its jobs and names their videos.
	keys, err := s.DeleteVideoExportsOf(ctx, "assist1")
	must(t, err, "DeleteVideoExportsOf")
	if len(keys) != 1 || keys[0] != done.BlobKey {
		t.Errorf("DeleteVideoExportsOf = %q, want [%s]", keys, done.BlobKey)
	}
	if list, err := s.ListVideoExports(ctx, "assist1"); err != nil || len(list) != 0 {
		t.Errorf("ListVideoExports after the recording's deletion = %d, %v", len(list), err)
	}
	must(t, s.DeleteVideoExport(ctx, other.ID), "DeleteVideoExport")
	wantCode(t, s.DeleteVideoExport(ctx, other.ID), tandem.ENotFound, "DeleteVideoExport twice")
}

// testVideoClaimLapse checks that a job whose node stopped renewing is
// taken again by another node, and that the first node can no longer
// write it.
func testVideoClaimLapse(t *testing.T, s store.Store) {
	ctx := context.Background()
	v := newVideo(t, s, "assist1", 0)
	_, err := s.ClaimVideoExport(ctx, "node-a", time.Millisecond, at(1))
	must(t, err, "ClaimVideoExport")
	var again *store.VideoExport
	deadline := time.Now().Add(30 * time.Second)
	for again == nil {
		again, err = s.ClaimVideoExport(ctx, "node-b", time.Minute, at(2))
		if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
			t.Fatalf("ClaimVideoExport: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the claim of node-a has not lapsed after 30 s")
		}
		if again == nil {
			time.Sleep(5 * time.Millisecond) // poll: the database's clock decides
		}
	}
	if again.ID != v.ID || again.ClaimNode != "node-b" || again.Attempts != 2 {
		t.Errorf("retaken = %+v, want node-b's second attempt", again)
	}
	fin := store.VideoFinish{State: store.VideoFailed, Error: "x", FinishedAt: at(3)}
	wantCode(t, s.FinishVideoExport(ctx, v.ID, "node-a", fin), tandem.EConflict, "FinishVideoExport by the node whose claim lapsed")
	must(t, s.FinishVideoExport(ctx, v.ID, "node-b", fin), "FinishVideoExport by the new claimer")
}

// testVideoRaces checks that of many nodes claiming at once each job goes
// to exactly one.
func testVideoRaces(t *testing.T, s store.Store) {
	ctx := context.Background()
	const jobs = 4
	for i := range jobs {
		newVideo(t, s, fmt.Sprintf("assist%d", i), i)
	}
	won := race(t, 12, tandem.ENotFound, "a claim", func(i int) error {
		_, err := s.ClaimVideoExport(ctx, fmt.Sprintf("node-%d", i), time.Minute, at(10))
		return err
	})
	if len(won) != jobs {
		t.Errorf("%d claims won, want %d (one per job)", len(won), jobs)
	}
	for i := range jobs {
		list, err := s.ListVideoExports(ctx, fmt.Sprintf("assist%d", i))
		must(t, err, "ListVideoExports")
		if len(list) != 1 || list[0].Attempts != 1 {
			t.Errorf("job of assist%d: %+v, want claimed once", i, list)
		}
	}
}

// testVideoValidation checks that bad jobs and arguments change nothing.
func testVideoValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, bad := range []struct {
		name string
		edit func(v *store.VideoExport)
	}{
		{"a bad kind", func(v *store.VideoExport) { v.Kind = "movie" }},
		{"no subject", func(v *store.VideoExport) { v.SubjectID = "" }},
		{"no recording", func(v *store.VideoExport) { v.RecordingID = "" }},
		{"bad options", func(v *store.VideoExport) { v.Options = json.RawMessage(`{`) }},
		{"huge options", func(v *store.VideoExport) { v.Options = json.RawMessage(`"` + strings.Repeat("x", 5000) + `"`) }},
		{"a final state", func(v *store.VideoExport) { v.State = store.VideoDone }},
		{"no requester", func(v *store.VideoExport) { v.RequestedBy = "" }},
	} {
		v := &store.VideoExport{Kind: store.VideoAssist, SubjectID: "a1", RecordingID: "a1", Options: json.RawMessage(`{}`), RequestedBy: "u"}
		bad.edit(v)
		wantCode(t, s.CreateVideoExport(ctx, v), tandem.EInvalid, "CreateVideoExport with "+bad.name)
	}
	if list, _ := s.ListVideoExports(ctx, "a1"); len(list) != 0 {
		t.Errorf("refused jobs were stored: %d", len(list))
	}
	_, err := s.ClaimVideoExport(ctx, "", time.Minute, at(0))
	wantCode(t, err, tandem.EInvalid, "ClaimVideoExport without a node")
	_, err = s.ClaimVideoExport(ctx, "n", time.Hour, at(0))
	wantCode(t, err, tandem.EInvalid, "ClaimVideoExport for an hour")
	v := newVideo(t, s, "a2", 0)
	_, err = s.ClaimVideoExport(ctx, "n", time.Minute, at(0))
	must(t, err, "ClaimVideoExport")
	for _, f := range []store.VideoFinish{
		{State: store.VideoDone, Bytes: 1, Width: 1, Height: 1, Frames: 1, FinishedAt: at(1)},
		{State: store.VideoDone, BlobKey: "k", Width: 1, Height: 1, Frames: 1, FinishedAt: at(1)},
		{State: store.VideoDone, BlobKey: "videos/a2/x.mp4", Bytes: 1, Width: 1, Height: 1, FinishedAt: at(1)},
		{State: store.VideoFailed, FinishedAt: at(1)},
		{State: store.VideoRunning, FinishedAt: at(1)},
		{State: store.VideoFailed, Error: "x"},
	} {
		wantCode(t, s.FinishVideoExport(ctx, v.ID, "n", f), tandem.EInvalid, fmt.Sprintf("FinishVideoExport with %+v", f))
	}
	if got := videoOf(t, s, v.ID); got.State != store.VideoRunning {
		t.Errorf("refused finishes changed the job: %s", got.State)
	}
}
