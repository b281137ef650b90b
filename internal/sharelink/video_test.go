package sharelink_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/sharelink"
	"github.com/tandemhq/tandem/internal/store"
)

// addVideo stores an export of the fixture's ended assist, done when done
// is set, else left queued.
func addVideo(t *testing.T, f *fixture, done bool) *store.VideoExport {
	t.Helper()
	ctx := context.Background()
	v := &store.VideoExport{Kind: store.VideoAssist, SubjectID: f.ended.ID, RecordingID: "rec-" + f.ended.ID, SiteID: f.ended.SiteID,
		Options: []byte(`{}`), State: store.VideoQueued, RequestedBy: "agent:" + f.alex.ID}
	if err := f.db.CreateVideoExport(ctx, v); err != nil {
		t.Fatal(err)
	}
	if !done {
		return v
	}
	claimed, err := f.db.ClaimVideoExport(ctx, "node1", time.Minute, f.clock)
	if err != nil || claimed.ID != v.ID {
		t.Fatalf("claim = %v, %v; want the export", claimed, err)
	}
	if err := f.db.FinishVideoExport(ctx, v.ID, "node1", store.VideoFinish{State: store.VideoDone, BlobKey: "videos/x.mp4", Bytes: 1000,
		Duration: 2 * time.Second, Width: 320, Height: 240, Frames: 20, FinishedAt: f.clock}); err != nil {
		t.Fatal(err)
	}
	return v
}

// A done video is shared like a replay: its link opens while the export
// exists, and every view lands in the audit log of the assist it shows.
func TestVideoLinks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The done one first: a claim takes the oldest queued export.
	done := addVideo(t, f, true)
	queued := addVideo(t, f, false)
	for _, tc := range []struct {
		name, id, code string
	}{
		{"an unfinished export", queued.ID, tandem.EConflict},
		{"an unknown export", "nope", tandem.ENotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := f.svc.Create(ctx, f.alex, sharelink.CreateRequest{Kind: store.ShareVideo, SubjectID: tc.id}); tandem.ErrorCode(err) != tc.code {
				t.Errorf("Create = %v, want code %q", err, tc.code)
			}
		})
	}

	l, token, err := f.svc.Create(ctx, f.alex, sharelink.CreateRequest{Kind: store.ShareVideo, SubjectID: done.ID})
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != store.ShareVideo || l.SubjectID != done.ID {
		t.Errorf("link = %+v, want one for video %s", l, done.ID)
	}
	visitor := sharelink.Visitor{Addr: "203.0.113.9"}
	if got, err := f.svc.Resolve(ctx, token, visitor, true); err != nil || got.ID != l.ID {
		t.Fatalf("Resolve = %v, %v; want the link", got, err)
	}

	// Once the export is deleted, its link opens nothing.
	if err := f.db.DeleteVideoExport(ctx, done.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Resolve(ctx, token, visitor, false); tandem.ErrorCode(err) != tandem.ENotFound || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("Resolve of a deleted video's link = %v, want \"not valid\"", err)
	}

	log, err := f.db.AuditFor(ctx, f.ended.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Action+" "+e.Detail)
	}
	want := []string{"share.create video " + done.ID + ": link " + l.ID, "share.view video " + done.ID + ": link " + l.ID + " from 203.0.113.9"}
	if len(got) != len(want) {
		t.Fatalf("the assist's audit log:\n%s\nwant %d entries", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("audit[%d] = %q, want it to start %q", i, got[i], want[i])
		}
	}
}
