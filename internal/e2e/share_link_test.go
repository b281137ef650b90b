package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// An agent shares an ended assist's replay; a visitor in a fresh browser
// context, with no console account, opens the link and watches the replay
// play, read-only; once the agent revokes the link, the same address says
// it is not valid; the assist's audit log lists the view.
func TestShareLinkReplay(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	id := askForHelp(t, e, person, agent, "form.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)

	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	browsertest.Run(t, agent, "share it", browsertest.Clicked(`[data-testid=share-open]`))
	waitJS(t, agent, "the share dialog", `document.querySelector('[data-testid=share-anyone]')?.checked`)
	browsertest.Run(t, agent, "create the link", browsertest.Clicked(`[data-testid=share-create]`))
	waitJS(t, agent, "the link", `document.querySelector('[data-testid=share-url]')`)
	link := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=share-url]').textContent.trim()`)
	if !strings.HasPrefix(link, e.srv.URL()+"/s/tsl_") {
		t.Fatalf("the link is %q, want %s/s/tsl_…", link, e.srv.URL())
	}
	waitJS(t, agent, "the link in my links", `document.querySelectorAll('[data-testid=share-link]').length === 1`)

	visitor := e.tab() // a fresh browser context: no console session
	browsertest.Run(t, visitor, "open the link", chromedp.Navigate(link))
	waitJS(t, visitor, "the replay to load", `(() => { const s = document.querySelector('[data-testid=replay-seek]'); return s && Number(s.max) > 0; })()`)
	waitJS(t, visitor, "the form in the replay", browsertest.MirrorDoc+`?.querySelector('form')`)
	if browsertest.Eval[bool](t, visitor, `!!document.querySelector('[data-testid=assist-chat], [data-testid=sign-out], [data-testid=share-open]')`) {
		t.Fatal("the shared page shows the console's chat, chrome or actions")
	}
	browsertest.Run(t, visitor, "play", browsertest.Clicked(`[data-testid=replay-play]`))
	waitJS(t, visitor, "the replay playing", `!!document.querySelector('[data-testid=replay-pause]') || Number(document.querySelector('[data-testid=replay-seek]').value) > 0`)

	browsertest.Run(t, agent, "revoke the link", browsertest.Clicked(`[data-testid=share-revoke]`))
	waitJS(t, agent, "the link revoked", `document.querySelector('[data-testid=share-status]')?.textContent === 'Revoked'`)
	browsertest.Run(t, visitor, "open the link again", chromedp.Navigate(link))
	waitJS(t, visitor, "the link not valid", `document.querySelector('[data-testid=share-invalid]')?.textContent.includes('not valid')`)

	browsertest.Run(t, agent, "reload the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the view in the audit log", `[...document.querySelectorAll('[data-testid=audit] li')].some((li) => li.textContent.includes('share.view'))`)
	waitJS(t, agent, "the refusal in the audit log", `[...document.querySelectorAll('[data-testid=audit] li')].some((li) => li.textContent.includes('share.refused'))`)
}
