package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// The agent exports an ended assist from its replay screen: the job shows
// its progress, ends done, and its download link serves an MP4.
func TestExportVideoFromReplay(t *testing.T) {
	e := setupOnDisk(t)
	id := endedBoxAssist(t, e, 2*time.Second)

	email, pw := addAgent(t, e, "sam@example.com", "Sam")
	agent := e.tab()
	e.loginConsole(agent, email, pw)
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
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
