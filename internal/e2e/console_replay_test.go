package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// The replay a colleague watches, and the details around it, on one server:
// the timeline's markers and a jump to an error, an assist the person denied
// (no replay, and the console says why), and an invite's assist opening
// for the agent who made it.
func TestConsoleReplay(t *testing.T) {
	e := setup(t)
	t.Run("markers and a jump to the error", func(t *testing.T) { replayMarkers(t, e) })
	t.Run("a denied assist has no replay", func(t *testing.T) { deniedNoReplay(t, e) })
	t.Run("an invite's assist opens for its agent", func(t *testing.T) { inviteRedirect(t, e) })
}

func mirrorHas(sel string) string {
	return browsertest.MirrorDoc + `?.querySelector('` + sel + `') != null`
}

func replayMarkers(t *testing.T, e *env) {
	person, agent := e.tab(), e.tab()
	id := askForHelp(t, e, person, agent, "form.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)

	// Each step is seen by the agent before the next one, so their times
	// in the recording are in this order.
	browsertest.Run(t, person, "click the page", chromedp.MouseClickXY(40, 40))
	browsertest.Run(t, person, "a change before the error", chromedp.Evaluate(`document.body.insertAdjacentHTML('beforeend', '<p id="before-error">before</p>')`, nil))
	waitJS(t, agent, "the change in the mirror", mirrorHas("#before-error"))
	browsertest.Run(t, person, "fail three ways", chromedp.Evaluate(`(() => {
		console.error('replay-console-bad');
		fetch('/api/missing-for-replay');
		setTimeout(() => { throw new Error('replay-boom') });
	})()`, nil))
	browsertest.Run(t, agent, "open the errors tab", chromedp.Click(`[data-testid=devtools-errors]`))
	waitJS(t, agent, "the error row", `[...document.querySelectorAll('[data-testid=devtools-row][data-kind=error]')].some(r => r.textContent.includes('replay-boom'))`)
	browsertest.Run(t, agent, "open the network tab", chromedp.Click(`[data-testid=devtools-network]`))
	waitJS(t, agent, "the failed request row", `[...document.querySelectorAll('[data-testid=devtools-row][data-kind=network]')].some(r => r.textContent.includes('missing-for-replay') && r.textContent.includes('404'))`)
	browsertest.Run(t, person, "a change after the error", chromedp.Evaluate(`document.body.insertAdjacentHTML('beforeend', '<p id="after-error">after</p>')`, nil))
	waitJS(t, agent, "the later change in the mirror", mirrorHas("#after-error"))
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)

	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the whole recording", `!document.querySelector('[data-testid=replay-loading]') && document.querySelector('[data-testid=replay-seek]') && !document.querySelector('[data-testid=replay-seek]').disabled`)
	for _, kind := range []string{"click", "navigation", "error", "network", "console"} {
		waitJS(t, agent, "a "+kind+" marker on the timeline", `document.querySelector('[data-testid=replay-marker][data-kind=`+kind+`]')?.getAttribute('aria-label')`)
	}
	label := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=replay-marker][data-kind=error]').getAttribute('aria-label')`)
	if !strings.Contains(label, "replay-boom") {
		t.Fatalf("the error marker is labelled %q", label)
	}
	if l := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=replay-marker][data-kind=network]').getAttribute('aria-label')`); !strings.Contains(l, "missing-for-replay") || !strings.Contains(l, "404") {
		t.Fatalf("the failed request marker is labelled %q", l)
	}

	// The replay opens on the first page, before the error.
	if browsertest.Eval[bool](t, agent, mirrorHas("#before-error")) {
		t.Fatal("the replay opened after the error")
	}
	browsertest.Run(t, agent, "jump to the error", browsertest.Clicked(`[data-testid=marker-item][data-kind=error]`))
	waitJS(t, agent, "the page as it was at the error", mirrorHas("#before-error")+` && !(`+mirrorHas("#after-error")+`)`)
	errAt := browsertest.Eval[string](t, agent, `(() => {
		const ms = Number(document.querySelector('[data-testid=replay-marker][data-kind=error]').dataset.ts);
		const s = Math.floor(ms / 1000);
		return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
	})()`)
	if got := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=replay-time]').textContent`); !strings.HasPrefix(got, errAt+" /") {
		t.Fatalf("after the jump the clock says %q, want the error's time %s", got, errAt)
	}
	// Next goes on past the error: the change after it is shown by the end.
	browsertest.Run(t, agent, "seek to the end", chromedp.Evaluate(`(() => {
		const s = document.querySelector('[data-testid=replay-seek]');
		s.value = s.max; s.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, nil))
	waitJS(t, agent, "the change after the error at the end", mirrorHas("#after-error"))
	browsertest.Run(t, agent, "previous marker", browsertest.Clicked(`[data-testid=marker-prev]`))
	waitJS(t, agent, "the page before the later change", `!(`+mirrorHas("#after-error")+`)`)
}

func deniedNoReplay(t *testing.T, e *env) {
	person, agent := e.tab(), e.tab()
	id := askForHelp(t, e, person, agent, "index.html")
	browsertest.ClickSDK(t, person, "deny")
	waitJS(t, agent, "the agent to see the denial", `/denied/.test(document.querySelector('[data-testid=ended-reason]')?.textContent || '')`)

	browsertest.Run(t, agent, "open the history", chromedp.Navigate(e.srv.URL()+"/console/history"))
	row := `document.querySelector('[data-testid=history-item][data-assist-id="` + id + `"]')`
	waitJS(t, agent, "the denied assist in the history, saying why there is no replay", `/denied/.test(`+row+`?.querySelector('[data-testid=no-replay]')?.textContent || '')`)
	browsertest.Run(t, agent, "open it", browsertest.Clicked(`[data-testid=history-item][data-assist-id="`+id+`"]`))
	waitJS(t, agent, "the replay screen saying why", `/denied/.test(document.querySelector('[data-testid=no-replay]')?.textContent || '')`)
	if browsertest.Eval[bool](t, agent, `!!document.querySelector('[data-testid=replay-seek], [data-testid=replay-play]')`) {
		t.Fatal("a denied assist offers a player")
	}
	waitJS(t, agent, "the denial in the consent record", `/Denied/.test(document.querySelector('[data-testid=consents]')?.textContent || '')`)
}

func inviteRedirect(t *testing.T, e *env) {
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)
	browsertest.Run(t, agent, "open the invite dialog", browsertest.Clicked(`[data-testid=invite-open]`))
	waitJS(t, agent, "a site to choose", `document.querySelector('[data-testid=invite-site]')?.value`)
	browsertest.Run(t, agent, "create", browsertest.Clicked(`[data-testid=invite-create]`))
	waitJS(t, agent, "the invite", `document.querySelector('[data-testid=invite-link]')?.textContent.trim()`)
	link := strings.TrimSpace(browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=invite-link]').textContent`))

	browsertest.Run(t, person, "open the invite link", chromedp.Navigate(link))
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the agent taken to the assist", `location.pathname.startsWith('/console/assists/')`)
	waitMirrorMatches(t, person, agent, "the invited person's page")
}
