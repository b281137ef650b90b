package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/video/videotest"
)

// `tandem terminal video` renders a session a relay recorded in the data
// directory to an H.264 MP4; bad arguments are refused and write nothing.
func TestTerminalVideo(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	srv, db := startRelay(t, ctx, data)
	s, err := share.Start(ctx, share.Config{
		Server: srv.Addr(), KeyPath: filepath.Join(data, "host"), KnownHostsPath: filepath.Join(data, "kh"),
		Command: []string{"/bin/sh", "-c", "echo start; sleep 0.6; echo video-$((6*7))"}, AllowAgents: true, Stdout: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	srv.Close(cctx)
	db.Close()

	out := filepath.Join(t.TempDir(), "session.mp4")
	var said bytes.Buffer
	if err := run(ctx, []string{"terminal", "video", s.ID, "--out", out, "--fps", "10", "--data", data}, nil, &said, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said.String(), "frames") {
		t.Errorf("said %q", said.String())
	}
	// The session lasted at least 0.6 s: at 10 frames/s, 7 frames or more.
	if p := videotest.Probe(t, out); p.Codec != "h264" || p.Frames < 7 {
		t.Fatalf("ffprobe: %+v, want h264 with 7 frames or more", p)
	}

	bad := [][]string{
		{"terminal", "video", s.ID, "--data", data},                                       // no --out
		{"terminal", "video", s.ID, "--out", out + "2", "--width", "640", "--data", data}, // width without height
		{"terminal", "video", "not-an-id", "--out", out + "3", "--data", data},
		{"assist", "video", "no-such-assist", "--out", out + "4", "--data", data},
	}
	for _, args := range bad {
		if err := run(ctx, args, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	for _, suffix := range []string{"2", "3", "4", "2.part", "3.part", "4.part"} {
		if _, err := os.Stat(out + suffix); err == nil {
			t.Errorf("a refused command left %s", out+suffix)
		}
	}
}

// `tandem assist video` renders an ended assist's stored recording, and
// refuses one that is still live.
func TestAssistVideo(t *testing.T) {
	dir := newDataDir(t)
	key := addSite(t, dir, "Shop")
	db := openStore(t, dir)
	b := openBlobs(t, dir)
	site, err := db.SiteByKey(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Minute)
	ended := &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "p", StartedAt: start, EndedAt: start.Add(30 * time.Second)}
	live := &tandem.Assist{SiteID: site.ID, State: tandem.AssistLive, PersonID: "q", StartedAt: start}
	for _, a := range []*tandem.Assist{ended, live} {
		if err := db.CreateAssist(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	// A page with a heading, recorded as the SDK sends it, then a second
	// later a change of its colour.
	ms := start.UnixMilli()
	node := `{"type":0,"id":1,"childNodes":[{"type":2,"id":2,"tagName":"html","attributes":{},"childNodes":[{"type":2,"id":3,"tagName":"head","attributes":{},"childNodes":[]},{"type":2,"id":4,"tagName":"body","attributes":{"style":"background:#fff"},"childNodes":[{"type":2,"id":5,"tagName":"h1","attributes":{},"childNodes":[{"type":3,"id":6,"textContent":"Order"}]}]}]}]}`
	frames := []struct {
		h       hub.Header
		payload string
	}{
		{hub.Header{Seq: 1, Kind: "meta", Page: "pg"}, `{"url":"https://shop.test/","pageId":"pg","viewport":{"width":640,"height":360}}`},
		{hub.Header{Seq: 2, Kind: "snap", Page: "pg", Hash: "h1"}, fmt.Sprintf(`[{"type":4,"data":{"href":"https://shop.test/","width":640,"height":360},"timestamp":%d},{"type":2,"data":{"node":%s,"initialOffset":{"top":0,"left":0}},"timestamp":%d}]`, ms, node, ms+1)},
		{hub.Header{Seq: 3, Kind: "ev", Page: "pg"}, fmt.Sprintf(`[{"type":3,"data":{"source":0,"texts":[],"removes":[],"adds":[],"attributes":[{"id":4,"attributes":{"style":"background:#f00"}}]},"timestamp":%d}]`, ms+1000)},
	}
	w := record.NewWriter(b, ended.ID, record.WriterOptions{FlushInterval: time.Millisecond})
	for _, f := range frames {
		if err := w.WriteFrame(start, hub.EncodeFrame(f.h, []byte(f.payload))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := filepath.Join(t.TempDir(), "assist.mp4")
	said := mustRun(t, dir, "", "assist", "video", ended.ID, "--out", out, "--fps", "10", "--clicks")
	if !strings.Contains(said, "640×360") {
		t.Errorf("said %q, want the person's 640×360", said)
	}
	// 1,000 ms at 10 frames/s: 11 frames.
	if p := videotest.Probe(t, out); p.Codec != "h264" || p.Width != 640 || p.Height != 360 || p.Frames != 11 {
		t.Errorf("ffprobe: %+v, want h264, 640×360, 11 frames", p)
	}
	_, _, err = tandemCmd(t, dir, "", "assist", "video", live.ID, "--out", out+"2")
	if err == nil || !strings.Contains(err.Error(), "live") {
		t.Errorf("a live assist: %v, want a refusal saying it is live", err)
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Error("the refused render left a file")
	}
	_, _, err = tandemCmd(t, dir, "", "assist", "video", ended.ID, "--out", out+"3", "--tabs", "17")
	if err == nil || !strings.Contains(err.Error(), "tabs") {
		t.Errorf("--tabs 17: %v, want a refusal naming the tabs", err)
	}
	if _, err := os.Stat(out + "3"); err == nil {
		t.Error("the refused render left a file")
	}
	// A render that fails before reading the recording stops the reading
	// of it cleanly (under -race: no read after the recording closed).
	_, _, err = tandemCmd(t, dir, "", "assist", "video", ended.ID, "--out", out+"4", "--browser", filepath.Join(t.TempDir(), "no-browser"))
	if err == nil || !strings.Contains(err.Error(), "no-browser") {
		t.Errorf("a missing browser: %v, want an error naming it", err)
	}
	if _, err := os.Stat(out + "4"); err == nil {
		t.Error("the failed render left a file")
	}
}
