package httpapi_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	sshshare "github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/video/videotest"
)

// waitVideo polls an export as the console does until it is done, and
// fails the test if it fails or takes over three minutes.
func waitVideo(t *testing.T, ctx context.Context, agent *simclient.Agent, id string) videoAnswer {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var v videoAnswer
	for v.Video.State != "done" {
		if err := agent.Do(ctx, "GET", "/api/v1/videos/"+id, nil, &v); err != nil {
			t.Fatalf("waiting for the export: %v", err)
		}
		switch v.Video.State {
		case "failed", "cancelled":
			t.Fatalf("the export is %s: %s", v.Video.State, v.Video.Error)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the export is still %s", v.Video.State)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return v
}

// A terminal session shared through the server's SSH relay ends; the
// agent exports it through the API, the job system renders it, and what
// the download serves is an H.264 MP4 of the session's length.
func TestTerminalVideoExportAPI(t *testing.T) {
	ts := apptest.Start(t, app.Config{SSHAddr: "127.0.0.1:0"}, siteOrigin)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	agent, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	host, err := sshshare.Start(ctx, sshshare.Config{
		Server: ts.SSHAddr(), KeyPath: filepath.Join(dir, "host"), KnownHostsPath: filepath.Join(dir, "kh"), HostName: "build-01",
		Command: []string{"/bin/sh", "-c", "echo start; sleep 0.6; echo video-$((6*7))"}, AllowAgents: true, Stdout: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Wait(); err != nil {
		t.Fatal(err)
	}

	// The relay records the end as the host leaves; until then the
	// session is live and an export is refused, which changes nothing.
	var queued videoAnswer
	for {
		err := agent.Do(ctx, "POST", "/api/v1/terminals/"+host.ID+"/videos", map[string]any{"fps": 10}, &queued)
		if err == nil {
			break
		}
		if apiCode(err) != "conflict" || ctx.Err() != nil {
			t.Fatalf("export the ended session: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if queued.Video.ID == "" || queued.Video.Kind != "terminal" {
		t.Fatalf("POST answered %+v", queued.Video)
	}
	done := waitVideo(t, ctx, agent, queued.Video.ID)

	res, body := getFile(t, ctx, agent, done.Video.FileURL, "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "video/mp4" || int64(len(body)) != done.Video.Bytes {
		t.Fatalf("file: %d %s, %d bytes; want an MP4 of %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body), done.Video.Bytes)
	}
	out := filepath.Join(dir, "session.mp4")
	if err := os.WriteFile(out, body, 0o600); err != nil {
		t.Fatal(err)
	}
	// The session lasted at least 0.6 s: at 10 frames/s, 7 frames or more.
	p := videotest.Probe(t, out)
	if p.Codec != "h264" || p.Frames < 7 || p.Width != done.Video.Width || p.Height != done.Video.Height || p.Duration < 0.6 {
		t.Errorf("ffprobe: %+v; want h264, 7 frames or more, %d×%d as the job says, 0.6 s or more", p, done.Video.Width, done.Video.Height)
	}
}
