package app_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/store"
)

// sweepLog is a log handler that reports each round of the recording
// sweeper that did something.
type sweepLog struct{ swept chan struct{} }

func (h sweepLog) Enabled(context.Context, slog.Level) bool { return true }
func (h sweepLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h sweepLog) WithGroup(string) slog.Handler            { return h }
func (h sweepLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "recording sweep" {
		select {
		case h.swept <- struct{}{}:
		default:
		}
	}
	return nil
}

// recordFrames writes a recording of a few frames for assist id, as a live
// assist does.
func recordFrames(t *testing.T, b blobs.Store, id string, at time.Time) {
	t.Helper()
	w := record.NewWriter(b, id, record.WriterOptions{})
	for seq := range uint64(2) {
		if err := w.WriteFrame(at, hub.EncodeFrame(hub.Header{Kind: "ev", Seq: seq + 1, Page: "p1"}, []byte(`[{"type":3}]`))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// The server sweeps at start: a recording past its site's retention is
// deleted, the assist says when, and its replay answers 410 saying why;
// a recording within the retention still replays.
func TestServerSweepsExpiredRecordings(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	db, err := backend.OpenStore(ctx, backend.SQLiteURL(filepath.Join(dir, app.DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.OpenBlobs(ctx, backend.FileURL(filepath.Join(dir, app.BlobsDir)))
	if err != nil {
		t.Fatal(err)
	}
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}, RecordingRetention: 7 * 24 * time.Hour}
	if err := db.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ended := func(end time.Time) *tandem.Assist {
		a := &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "p", PageURL: "https://shop.example/",
			StartedAt: end.Add(-time.Minute), EndedAt: end, EndReason: "ended by person"}
		if err := db.CreateAssist(ctx, a); err != nil {
			t.Fatal(err)
		}
		recordFrames(t, b, a.ID, end)
		return a
	}
	old := ended(now.Add(-8 * 24 * time.Hour))
	recent := ended(now.Add(-6 * 24 * time.Hour))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	swept := make(chan struct{}, 1)
	ts := apptest.Start(t, app.Config{DataDir: dir, Logger: slog.New(sweepLog{swept})}, "")
	select {
	case <-swept:
	case <-time.After(30 * time.Second):
		t.Fatal("no recording sweep logged 30 s after start")
	}

	if keys, err := b.List(ctx, "recordings/"+old.ID+"/"); err != nil || len(keys) != 0 {
		t.Errorf("the expired recording keeps %q (%v)", keys, err)
	}
	if keys, err := b.List(ctx, "recordings/"+recent.ID+"/"); err != nil || len(keys) == 0 {
		t.Errorf("the recording within its retention was deleted (%v)", err)
	}
	if q, err := ts.Store().(store.Recordings).DoomedRecordings(ctx, 10); err != nil || len(q) != 0 {
		t.Errorf("deletion queue after the sweep: %v, %v", q, err)
	}

	agent, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	err = agent.Do(ctx, "GET", "/api/v1/assists/"+old.ID+"/recording", nil, nil)
	var apiErr *simclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 410 || apiErr.Code != tandem.EExpired ||
		!strings.Contains(apiErr.Message, "the recording was deleted on ") || !strings.Contains(apiErr.Message, "by the site's retention of 7 days") {
		t.Errorf("replay of the expired recording = %v, want 410 saying it was deleted by the site's retention of 7 days", err)
	}
	var got struct {
		Assist struct {
			RecordingDeletedAt *time.Time `json:"recordingDeletedAt"`
		} `json:"assist"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+old.ID, nil, &got); err != nil {
		t.Fatal(err)
	}
	if d := got.Assist.RecordingDeletedAt; d == nil || d.Before(now.Add(-time.Minute)) {
		t.Errorf("assist JSON recordingDeletedAt = %v, want the sweep's time", d)
	}
	got.Assist.RecordingDeletedAt = nil
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+recent.ID, nil, &got); err != nil || got.Assist.RecordingDeletedAt != nil {
		t.Errorf("a kept recording's assist shows recordingDeletedAt %v (%v)", got.Assist.RecordingDeletedAt, err)
	}
	var rec struct {
		Frames []map[string]any `json:"frames"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+recent.ID+"/recording", nil, &rec); err != nil || len(rec.Frames) != 2 {
		t.Errorf("replay of the kept recording: %d frames, %v; want 2", len(rec.Frames), err)
	}
	var sites struct {
		Sites []struct {
			RecordingRetentionSeconds int64 `json:"recordingRetentionSeconds"`
		} `json:"sites"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/sites", nil, &sites); err != nil || len(sites.Sites) != 1 || sites.Sites[0].RecordingRetentionSeconds != 7*24*3600 {
		t.Errorf("sites JSON = %+v, %v; want recordingRetentionSeconds 604800", sites, err)
	}
}

func TestNegativeSweepInterval(t *testing.T) {
	_, err := app.Start(context.Background(), app.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), DemoAddr: "off", SSHAddr: "off",
		SweepInterval: -time.Hour, Logger: slog.New(slog.DiscardHandler),
	})
	if err == nil || !strings.Contains(err.Error(), "sweep interval") {
		t.Fatalf("a negative sweep interval: %v", err)
	}
}
