package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/video"
)

// BenchmarkExportDemoSession records the scripted 60-second demo session
// (the script of BenchmarkWireVsScreenshots, played by the SDK in Chromium
// through the server), reads its recording as the export worker does, and
// exports it to MP4 at 1280×720, 25 frames/s, with clicks, pointer and
// devtools, drawn by one tab and by two. It reports
// how many times faster than real time each export ran and the video's
// bytes per minute:
//
//	go test -run '^$' -bench ExportDemoSession -benchtime 1x ./internal/e2e/
func BenchmarkExportDemoSession(b *testing.B) {
	e := setup(b)
	person, agent := e.tab(), e.tab()
	browsertest.Run(b, person, "bench step", chromedp.EmulateViewport(1280, 800))
	id := liveAssist(b, e, person, agent, "index.html")
	playDemoScript(b, e, person, time.Now())
	browsertest.ClickSDK(b, person, "badge")
	waitJS(b, agent, "the end", `document.querySelector('[data-testid=ended-reason]')`)

	ctx := context.Background()
	demo := e.srv.Demo()
	api, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", e.srv.URL()+"/api/v1/assists/"+id+"/recording", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Accept", "application/x-ndjson")
	res, err := api.Client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	rec, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("reading the recording: %d, %v", res.StatusCode, err)
	}

	o := video.Options{Width: 1280, Height: 720, Clicks: true, Pointer: true, Devtools: true}
	for _, tabs := range []int{1, 2} {
		b.Run(fmt.Sprintf("tabs=%d", tabs), func(b *testing.B) {
			r, err := video.New(video.Config{Tabs: tabs})
			if err != nil {
				b.Fatal(err)
			}
			var took time.Duration
			var out *video.Result
			for b.Loop() {
				start := time.Now()
				out, err = r.RenderAssist(ctx, bytes.NewReader(rec), o, io.Discard, nil)
				if err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
			}
			// The session is about a minute long; less means the script or
			// the recording went wrong and the figures would mislead.
			if out.Duration < 55*time.Second {
				b.Fatalf("the video lasts %v: the recording is not of the 60-second session", out.Duration)
			}
			per := took / time.Duration(b.N)
			b.ReportMetric(out.Duration.Seconds()/per.Seconds(), "x-realtime")
			b.ReportMetric(float64(out.Bytes)/out.Duration.Minutes(), "bytes/min")
			b.ReportMetric(out.Duration.Seconds(), "video-s")
		})
	}
}
