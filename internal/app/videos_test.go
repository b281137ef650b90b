package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store"
)

// recordPage writes the recording of a page whose box changes colour every
// 40 ms (each frame of a 25 fps video) for secs seconds: no frame can be
// reused, so the render takes long enough to be stopped halfway (a page
// that changed once a second rendered in under a second, before its first
// progress report).
func recordPage(t *testing.T, dir, id string, start time.Time, secs int) {
	t.Helper()
	b, err := backend.OpenBlobs(t.Context(), backend.FileURL(filepath.Join(dir, app.BlobsDir)))
	if err != nil {
		t.Fatal(err)
	}
	ms := start.UnixMilli()
	box := func(c string) string {
		return "position:absolute;left:20px;top:20px;width:200px;height:100px;background:" + c
	}
	doc := fmt.Sprintf(`{"type":0,"id":1,"childNodes":[{"type":2,"id":2,"tagName":"html","attributes":{},"childNodes":[
		{"type":2,"id":3,"tagName":"head","attributes":{},"childNodes":[]},
		{"type":2,"id":4,"tagName":"body","attributes":{"style":"margin:0"},"childNodes":[
			{"type":2,"id":5,"tagName":"div","attributes":{"style":%q},"childNodes":[]}]}]}]}`, box("#c00"))
	w := record.NewWriter(b, id, record.WriterOptions{})
	write := func(seq int, kind, hash, payload string, at time.Time) {
		if err := w.WriteFrame(at, hub.EncodeFrame(hub.Header{Kind: kind, Seq: uint64(seq), Page: "p1", Hash: hash}, []byte(payload))); err != nil {
			t.Fatal(err)
		}
	}
	write(1, "meta", "", `{"url":"https://shop.example/","title":"Shop","pageId":"p1","viewport":{"width":320,"height":240,"dpr":1}}`, start)
	write(2, "snap", "h1", fmt.Sprintf(`[{"type":4,"data":{"href":"https://shop.example/","width":320,"height":240},"timestamp":%d},
		{"type":2,"data":{"node":%s,"initialOffset":{"top":0,"left":0}},"timestamp":%d}]`, ms, doc, ms+1), start)
	for i := 1; i <= secs*25; i++ {
		colour := []string{"#0a0", "#00c", "#c00"}[i%3]
		at := time.Duration(i) * 40 * time.Millisecond
		write(2+i, "ev", "", fmt.Sprintf(`[{"type":3,"data":{"source":0,"texts":[],"removes":[],"adds":[],"attributes":[{"id":5,"attributes":{"style":%q}}]},"timestamp":%d}]`,
			box(colour), ms+at.Milliseconds()), start.Add(at))
	}
	if err := w.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func startServer(t *testing.T, dir string) *app.Server {
	t.Helper()
	srv, err := app.Start(t.Context(), app.Config{Addr: "127.0.0.1:0", DataDir: dir, DemoAddr: "off", SSHAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// waitVideo polls the store until the job satisfies ok.
func waitVideo(t *testing.T, db store.VideoExports, id, what string, ok func(v *store.VideoExport) bool) *store.VideoExport {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		v, err := db.VideoExportByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(v) {
			return v
		}
		if v.State == store.VideoFailed || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: the job is %+v", what, v)
		}
		time.Sleep(50 * time.Millisecond) // poll the store: the worker reports once a second
	}
}

// A server stopped while it renders an export puts the job back; the next
// start renders it to the end.
func TestVideoExportResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	first := startServer(t, dir)
	ctx := t.Context()
	db := first.Store()
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := db.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	start := end.Add(-12 * time.Second)
	a := &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "p", PageURL: "https://shop.example/",
		StartedAt: start, EndedAt: end, EndReason: "ended by agent"}
	if err := db.CreateAssist(ctx, a); err != nil {
		t.Fatal(err)
	}
	recordPage(t, dir, a.ID, start, 12)
	v := &store.VideoExport{Kind: store.VideoAssist, SubjectID: a.ID, RecordingID: a.ID, SiteID: site.ID,
		Options: json.RawMessage(`{"width":320,"height":240,"fps":25}`), RequestedBy: "agent:u1"}
	if err := db.CreateVideoExport(ctx, v); err != nil {
		t.Fatal(err)
	}
	waitVideo(t, db, v.ID, "the render to report progress", func(v *store.VideoExport) bool { return v.State == store.VideoRunning && v.Done > 0 })
	closeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := first.Close(closeCtx); err != nil {
		t.Fatal(err)
	}

	stopped, err := backend.OpenStore(ctx, backend.SQLiteURL(filepath.Join(dir, app.DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	back, err := stopped.VideoExportByID(ctx, v.ID)
	stopped.Close()
	if err != nil {
		t.Fatal(err)
	}
	if back.State != store.VideoQueued || back.ClaimNode != "" || back.Attempts != 1 || !strings.Contains(back.Error, "interrupted") {
		t.Errorf("after the stop the job is %+v, want queued again after its first attempt", back)
	}

	second := startServer(t, dir)
	t.Cleanup(func() { second.Close(context.Background()) })
	db = second.Store()
	done := waitVideo(t, db, v.ID, "the export to finish", func(v *store.VideoExport) bool { return v.State == store.VideoDone })
	if done.Attempts != 2 || done.Width != 320 || done.Height != 240 || done.Duration < 12*time.Second {
		t.Errorf("done job = %+v", done)
	}
	b, err := backend.OpenBlobs(ctx, backend.FileURL(filepath.Join(dir, app.BlobsDir)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := b.Get(ctx, done.BlobKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	head := make([]byte, 8)
	if _, err := io.ReadFull(rc, head); err != nil || string(head[4:8]) != "ftyp" {
		t.Errorf("the stored video starts %q (%v), want an MP4", head, err)
	}
}
