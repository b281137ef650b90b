package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/share"
)

// `tandem terminal video` renders a session a relay recorded in the data
// directory to an H.264 MP4; bad arguments are refused and write nothing.
func TestTerminalVideo(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	srv, db := startRelay(t, ctx, data)
	s, err := share.Start(ctx, share.Config{
		Server: srv.Addr(), KeyPath: filepath.Join(data, "host"), KnownHostsPath: filepath.Join(data, "kh"),
		Command: []string{"/bin/sh", "-c", "echo video-$((6*7))"}, AllowAgents: true, Stdout: io.Discard,
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
	probe, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0", out).Output()
	if err != nil || strings.TrimSpace(string(probe)) != "h264" {
		t.Fatalf("ffprobe: %q %v", probe, err)
	}

	bad := [][]string{
		{"terminal", "video", s.ID, "--data", data},                                      // no --out
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
