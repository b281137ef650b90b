package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
)

// The agent exports an ended assist from its replay screen: the job shows
// its progress, ends done, and its download link serves an MP4.
func TestExportVideoFromReplay(t *testing.T) {
	e := setupOnDisk(t)
	ctx := t.Context()
	st := e.srv.Store()
	b, err := backend.OpenBlobs(ctx, backend.FileURL(filepath.Join(e.data, app.BlobsDir)))
	if err != nil {
		t.Fatal(err)
	}
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := st.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	start := end.Add(-2 * time.Second)
	a := &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "dana@example.com", PageURL: "https://shop.example/",
		Viewport: tandem.Viewport{Width: 320, Height: 240, DPR: 1}, StartedAt: start, EndedAt: end, EndReason: "ended by agent"}
	if err := st.CreateAssist(ctx, a); err != nil {
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
	w := record.NewWriter(b, a.ID, record.WriterOptions{})
	for i, f := range []struct {
		kind, hash, payload string
		at                  time.Time
	}{
		{"meta", "", `{"url":"https://shop.example/","title":"Shop","pageId":"p1","viewport":{"width":320,"height":240,"dpr":1}}`, start},
		{"snap", "h1", fmt.Sprintf(`[{"type":4,"data":{"href":"https://shop.example/","width":320,"height":240},"timestamp":%d},
			{"type":2,"data":{"node":%s,"initialOffset":{"top":0,"left":0}},"timestamp":%d}]`, ms, doc, ms+1), start},
		{"ev", "", fmt.Sprintf(`[{"type":3,"data":{"source":0,"texts":[],"removes":[],"adds":[],"attributes":[{"id":5,"attributes":{"style":%q}}]},"timestamp":%d}]`,
			box("#00c"), ms+1500), start.Add(1500 * time.Millisecond)},
	} {
		frame := hub.EncodeFrame(hub.Header{Kind: f.kind, Seq: uint64(i + 1), Page: "p1", Hash: f.hash}, []byte(f.payload))
		if err := w.WriteFrame(f.at, frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}

	email, pw := addAgent(t, e, "sam@example.com", "Sam")
	agent := e.tab()
	e.loginConsole(agent, email, pw)
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+a.ID))
	waitJS(t, agent, "the export panel", `!!document.querySelector('[data-testid=video-export]')`)
	browsertest.Run(t, agent, "export a video", browsertest.Clicked(`[data-testid=video-export]`))
	browsertest.WaitJS(t, agent, "the export to be done",
		`(() => { const v = document.querySelector('[data-testid=video-item]'); return v && v.dataset.state === 'done'; })()`, 3*time.Minute)
	if n := browsertest.Eval[int](t, agent, `document.querySelectorAll('[data-testid=video-failure]').length`); n != 0 {
		t.Errorf("the panel shows %d failures", n)
	}
	browsertest.Run(t, agent, "download the video", chromedp.Evaluate(`(async () => {
		const a = document.querySelector('[data-testid=video-download]');
		const r = await fetch(a.href);
		const b = new Uint8Array(await r.arrayBuffer());
		window.__video = { status: r.status, type: r.headers.get('content-type'), size: b.length,
			ftyp: String.fromCharCode(...b.slice(4, 8)) };
	})()`, nil, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	got := browsertest.Eval[map[string]any](t, agent, `window.__video`)
	if got["status"] != float64(200) || got["type"] != "video/mp4" || got["ftyp"] != "ftyp" || got["size"].(float64) < 1000 {
		t.Errorf("the download link served %v, want an MP4", got)
	}
}
