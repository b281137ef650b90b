package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestConsoleHelp opens the "?" help on the queue and on the replay of the
// assist taken from it, on one server: each lists its screen's keys, takes
// the focus and gives it back on Escape; "?" typed in a field is text.
func TestConsoleHelp(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)
	e.openDemo(person, "form.html")
	browsertest.ClickSDK(t, person, "help")
	waiting := `document.querySelector('[data-testid=queue-item][data-state=waiting]')`
	waitJS(t, agent, "the request in the queue", waiting)
	id := browsertest.Eval[string](t, agent, waiting+`.dataset.assistId`)

	// The queue: ↓ takes the focus to the request, the help opens from
	// there and gives the focus back, and Enter on the request accepts it.
	browsertest.Run(t, agent, "leave any control", chromedp.Evaluate(`document.activeElement?.blur()`, nil))
	browsertest.Run(t, agent, "↓", chromedp.KeyEvent(kb.ArrowDown))
	onRow := `document.activeElement?.dataset.assistId === '` + id + `'`
	waitJS(t, agent, "the focus on the request", onRow)
	helpRoundTrip(t, agent, []string{"?", "I", "↓", "↑", "Enter"}, onRow)
	browsertest.Run(t, agent, "Enter on the request", chromedp.KeyEvent(kb.Enter))
	waitJS(t, person, "the consent prompt", browsertest.SDKUI("allow"))
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)

	// The replay of the ended assist.
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the player", `document.querySelector('[data-testid=replay-seek]') && !document.querySelector('[data-testid=replay-seek]').disabled`)
	tabTo(t, agent, "the next marker button", `a => a.dataset.testid === 'marker-next'`)
	helpRoundTrip(t, agent, []string{"?", "Space", "K", "←", "→", ",", "."}, focusedHasTestID("marker-next"))

	// "?" in the devtools filter is a character of the filter. Whether the
	// help showed is watched from before the key until two frames after it
	// (the console draws within one).
	browsertest.Run(t, agent, "watch for the help", chromedp.Evaluate(`window.helpSeen = false; window.framesAfter = false;
		new MutationObserver(() => { if (document.querySelector('[data-testid=shortcut-help]')) window.helpSeen = true; })
			.observe(document.body, {childList: true, subtree: true}); true`, nil))
	tabTo(t, agent, "the devtools filter", `a => a.dataset.testid === 'devtools-filter'`)
	browsertest.Run(t, agent, "? in the filter", chromedp.KeyEvent("?"))
	waitJS(t, agent, "the ? in the filter", `document.querySelector('[data-testid=devtools-filter]').value === '?'`)
	browsertest.Run(t, agent, "two frames", chromedp.Evaluate(`requestAnimationFrame(() => requestAnimationFrame(() => { window.framesAfter = true; })); true`, nil))
	waitJS(t, agent, "two frames after the key", `window.framesAfter`)
	if browsertest.Eval[bool](t, agent, `window.helpSeen || !!document.querySelector('[data-testid=shortcut-help]')`) {
		t.Fatal(`"?" typed in the devtools filter opened the help`)
	}
}

// helpRoundTrip presses "?", checks the help has the focus and lists keys,
// and closes it with Escape; back is the expression that the focus is
// where it was.
func helpRoundTrip(t *testing.T, ctx context.Context, keys []string, back string) {
	t.Helper()
	help := `document.querySelector('[data-testid=shortcut-help]')`
	browsertest.Run(t, ctx, "?", chromedp.KeyEvent("?"))
	waitJS(t, ctx, "the help with the focus", help+`?.contains(document.activeElement)`)
	listed := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('[data-testid=shortcut] th')].map(th => th.textContent.trim())`)
	for _, k := range keys {
		found := false
		for _, l := range listed {
			found = found || l == k
		}
		if !found {
			t.Errorf("the help lists %s, not %q", strings.Join(listed, " "), k)
		}
	}
	browsertest.Run(t, ctx, "Escape", chromedp.KeyEvent(kb.Escape))
	waitJS(t, ctx, "the help closed, the focus back", `!`+help+` && `+back)
}
