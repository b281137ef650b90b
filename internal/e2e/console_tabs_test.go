package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// frontTabIs is a console expression: the live view lists the person's tabs
// (n of them) with the tab on page in front.
func frontTabIs(n int, page string) string {
	return `(() => {
		const tabs = [...document.querySelectorAll('[data-testid=person-tab]')];
		const front = tabs.filter((t) => t.dataset.front === 'true');
		return tabs.length === ` + strconv.Itoa(n) + ` && front.length === 1 && front[0].title.endsWith('/` + page + `');
	})()`
}

// The person opens a second tab of the site during an assist with a call:
// the assist follows the tab in front (the agent's tab list and mirror, and
// the call without a click), follows back, and outlives the tab that closes.
func TestAssistFollowsTheTabInFront(t *testing.T) {
	e := setupCalls(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "index.html")
	browsertest.Run(t, agent, "start a voice call", browsertest.Clicked(`[data-testid=call-voice]`))
	browsertest.ClickSDK(t, person, "call-accept")
	waitMediaFlowing(t, person, agent, false)

	second := sameBrowserTab(t, person)
	browsertest.Run(t, second, "open a second tab of the site", chromedp.Navigate(e.srv.Demo().SiteURL+"/form.html"), page.BringToFront())
	waitJS(t, second, "the assist badge in the second tab", browsertest.SDKUI("badge"))
	waitJS(t, agent, "two tabs, the second in front", frontTabIs(2, "form.html"))
	waitMirrorMatches(t, second, agent, "the mirror follows the second tab")
	waitMediaFlowing(t, second, agent, false)
	if browsertest.Eval[bool](t, second, browsertest.SDKUI("call-accept")+` !== null`) {
		t.Fatal("the second tab asked the person to accept the call again")
	}

	// A page of the site on another origin hears nothing of the tabs, even
	// in the same browser: listen on both while a same-origin tab hears the
	// tabs repeat what they are.
	foreign := sameBrowserTab(t, person)
	other := strings.Replace(e.srv.Demo().SiteURL, "127.0.0.1", "localhost", 1)
	if other == e.srv.Demo().SiteURL {
		t.Fatalf("the demo site is not on 127.0.0.1: %s", other)
	}
	browsertest.Run(t, foreign, "open the site on another origin", chromedp.Navigate(other+"/form.html"))
	waitJS(t, foreign, "the SDK to load", browsertest.SDKUI("help"))
	listen := `(() => { window.__heard = 0; new BroadcastChannel('tandem.tabs.` + e.srv.Demo().SiteKey + `').onmessage = () => window.__heard++; return true; })()`
	browsertest.Run(t, foreign, "listen to the tabs", chromedp.Evaluate(listen, nil))
	browsertest.Run(t, second, "listen to the tabs", chromedp.Evaluate(listen, nil))
	waitJS(t, second, "the same-origin tab to hear the tabs", `window.__heard >= 2`)
	if heard := browsertest.Eval[int](t, foreign, `window.__heard`); heard != 0 {
		t.Fatalf("a page of another origin heard %d messages of the tabs", heard)
	}
	if st := browsertest.Eval[string](t, foreign, `Tandem.state`); st != "idle" {
		t.Fatalf("a page of another origin is %s in the assist", st)
	}
	browsertest.Run(t, foreign, "close the page of another origin", page.Close())

	browsertest.Run(t, person, "switch back to the first tab", page.BringToFront())
	waitJS(t, agent, "two tabs, the first in front", frontTabIs(2, "index.html"))
	waitMirrorMatches(t, person, agent, "the mirror follows back to the first tab")
	waitMediaFlowing(t, person, agent, false)

	// The tab behind navigates: its new page stays passive (it does not take
	// the assist up from what its previous page saved).
	browsertest.Run(t, second, "the tab behind goes to another page", chromedp.Navigate(e.srv.Demo().SiteURL+"/spa.html"))
	waitJS(t, agent, "the tab behind on its new page", `[...document.querySelectorAll('[data-testid=person-tab][data-front=false]')].some((t) => t.title.endsWith('/spa.html'))`)
	waitJS(t, agent, "the first tab still in front", frontTabIs(2, "index.html"))
	waitMirrorMatches(t, person, agent, "the mirror stays on the tab in front")
	if recorded := browsertest.Eval[bool](t, agent, `[...document.querySelectorAll('[data-testid=page-item]')].some((p) => p.title.endsWith('/spa.html'))`); recorded {
		t.Fatal("the page of the tab behind was recorded")
	}

	browsertest.Run(t, second, "close the second tab", page.Close())
	waitJS(t, agent, "one tab left: no tab list", `!document.querySelector('[data-testid=person-tabs]')`)
	waitJS(t, agent, "the person still connected", `['connected', 'back'].includes(document.querySelector('[data-testid=person-presence]')?.dataset.state)`)
	browsertest.Run(t, person, "change the page", chromedp.Evaluate(`document.body.appendChild(Object.assign(document.createElement('p'), {id: 'after-close', textContent: 'still here'})) && true`, nil))
	waitJS(t, agent, "the change in the mirror", browsertest.MirrorDoc+`?.getElementById('after-close')`)

	// The tab in front, which holds the assist, closes: the tab left takes it up.
	third := sameBrowserTab(t, person)
	browsertest.Run(t, third, "open another tab of the site", chromedp.Navigate(e.srv.Demo().SiteURL+"/form.html"), page.BringToFront())
	waitJS(t, agent, "two tabs, the new one in front", frontTabIs(2, "form.html"))
	waitMirrorMatches(t, third, agent, "the mirror follows the new tab")
	browsertest.Run(t, third, "close the tab in front", page.Close())
	waitMirrorMatches(t, person, agent, "the tab left takes the assist up")
	waitJS(t, agent, "one tab left: no tab list", `!document.querySelector('[data-testid=person-tabs]')`)
	if ended := browsertest.Eval[bool](t, agent, `!!document.querySelector('[data-testid=ended-reason]')`); ended {
		t.Fatal("closing a tab ended the assist")
	}
}
