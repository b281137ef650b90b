package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestConsoleRoom: in the live view the agent folds the side panel and the
// devtools away (by button and by key; the choice survives a reload), fills
// the window with the mirror, and reads the shortcuts in the "?" help,
// a modal that keeps the focus and closes with Escape. Keys typed in a field
// are not shortcuts.
func TestConsoleRoom(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	id := askForHelp(t, e, person, agent, "index.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the page in the mirror", browsertest.MirrorDoc+`?.body`)

	hidden := func(testid string) string { return `document.querySelector('[data-testid=` + testid + `]').hidden` }
	browsertest.Run(t, agent, "fold the side panel", browsertest.Clicked(`[data-testid=toggle-side]`))
	waitJS(t, agent, "the side panel folded", hidden("side-panel"))
	browsertest.Run(t, agent, "reload", chromedp.Navigate(e.srv.URL()+"/console/assists/"+id))
	waitJS(t, agent, "the mirror after reloading", browsertest.MirrorDoc+`?.body`)
	waitJS(t, agent, "the side panel still folded", hidden("side-panel"))
	browsertest.Run(t, agent, "S", chromedp.KeyEvent("s"))
	waitJS(t, agent, "the side panel back", `!`+hidden("side-panel"))

	browsertest.Run(t, agent, "D", chromedp.KeyEvent("d"))
	waitJS(t, agent, "the devtools folded", hidden("devtools-wrap")+` && document.querySelector('[data-testid=devtools-toggle]').getAttribute('aria-expanded') === 'false'`)
	browsertest.Run(t, agent, "the devtools button", browsertest.Clicked(`[data-testid=devtools-toggle]`))
	waitJS(t, agent, "the devtools back", `!`+hidden("devtools-wrap"))

	// A key typed in a field is text, not a shortcut.
	browsertest.Run(t, agent, "type in the filter", chromedp.SendKeys(`[data-testid=devtools-filter]`, "sdm"))
	if browsertest.Eval[bool](t, agent, hidden("side-panel")+` || `+hidden("devtools-wrap")+` || document.querySelector('.room-fill') !== null`) {
		t.Fatal("keys typed in the filter box changed the layout")
	}
	browsertest.Run(t, agent, "leave the field", chromedp.Evaluate(`document.activeElement.blur()`, nil))

	browsertest.Run(t, agent, "M", chromedp.KeyEvent("m"))
	waitJS(t, agent, "the mirror filling the window", `(() => {
		const r = document.querySelector('[data-testid=live-main]').getBoundingClientRect();
		return document.querySelector('.room-fill') && `+hidden("side-panel")+` && r.left === 0 && r.top === 0 && r.width === innerWidth && r.height === innerHeight;
	})()`)
	browsertest.Run(t, agent, "Escape", chromedp.KeyEvent("\u001b"))
	waitJS(t, agent, "fill mode left", `!document.querySelector('.room-fill') && !`+hidden("side-panel"))

	browsertest.Run(t, agent, "?", chromedp.KeyEvent("?"))
	help := `document.querySelector('[data-testid=shortcut-help]')`
	waitJS(t, agent, "the shortcut help", help+` && `+help+`.getAttribute('aria-modal') === 'true' && `+help+`.contains(document.activeElement)`)
	if n := browsertest.Eval[int](t, agent, `document.querySelectorAll('[data-testid=shortcut]').length`); n < 8 {
		t.Errorf("the help lists %d shortcuts", n)
	}
	for i := 0; i < 4; i++ {
		browsertest.Run(t, agent, "Tab", chromedp.KeyEvent("\t"))
		if !browsertest.Eval[bool](t, agent, help+`.contains(document.activeElement)`) {
			t.Fatalf("Tab %d left the dialog", i+1)
		}
	}
	// While the help is open, the room's keys do nothing.
	browsertest.Run(t, agent, "S in the help", chromedp.KeyEvent("s"))
	if browsertest.Eval[bool](t, agent, hidden("side-panel")) {
		t.Error("S folded the side panel behind the help")
	}
	browsertest.Run(t, agent, "Escape", chromedp.KeyEvent("\u001b"))
	waitJS(t, agent, "the help closed", `!`+help)
}

// TestConsoleNetworkDetail: a request of the person's page opens in the
// devtools to its method, URL, status, timing and headers; the values of its
// Authorization and Cookie headers never leave the page (not in the agent's
// view, not in the recording); its body is shown only once the site records
// bodies; Copy as curl puts a safely quoted command on the clipboard.
func TestConsoleNetworkDetail(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()
	// A laptop's window: the default headless one is too short for the panel.
	browsertest.Run(t, agent, "window size", chromedp.EmulateViewport(1280, 900))
	id := askForHelp(t, e, person, agent, "index.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the page in the mirror", browsertest.MirrorDoc+`?.body`)
	browsertest.Run(t, agent, "open the network tab", browsertest.Clicked(`[data-testid=devtools-network]`))

	browsertest.Run(t, person, "fetch with credentials", chromedp.Evaluate(`fetch('/api/items?first=1', {headers: {
		'Authorization': 'Bearer auth-s3cret-1', 'Cookie': 'sid=cookie-s3cret-2', 'X-Trace': "it's here"}})`, nil))
	row := `[...document.querySelectorAll('[data-testid=devtools-row][data-kind=network]')].find(r => r.dataset.url.includes('/api/items?first=1') && r.dataset.status === '200')`
	waitJS(t, agent, "the request's row", row)
	browsertest.Run(t, agent, "open the row", chromedp.Evaluate(row+`.click()`, nil))
	detail := `document.querySelector('[data-testid=devtools-net][data-open=true] [data-testid=net-detail]')`
	waitJS(t, agent, "the request's detail", detail)
	got := browsertest.Eval[map[string]string](t, agent, `(() => {
		const d = `+detail+`, q = (s) => d.querySelector('[data-testid=' + s + ']')?.textContent ?? '';
		return {url: q('net-url'), status: q('net-status'), timing: q('net-timing'), req: q('net-req-headers'), res: q('net-res-headers'), nobodies: q('net-no-bodies')};
	})()`)
	wantURL := demo.SiteURL + "/api/items?first=1"
	if got["url"] != wantURL || got["status"] != "200" || !strings.Contains(got["timing"], "took") || got["nobodies"] == "" {
		t.Errorf("detail: %q", got)
	}
	for _, want := range []string{"authorization[hidden]", "cookie[hidden]", "x-trace"} {
		if !strings.Contains(got["req"], want) {
			t.Errorf("request headers %q lack %q", got["req"], want)
		}
	}
	if !strings.Contains(got["res"], "content-type") {
		t.Errorf("response headers: %q", got["res"])
	}
	if html := browsertest.Eval[string](t, agent, `document.documentElement.outerHTML`); strings.Contains(html, "s3cret") {
		t.Error("a credential header's value reached the agent's view")
	}

	// Copy as curl, read back from the real clipboard.
	origin := browsertest.Eval[string](t, agent, `location.origin`)
	browsertest.Run(t, agent, "allow the clipboard", chromedp.ActionFunc(func(ctx context.Context) error {
		info, err := target.GetTargetInfo().Do(ctx)
		if err != nil {
			return err
		}
		err = browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeClipboardReadWrite, browser.PermissionTypeClipboardSanitizedWrite}).
			WithOrigin(origin).WithBrowserContextID(info.BrowserContextID).Do(ctx)
		if err != nil {
			return err
		}
		// The clipboard serves the focused page only: the agent's tab is in front.
		if err := page.BringToFront().Do(ctx); err != nil {
			return err
		}
		return emulation.SetFocusEmulationEnabled(true).Do(ctx)
	}))
	browsertest.Run(t, agent, "copy as curl", browsertest.Clicked(`[data-testid=devtools-net][data-open=true] [data-testid=net-copy-curl]`))
	waitJS(t, agent, "copied", `document.querySelector('[data-testid=net-copied]')?.textContent === 'Copied'`)
	var clip string
	browsertest.Run(t, agent, "read the clipboard", chromedp.Evaluate(`navigator.clipboard.readText()`, &clip, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if want := "curl --url '" + wantURL + "' -H 'x-trace: it'\\''s here'"; clip != want {
		t.Errorf("clipboard:\n%s\nwant:\n%s", clip, want)
	}

	// The recording has the request, without the credentials.
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	rec := recordingBytes(t, e, id)
	if !bytes.Contains(rec, []byte("first=1")) {
		t.Fatal("the recording has no network event")
	}
	if bytes.Contains(rec, []byte("s3cret")) {
		t.Error("a credential is in the recording")
	}

	// Bodies: the site turns them on; its next assist records them.
	ctx := context.Background()
	site, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	site.CaptureBodies = true
	if err := e.srv.Store().UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	browsertest.Run(t, agent, "back to the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
	second := requestAndAccept(t, person, agent)
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the second assist", `location.pathname.endsWith('/assists/`+second+`')`)
	waitJS(t, agent, "the page in the mirror again", browsertest.MirrorDoc+`?.body`)
	browsertest.Run(t, agent, "open the network tab again", browsertest.Clicked(`[data-testid=devtools-network]`))
	browsertest.Run(t, person, "post a body", chromedp.Evaluate(`fetch('/api/items?second=1', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({note: 'hello body', password: 'pw-s3cret-3'})})`, nil))
	browsertest.Run(t, person, "get a body", chromedp.Evaluate(`fetch('/api/items?third=1')`, nil))
	for _, q := range []string{"second=1", "third=1"} {
		r := `[...document.querySelectorAll('[data-testid=devtools-row][data-kind=network]')].find(r => r.dataset.url.includes('` + q + `') && r.dataset.status)`
		waitJS(t, agent, "the row of "+q, r)
		browsertest.Run(t, agent, "open "+q, chromedp.Evaluate(r+`.click()`, nil))
	}
	bodies := browsertest.Eval[[]string](t, agent, `[...document.querySelectorAll('[data-testid=net-req-body], [data-testid=net-res-body]')].map(b => b.textContent)`)
	joined := strings.Join(bodies, "\n")
	if !strings.Contains(joined, "hello body") || !strings.Contains(joined, `"items"`) || strings.Contains(joined, "s3cret") {
		t.Errorf("bodies shown: %q", bodies)
	}
}
