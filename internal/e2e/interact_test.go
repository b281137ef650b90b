package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/browsertest"
)

// fakeMedia makes Chromium grant camera and microphone with generated
// audio and video, as a person's and an agent's real devices would.
var fakeMedia = map[string]any{
	"use-fake-device-for-media-stream": true,
	"use-fake-ui-for-media-stream":     true,
}

// liveAssist brings a person on page to a live assist watched by the agent.
func liveAssist(t testing.TB, e *env, person, agent context.Context, pageName string) string {
	t.Helper()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)
	e.openDemo(person, pageName)
	id := requestAndAccept(t, person, agent)
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the live view", `location.pathname.endsWith('/assists/`+id+`')`)
	waitJS(t, agent, "the mirror", browsertest.MirrorDoc+`?.body?.children.length > 0`)
	return id
}

// await evaluates an expression that returns a promise.
func await[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	var v T
	err := chromedp.Run(ctx, chromedp.Evaluate(expr, &v, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

type callStats struct {
	InboundBytes  float64 `json:"inboundBytes"`
	OutboundBytes float64 `json:"outboundBytes"`
	Relay         bool    `json:"relay"`
}

// bothCallStats reads the call's statistics on the person's page and in
// the agent's console (zero before a call).
func bothCallStats(t testing.TB, person, agent context.Context) (p, a callStats) {
	t.Helper()
	p = await[callStats](t, person, `window.__tandemCall ? window.__tandemCall.stats() : {inboundBytes: 0}`)
	a = await[callStats](t, agent, `window.__tandemConsole.callStats ? window.__tandemConsole.callStats() : {inboundBytes: 0}`)
	return p, a
}

// waitMediaFlowing waits until both sides receive growing media bytes.
func waitMediaFlowing(t testing.TB, person, agent context.Context, relay bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var p0, a0 callStats
	for time.Now().Before(deadline) {
		p, a := bothCallStats(t, person, agent)
		if p0.InboundBytes > 0 && a0.InboundBytes > 0 && p.InboundBytes > p0.InboundBytes && a.InboundBytes > a0.InboundBytes {
			if relay && (!p.Relay || !a.Relay) {
				t.Fatalf("media flows but not through the relay: person %+v, agent %+v", p, a)
			}
			return
		}
		p0, a0 = p, a
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("media did not flow both ways: person %+v, agent %+v", p0, a0)
}

func appWithTURN() app.Config {
	return app.Config{ICE: app.ICEConfig{TURNAddr: "127.0.0.1:0"}}
}

func fakeMediaOptions() browsertest.Options { return browsertest.Options{Flags: fakeMedia} }

func setupCalls(t *testing.T) *env { return setupWith(t, appWithTURN(), fakeMediaOptions()) }

func TestCallConnectsAndHangsUp(t *testing.T) {
	e := setupCalls(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "index.html")

	browsertest.Run(t, agent, "start a video call", chromedp.Click(`[data-testid=call-video]`))
	browsertest.ClickSDK(t, person, "call-accept")
	waitMediaFlowing(t, person, agent, false)
	waitJS(t, person, "the agent's video on the page", browsertest.SDKUI("call-remote"))

	browsertest.Run(t, agent, "hang up", chromedp.Click(`[data-testid=call-hangup]`))
	waitJS(t, person, "the call panel to close", `!`+browsertest.SDKUI("call"))
	waitJS(t, agent, "the call to end", `document.querySelector('[data-testid=call-state]')?.textContent === 'ended' && document.querySelector('[data-testid=call-voice]')`)
}

func TestCallThroughTURNOnly(t *testing.T) {
	e := setupCalls(t)
	person, agent := e.tab(), e.tab()
	browsertest.Run(t, person, "force relay on the page", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.TandemConfig = Object.assign(window.TandemConfig || {}, {forceRelay: true})`).Do(ctx)
		return err
	}))
	browsertest.Run(t, agent, "open the console", chromedp.Navigate(e.srv.URL()+"/console/"))
	browsertest.Run(t, agent, "force relay in the console", chromedp.Evaluate(`localStorage.setItem('tandem.forceRelay', '1')`, nil))
	liveAssist(t, e, person, agent, "index.html")

	browsertest.Run(t, agent, "start a voice call", chromedp.Click(`[data-testid=call-voice]`))
	browsertest.ClickSDK(t, person, "call-accept")
	waitMediaFlowing(t, person, agent, true)
}

func TestCallDeclined(t *testing.T) {
	e := setupCalls(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "index.html")
	browsertest.Run(t, agent, "start a call", chromedp.Click(`[data-testid=call-voice]`))
	browsertest.ClickSDK(t, person, "call-decline")
	waitJS(t, agent, "the decline", `/declined/i.test(document.querySelector('[data-testid=call-state]')?.textContent || '')`)
	waitJS(t, person, "the call prompt to go", `!`+browsertest.SDKUI("call-accept"))
}

// mirrorPoint returns where, in the agent's window, the centre of the
// mirror's element sel is drawn.
func mirrorPoint(t testing.TB, agent context.Context, sel string) (float64, float64) {
	t.Helper()
	var p struct{ X, Y float64 }
	browsertest.Run(t, agent, "locate "+sel+" in the mirror", chromedp.Evaluate(fmt.Sprintf(`(() => {
		const frame = document.querySelector('[data-testid=mirror] iframe');
		const el = frame.contentDocument.querySelector(%q);
		el.scrollIntoView({block: 'center'});
		const f = frame.getBoundingClientRect(), r = el.getBoundingClientRect();
		const scale = f.width / frame.offsetWidth;
		return {x: f.left + (r.left + r.width / 2) * scale, y: f.top + (r.top + r.height / 2) * scale};
	})()`, sel), &p))
	return p.X, p.Y
}

// clickMirror clicks, as the agent's mouse would, on the mirror's element.
func clickMirror(t testing.TB, agent context.Context, sel string) {
	t.Helper()
	x, y := mirrorPoint(t, agent, sel)
	browsertest.Run(t, agent, "click "+sel+" in the mirror", chromedp.MouseClickXY(x, y))
}

// haveControl is true in a console whose agent holds control.
const haveControl = `/you have control/i.test(document.querySelector('[data-testid=control-state]')?.textContent || '')`

// checkClickRefused has the agent click the app's "more" button in the
// mirror and fails if the click reaches the page: if the page sees a click
// on the button, or its quantity is then anything but want.
//
// It does not wait a while and hope. Whatever the agent does over the
// mirror travels one path to the page, in order: the console's event
// handlers run in the order Chromium dispatches the input (and each writes
// its frame to the one WebSocket as it runs), the server relays each of an
// agent's frames to the person's outbox as it reads them, the outbox and
// the person's WebSocket are first in first out, and the SDK applies
// interaction frames in arrival order (an operation's click is dispatched
// while its frame is handled; Preact renders the new quantity in a
// microtask of that click). So after the click, the agent shows its pointer
// over the mirror, which every agent may do, and once that pointer is on the
// person's page, a click let through by the console, the server or the SDK
// would have landed already. The pointer is then hidden again, and the
// test waits for that too, so that the next check starts from a page
// without it.
func checkClickRefused(t testing.TB, person, agent context.Context, want, what string) {
	t.Helper()
	waitJS(t, person, "no agent pointer on the page", `!`+browsertest.SDKUI("pointer"))
	browsertest.Run(t, person, "count clicks on the button", chromedp.Evaluate(`(() => {
		window.__moreClicks = 0;
		if (window.__countMore) return;
		window.__countMore = true;
		document.addEventListener('click', (e) => {
			if (e.target instanceof Element && e.target.closest('#app-more')) window.__moreClicks++;
		}, true);
	})()`, nil))
	x, y := mirrorPoint(t, agent, "#app-more")
	// A toast ("The person took control back") may lie over the button
	// for a few seconds; a click on it would test nothing.
	over := fmt.Sprintf(`(() => {
		const e = document.elementFromPoint(%v, %v);
		return !!e && (e.matches('[data-testid=mirror-capture]') || !!e.closest('.mirror-host'));
	})()`, x, y)
	waitJS(t, agent, "nothing over the mirror's button", over)
	browsertest.Run(t, agent, "click the button in the mirror", chromedp.MouseClickXY(x, y))

	browsertest.Run(t, agent, "pointer tool", chromedp.Click(`[data-testid=tool-pointer]`))
	waitJS(t, agent, "nothing over the mirror's button", over)
	browsertest.Run(t, agent, "point at the button", chromedp.MouseEvent(input.MouseMoved, x, y))
	waitJS(t, person, "the agent's pointer on the page, sent after the click", browsertest.SDKUI("pointer"))

	if n := browsertest.Eval[int](t, person, `window.__moreClicks`); n != 0 {
		t.Fatalf("%s reached the page: %d clicks on the button", what, n)
	}
	if q := browsertest.Eval[string](t, person, `document.querySelector('#app-quantity').textContent`); q != want {
		t.Fatalf("%s changed the quantity to %s", what, q)
	}

	browsertest.Run(t, agent, "put the pointer tool away", chromedp.Click(`[data-testid=tool-pointer]`))
	waitJS(t, person, "the agent's pointer to go", `!`+browsertest.SDKUI("pointer"))
}

func TestRemoteControlOfAFrameworkApp(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "app.html")
	waitJS(t, agent, "the app in the mirror", browsertest.MirrorDoc+`?.querySelector('#app-more')`)

	// Without control, a click in the mirror does nothing on the page.
	checkClickRefused(t, person, agent, "1", "a click without control")

	browsertest.Run(t, agent, "ask for control", chromedp.Click(`[data-testid=control-request]`))
	waitJS(t, person, "the control prompt", browsertest.SDKUI("control-allow"))
	msg := browsertest.Eval[string](t, person, browsertest.SDKUI("control-text")+`?.textContent || ''`)
	if msg != "Alex from Support wants to control this page" {
		t.Fatalf("control prompt = %q", msg)
	}
	browsertest.ClickSDK(t, person, "control-allow")
	waitJS(t, agent, "control", haveControl)

	// The page's own click handler runs: the app's state changes.
	clickMirror(t, agent, "#app-more")
	waitJS(t, person, "the quantity to change", `document.querySelector('#app-quantity').textContent === '2'`)

	// Typing lands in a controlled input and changes the app's state ...
	clickMirror(t, agent, "#app-name")
	browsertest.Run(t, agent, "type", chromedp.KeyEvent("Grace"))
	waitJS(t, person, "the greeting", `document.querySelector('#app-greeting').textContent === 'Hello, Grace!'`)
	waitMirrorMatches(t, person, agent, "the mirror after remote typing")

	// ... but never in a masked field.
	clickMirror(t, agent, "#app-password")
	browsertest.Run(t, agent, "type into the password", chromedp.KeyEvent("secret"))
	waitJS(t, agent, "the refusal", `document.querySelector('[data-testid=toast]')`)
	if got := browsertest.Eval[string](t, person, `document.querySelector('#app-secret-length').textContent`); got != "password: 0 characters" {
		t.Fatalf("typing reached a masked field: %s", got)
	}

	// The person takes control back with Esc; the next click is refused.
	browsertest.Run(t, person, "press Esc", chromedp.KeyEvent(kb.Escape))
	waitJS(t, agent, "control back with the person", `!`+haveControl)
	checkClickRefused(t, person, agent, "2", "a click after Esc")
}

func TestControlHandOverBetweenAgents(t *testing.T) {
	e := setup(t)
	person, alex, sam := e.tab(), e.tab(), e.tab()
	id := liveAssist(t, e, person, alex, "app.html")
	email, pw := addAgent(t, e, "sam@example.com", "Sam")
	e.loginConsole(sam, email, pw)
	browsertest.Run(t, sam, "open the assist", chromedp.Navigate(e.srv.URL()+"/console/assists/"+id))
	waitJS(t, sam, "the app in Sam's mirror", browsertest.MirrorDoc+`?.querySelector('#app-more')`)

	browsertest.Run(t, alex, "ask for control", chromedp.Click(`[data-testid=control-request]`))
	browsertest.ClickSDK(t, person, "control-allow")
	waitJS(t, sam, "Sam sees who holds control", `/alex/i.test(document.querySelector('[data-testid=control-state]')?.textContent || '')`)

	// Sam's clicks are refused while Alex holds control.
	checkClickRefused(t, person, sam, "1", "Sam's click while Alex held control")

	waitJS(t, alex, "the hand-over control", `document.querySelector('[data-testid=control-handover]')`)
	browsertest.Run(t, alex, "hand over to Sam", chromedp.Evaluate(`(() => {
		const root = document.querySelector('[data-testid=control-handover]');
		const select = root.tagName === 'SELECT' ? root : root.querySelector('select');
		if (select) {
			const opt = [...select.options].find(o => /sam/i.test(o.textContent));
			select.value = opt.value; select.dispatchEvent(new Event('change', {bubbles: true}));
		}
		const button = root.tagName === 'BUTTON' ? root : (root.querySelector('button') || root.parentElement.querySelector('button[data-testid=control-handover-go]'));
		if (button) button.click();
	})()`, nil))
	waitJS(t, sam, "Sam to have control", haveControl)
	clickMirror(t, sam, "#app-more")
	waitJS(t, person, "Sam's click on the page", `document.querySelector('#app-quantity').textContent === '2'`)
	checkClickRefused(t, person, alex, "2", "Alex's click after the hand-over")
}

func TestPointerLandsOnTheSameElement(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	browsertest.Run(t, person, "a large window", chromedp.EmulateViewport(1400, 900))
	browsertest.Run(t, agent, "a smaller window", chromedp.EmulateViewport(1100, 700))
	liveAssist(t, e, person, agent, "spa.html")
	browsertest.Run(t, person, "load rows and scroll", chromedp.Click(`#load-rows`), chromedp.Evaluate(`window.scrollTo(0, 900)`, nil))
	waitJS(t, agent, "the mirror to scroll", `Math.abs(`+browsertest.MirrorDoc+`.scrollingElement.scrollTop - 900) < 5`)

	target := `#rows-table tr:nth-child(12) td:nth-child(2)`
	browsertest.Run(t, agent, "pointer tool", chromedp.Click(`[data-testid=tool-pointer]`))
	x, y := mirrorPoint(t, agent, target)
	browsertest.Run(t, agent, "move over the cell", chromedp.ActionFunc(func(ctx context.Context) error {
		for i := 0; i < 5; i++ {
			if err := input.DispatchMouseEvent(input.MouseMoved, x+float64(i), y).Do(ctx); err != nil {
				return err
			}
			time.Sleep(60 * time.Millisecond)
		}
		return nil
	}))
	waitJS(t, person, "the agent's pointer on the same cell", fmt.Sprintf(`(() => {
		const p = %s; if (!p) return false;
		const r = p.getBoundingClientRect(), c = document.querySelector(%q).getBoundingClientRect();
		return r.left >= c.left - 4 && r.left <= c.right + 4 && r.top >= c.top - 4 && r.top <= c.bottom + 4;
	})()`, browsertest.SDKUI("pointer"), target))
}
