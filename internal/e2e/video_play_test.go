package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
)

// endedBoxAssist stores an ended 320×240 assist of length d (over 1.5 s)
// whose page is a red box that turns blue 1.5 s in, with its recording,
// and returns its id.
func endedBoxAssist(t *testing.T, e *env, d time.Duration) string {
	t.Helper()
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
	start := end.Add(-d)
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
	return a.ID
}

// playsJS starts the <video> sel muted (no gesture needed), then seeks it
// to 1.2 s; it sets window.__played to what was seen, or to the player's
// error. (The video is small enough to be buffered whole: the ranges a
// seek asks for are checked by the API tests.)
func playsJS(sel string) string {
	return `(() => {
		const v = document.querySelector('` + sel + `');
		window.__played = null;
		const fail = () => { window.__played = { error: v.error ? v.error.code + ' ' + v.error.message : 'no error' }; };
		v.addEventListener('error', fail);
		v.muted = true;
		const advanced = () => {
			if (v.currentTime <= 0.2) return;
			v.removeEventListener('timeupdate', advanced);
			const from = v.currentTime;
			v.pause();
			v.addEventListener('seeked', () => {
				window.__played = { from, to: v.currentTime, width: v.videoWidth, height: v.videoHeight, duration: v.duration };
			}, { once: true });
			v.currentTime = 1.2;
		};
		v.addEventListener('timeupdate', advanced);
		v.play().catch(fail);
	})()`
}

// checkPlayed waits for playsJS's result on tab and checks it.
func checkPlayed(t *testing.T, tab context.Context, what string) {
	t.Helper()
	browsertest.WaitJS(t, tab, what+" to play and seek", `window.__played !== null && window.__played !== undefined`, time.Minute)
	got := browsertest.Eval[map[string]any](t, tab, `window.__played`)
	if got["error"] != nil {
		t.Fatalf("%s: the player failed: %v", what, got["error"])
	}
	if got["from"].(float64) <= 0.2 || got["width"] != float64(320) || got["height"] != float64(240) ||
		got["to"].(float64) < 1.1 || got["duration"].(float64) < 1.4 {
		t.Errorf("%s played %v; want time advancing, a 320×240 video of 1.5 s (the last change ends it), seeked to 1.2 s", what, got)
	}
}

// The agent plays a done export in the console, seeks in it, and shares
// it; a visitor without an account plays the link's video, until the
// link is revoked.
func TestPlayAndShareVideo(t *testing.T) {
	e := setupOnDisk(t)
	id := endedBoxAssist(t, e, 3*time.Second)
	email, pw := addAgent(t, e, "sam@example.com", "Sam")
	agent := e.tab()
	e.loginConsole(agent, email, pw)
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the export panel", `!!document.querySelector('[data-testid=video-export]')`)
	browsertest.Run(t, agent, "export a video", browsertest.Clicked(`[data-testid=video-export]`))
	browsertest.WaitJS(t, agent, "the export to be done",
		`(() => { const v = document.querySelector('[data-testid=video-item]'); return v && v.dataset.state === 'done'; })()`, 3*time.Minute)

	browsertest.Run(t, agent, "open the player", browsertest.Clicked(`[data-testid=video-play]`))
	waitJS(t, agent, "the player", `!!document.querySelector('[data-testid=video-player]')`)
	browsertest.Run(t, agent, "play the video", chromedp.Evaluate(playsJS(`[data-testid=video-player]`), nil))
	checkPlayed(t, agent, "the console's player")

	browsertest.Run(t, agent, "share the video", browsertest.Clicked(`[data-testid=video-share]`))
	waitJS(t, agent, "the share dialog", `document.querySelector('[data-testid=share-anyone]')?.checked`)
	browsertest.Run(t, agent, "create the link", browsertest.Clicked(`[data-testid=share-create]`))
	waitJS(t, agent, "the link", `document.querySelector('[data-testid=share-url]')`)
	link := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=share-url]').textContent.trim()`)

	visitor := e.tab() // a fresh browser context: no console session
	browsertest.Run(t, visitor, "open the link", chromedp.Navigate(link))
	waitJS(t, visitor, "the shared video's player", `!!document.querySelector('[data-testid=shared-video-player]')`)
	browsertest.Run(t, visitor, "play the shared video", chromedp.Evaluate(playsJS(`[data-testid=shared-video-player]`), nil))
	checkPlayed(t, visitor, "the link's player")
	if browsertest.Eval[bool](t, visitor, `!!document.querySelector('[data-testid=video-export], [data-testid=sign-out], [data-testid=share-open]')`) {
		t.Error("the link's page shows console controls")
	}

	waitJS(t, agent, "the link in my links", `document.querySelectorAll('[data-testid=share-link]').length === 1`)
	browsertest.Run(t, agent, "revoke the link", browsertest.Clicked(`[data-testid=share-revoke]`))
	waitJS(t, agent, "the link revoked", `document.querySelector('[data-testid=share-status]')?.textContent === 'Revoked'`)
	browsertest.Run(t, visitor, "open the link again", chromedp.Navigate(link))
	waitJS(t, visitor, "the link not valid", `document.querySelector('[data-testid=share-invalid]')?.textContent.includes('not valid')`)
}
