package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestInvites has the agent make an invite in the console; one person opens
// the link, another types the code into the help panel, and a used invite
// gets a clear message and joins nothing.
func TestInvites(t *testing.T) {
	e := setup(t)
	person, other, agent := e.tab(), e.tab(), e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)

	newInvite := func() (link, code string) {
		t.Helper()
		browsertest.Run(t, agent, "back to the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
		browsertest.Run(t, agent, "open the invite dialog", chromedp.Click(`[data-testid=invite-open]`))
		waitJS(t, agent, "a site to choose", `document.querySelector('[data-testid=invite-site]')?.value`)
		browsertest.Run(t, agent, "create", chromedp.Click(`[data-testid=invite-create]`))
		waitJS(t, agent, "the invite", `document.querySelector('[data-testid=invite-code]')?.textContent.trim()`)
		link = strings.TrimSpace(browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=invite-link]').textContent`))
		code = strings.TrimSpace(browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=invite-code]').textContent`))
		if !strings.Contains(link, "#tandem-invite=") || len(code) != 9 {
			t.Fatalf("invite link %q, code %q", link, code)
		}
		return link, code
	}

	// Opening the link is the person's consent: the assist is live at once.
	link, _ := newInvite()
	browsertest.Run(t, person, "open the invite link", chromedp.Navigate(link))
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	if browsertest.Eval[bool](t, person, `location.hash.includes('tandem-invite')`) {
		t.Fatal("the invite token stayed in the address bar")
	}
	browsertest.ClickSDK(t, person, "badge")

	// The same link again: used, a clear message, no assist.
	browsertest.Run(t, other, "open the used link", chromedp.Navigate(link))
	waitJS(t, other, "the used-invite message", `/used/i.test(`+browsertest.SDKUI("message")+`?.textContent || '')`)
	if browsertest.Eval[bool](t, other, `!!`+browsertest.SDKUI("badge")) {
		t.Fatal("a used invite started an assist")
	}

	// A code typed into the help panel, in lower case, works once.
	_, code := newInvite()
	e.openDemo(other, "index.html")
	waitJS(t, other, "the code field", browsertest.SDKUI("code"))
	browsertest.Run(t, other, "type the code", chromedp.Evaluate(`(() => {
		const i = `+browsertest.SDKUI("code")+`; i.value = `+"`"+strings.ToLower(code)+"`"+`;
		i.dispatchEvent(new Event('input', {bubbles: true}));
		`+browsertest.SDKUI("code-submit")+`.click();
	})()`, nil))
	waitJS(t, other, "the assist badge after the code", browsertest.SDKUI("badge"))
}
