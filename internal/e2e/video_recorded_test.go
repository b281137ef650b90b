package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/video"
	"github.com/tandemhq/tandem/internal/video/videotest"
)

// TestExportARecordedSession: a session recorded by the SDK in Chromium on
// the demo's form (a name typed, a password and masked notes typed too)
// exports to an MP4 at the person's resolution; what was masked was never
// recorded, so no video of it can show it.
func TestExportARecordedSession(t *testing.T) {
	e := setupOnDisk(t)
	person, agent := e.tab(), e.tab()
	id := askForHelp(t, e, person, agent, "form.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	const secretPW, secretNotes = "SECRET-pw-4417", "SECRET-notes-2290"
	browsertest.Run(t, person, "fill the form",
		chromedp.SendKeys(`#name`, "Dana Video"),
		chromedp.SendKeys(`#password`, secretPW),
		chromedp.SendKeys(`#notes`, secretNotes),
	)
	waitJS(t, agent, "the name in the mirror", browsertest.MirrorDoc+`?.querySelector('#name')?.value === 'Dana Video'`)
	// The recording must outlast one stretch of frames (50) at 25 frames/s,
	// so that two tabs drawing it share it out below.
	time.Sleep(2500 * time.Millisecond)
	browsertest.Run(t, person, "a last click", chromedp.Click(`#newsletter`))

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	demo := e.srv.Demo()
	api, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.Do(ctx, "POST", "/api/v1/assists/"+id+"/end", nil, nil); err != nil {
		t.Fatalf("end the assist: %v", err)
	}
	a, err := e.srv.Store().AssistByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	var job struct {
		Video struct{ ID, State, Error, FileURL string }
	}
	if err := api.Do(ctx, "POST", "/api/v1/assists/"+id+"/videos", map[string]any{"fps": 25, "clicks": true, "pointer": true}, &job); err != nil {
		t.Fatalf("request the export: %v", err)
	}
	for job.Video.State != "done" {
		if job.Video.State == "failed" || job.Video.State == "cancelled" {
			t.Fatalf("the export %s: %s", job.Video.State, job.Video.Error)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the export is still %s", job.Video.State)
		case <-time.After(200 * time.Millisecond):
		}
		if err := api.Do(ctx, "GET", "/api/v1/videos/"+job.Video.ID, nil, &job); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL()+"/api/v1/videos/"+job.Video.ID+"/file", nil)
	res, err := api.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	path := filepath.Join(t.TempDir(), "assist.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, res.Body); err != nil || f.Close() != nil || res.StatusCode != 200 {
		t.Fatalf("download: %d, %v", res.StatusCode, err)
	}
	p := videotest.Probe(t, path)
	even := func(n int) int { return n + n%2 }
	if p.Codec != "h264" || p.Width != even(a.Viewport.Width) || p.Height != even(a.Viewport.Height) || p.Frames <= 50 {
		t.Errorf("the video is %+v; want h264 at the person's %d×%d, more than 50 frames", p, a.Viewport.Width, a.Viewport.Height)
	}

	// The same recording drawn again, by two tabs sharing its frames out,
	// gives the same bytes as the export.
	req, _ = http.NewRequestWithContext(ctx, "GET", e.srv.URL()+"/api/v1/assists/"+id+"/recording", nil)
	req.Header.Set("Accept", "application/x-ndjson")
	if res, err = api.Client.Do(req); err != nil {
		t.Fatal(err)
	}
	ndjson, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	r, err := video.New(video.Config{Tabs: 2})
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if _, err := r.RenderAssist(ctx, bytes.NewReader(ndjson), video.Options{FPS: 25, Clicks: true, Pointer: true}, &again, nil); err != nil {
		t.Fatalf("rendering again with two tabs: %v", err)
	}
	if exported, err := os.ReadFile(path); err != nil || !bytes.Equal(exported, again.Bytes()) {
		t.Errorf("the export (%d bytes) and the render with two tabs (%d bytes) differ (%v)", len(exported), again.Len(), err)
	}

	var rec strings.Builder
	req, _ = http.NewRequestWithContext(ctx, "GET", e.srv.URL()+"/api/v1/assists/"+id+"/recording", nil)
	if res, err = api.Client.Do(req); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(&rec, res.Body)
	res.Body.Close()
	if !strings.Contains(rec.String(), "Dana Video") {
		t.Fatal("the recording lacks the name typed: the check below would prove nothing")
	}
	for _, secret := range []string{secretPW, secretNotes} {
		if strings.Contains(rec.String(), secret) {
			t.Errorf("the recording the video is drawn from holds %q", secret)
		}
	}
}
