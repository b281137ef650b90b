package retention

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// exported gives assist a done video export, its MP4 in the blob store.
func (e *env) exported(a *tandem.Assist) *store.VideoExport {
	e.t.Helper()
	ctx := e.t.Context()
	v := &store.VideoExport{Kind: store.VideoAssist, SubjectID: a.ID, RecordingID: a.ID, SiteID: a.SiteID,
		Options: json.RawMessage(`{}`), RequestedBy: "agent:u1"}
	if err := e.db.CreateVideoExport(ctx, v); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.ClaimVideoExport(ctx, "n", time.Minute, t0); err != nil {
		e.t.Fatal(err)
	}
	key := store.VideoBlobKey(a.ID, v.ID)
	if err := e.blobs.Put(ctx, key, strings.NewReader("mp4")); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.FinishVideoExport(ctx, v.ID, "n", store.VideoFinish{State: store.VideoDone, BlobKey: key, Bytes: 3,
		Width: 2, Height: 2, Frames: 1, FinishedAt: t0}); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// The videos exported from a recording go with it, blobs and jobs; the
// videos of kept recordings stay.
func TestSweepDeletesVideos(t *testing.T) {
	e := newEnv(t)
	month := e.site("Shop", 30*Day)
	old := e.assist(month, t0.Add(-31*Day))
	recent := e.assist(month, t0.Add(-1*Day))
	gone, kept := e.exported(old), e.exported(recent)
	s := New(e.db, e.blobs, Config{Now: (&fakeClock{now: t0}).Now, Videos: e.db})
	if res, err := s.Sweep(t.Context()); err != nil || res.Deleted != 1 {
		t.Fatalf("Sweep = %+v, %v; want the old recording deleted", res, err)
	}
	ctx := context.Background()
	if keys, _ := e.blobs.List(ctx, store.VideoBlobPrefix(old.ID)); len(keys) != 0 {
		t.Errorf("videos of the deleted recording left: %v", keys)
	}
	if _, err := e.db.VideoExportByID(ctx, gone.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("export of the deleted recording: %v, want not found", err)
	}
	if keys, _ := e.blobs.List(ctx, store.VideoBlobPrefix(recent.ID)); len(keys) != 1 {
		t.Errorf("videos of the kept recording: %v, want its one", keys)
	}
	if _, err := e.db.VideoExportByID(ctx, kept.ID); err != nil {
		t.Errorf("export of the kept recording: %v", err)
	}
}
