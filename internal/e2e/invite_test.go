package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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
		run(t, agent, "back to the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
		run(t, agent, "open the invite dialog", chromedp.Click(`[data-testid=invite-open]`))
		waitJS(t, agent, "a site to choose", `document.querySelector('[data-testid=invite-site]')?.value`)
		run(t, agent, "create", chromedp.Click(`[data-testid=invite-create]`))
		waitJS(t, agent, "the invite", `document.querySelector('[data-testid=invite-code]')?.textContent.trim()`)
		link = strings.TrimSpace(eval[string](t, agent, `document.querySelector('[data-testid=invite-link]').textContent`))
		code = strings.TrimSpace(eval[string](t, agent, `document.querySelector('[data-testid=invite-code]').textContent`))
		if !strings.Contains(link, "#tandem-invite=") || len(code) != 9 {
			t.Fatalf("invite link %q, code %q", link, code)
		}
		return link, code
	}

	// Opening the link is the person's consent: the assist is live at once.
	link, _ := newInvite()
	run(t, person, "open the invite link", chromedp.Navigate(link))
	waitJS(t, person, "the assist badge", sdkUI("badge"))
	if eval[bool](t, person, `location.hash.includes('tandem-invite')`) {
		t.Fatal("the invite token stayed in the address bar")
	}
	clickSDK(t, person, "badge")

	// The same link again: used, a clear message, no assist.
	run(t, other, "open the used link", chromedp.Navigate(link))
	waitJS(t, other, "the used-invite message", `/used/i.test(`+sdkUI("message")+`?.textContent || '')`)
	if eval[bool](t, other, `!!`+sdkUI("badge")) {
		t.Fatal("a used invite started an assist")
	}

	// A code typed into the help panel, in lower case, works once.
	_, code := newInvite()
	e.openDemo(other, "index.html")
	waitJS(t, other, "the code field", sdkUI("code"))
	run(t, other, "type the code", chromedp.Evaluate(`(() => {
		const i = `+sdkUI("code")+`; i.value = `+"`"+strings.ToLower(code)+"`"+`;
		i.dispatchEvent(new Event('input', {bubbles: true}));
		`+sdkUI("code-submit")+`.click();
	})()`, nil))
	waitJS(t, other, "the assist badge after the code", sdkUI("badge"))
}
