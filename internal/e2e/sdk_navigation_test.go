package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// navStep is one move of the person in TestSDKFastNavigationKeepsAssist:
// how the tab gets to the page, and an element only that page has.
type navStep struct {
	how  string // "go": a navigation; "early": one that leaves a page still loading; "quick": one as soon as the assist was taken up; "back": history.back
	page string
}

// TestSDKNavigationKeepsAssist: during one live assist, fast navigations
// of the person's tab, then a late connection of a page the tab left; after
// each, the page shows the assist's badge and the agent's mirror shows it.
func TestSDKNavigationKeepsAssist(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "index.html")
	t.Run("fast navigations", func(t *testing.T) { fastNavigations(t, e, person, agent) })
	t.Run("a late connection of the previous page", func(t *testing.T) { lateConnection(t, e, person, agent) })
}

// fastNavigations moves the person's tab quickly through the demo site on
// a slowed-down CPU: navigations that leave a page before it finished
// loading, navigations the moment a page took the assist up (its channel
// still connecting, tabs.js still loading), and history.back. After each,
// the page shows the assist's badge and, unless the next step leaves it at
// once, the agent's mirror shows that page (the assist really carried on
// there, its recorder running).
func fastNavigations(t *testing.T, e *env, person, agent context.Context) {
	browsertest.Run(t, person, "slow the person's CPU down", chromedp.ActionFunc(func(ctx context.Context) error {
		return emulation.SetCPUThrottlingRate(4).Do(ctx)
	}))
	defer browsertest.Run(t, person, "CPU at full speed", chromedp.ActionFunc(func(ctx context.Context) error {
		return emulation.SetCPUThrottlingRate(1).Do(ctx)
	}))

	only := map[string]string{"index.html": "#fetch-data", "form.html": "#name", "spa.html": "#route-products"}
	steps := []navStep{
		{"go", "form.html"}, {"quick", "spa.html"}, {"back", "form.html"}, {"early", "index.html"},
		{"quick", "form.html"}, {"quick", "spa.html"}, {"back", "form.html"}, {"early", "spa.html"},
	}
	site := e.srv.Demo().SiteURL + "/"
	for i, s := range steps {
		what := fmt.Sprintf("step %d (%s to %s)", i, s.how, s.page)
		switch s.how {
		case "go":
			browsertest.Run(t, person, what, chromedp.Navigate(site+s.page))
		case "early":
			// Start loading another page, then leave it at once for this one.
			other := "spa.html"
			if s.page == "spa.html" {
				other = "index.html"
			}
			browsertest.Run(t, person, what, chromedp.ActionFunc(func(ctx context.Context) error {
				_, _, _, _, err := page.Navigate(site + other).Do(ctx)
				return err
			}), chromedp.Navigate(site+s.page))
		case "quick":
			// Leave for this page the moment the previous one took the
			// assist up: its channel is still connecting.
			browsertest.Run(t, person, what, chromedp.Navigate(site+s.page))
		case "back":
			browsertest.Run(t, person, what, chromedp.NavigateBack())
		}
		waitJS(t, person, "the badge after "+what, browsertest.SDKUI("badge"))
		if i+1 < len(steps) && steps[i+1].how == "quick" {
			continue // the next step leaves as soon as the badge shows
		}
		mark := fmt.Sprintf("n%d", i)
		browsertest.Run(t, person, "mark the page of "+what, chromedp.Evaluate(`document.body.dataset.nav = `+fmt.Sprintf("%q", mark), nil))
		waitJS(t, agent, "the mirror of "+what, fmt.Sprintf(`%s?.body?.dataset.nav === %q && !!%s.querySelector(%q)`,
			browsertest.MirrorDoc, mark, browsertest.MirrorDoc, only[s.page]))
		waitJS(t, person, "the badge on "+what, browsertest.SDKUI("badge"))
	}
}

// lateConnection: the connection of the page the person just left can be
// attached by the server after the new page's own (its handshake had
// completed, its attach had not: a loaded machine), and the server then
// replaces the new page's connection (4409) while tabs.js is still loading
// there. The new page must not end the assist: it goes passive with its
// badge, then takes the assist up again, and the agent's mirror shows it.
func lateConnection(t *testing.T, e *env, person, agent context.Context) {
	browsertest.Run(t, person, "start on index.html", chromedp.Navigate(e.srv.Demo().SiteURL+"/index.html"))
	waitJS(t, agent, "the mirror of index.html", browsertest.MirrorDoc+`?.querySelector('#fetch-data')`)

	// Hold tabs.js on its way to the next page, to open the earlier page's
	// late connection while it loads.
	paused := make(chan fetch.RequestID, 4)
	chromedp.ListenTarget(person, func(ev any) {
		if p, ok := ev.(*fetch.EventRequestPaused); ok {
			select {
			case paused <- p.RequestID:
			default: // never block the browser's events
			}
		}
	})
	browsertest.Run(t, person, "hold tabs.js", network.SetCacheDisabled(true),
		fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*/sdk/tabs.*"}}))
	// A navigation that does not wait for the load event: tabs.js, held, holds it.
	browsertest.Run(t, person, "go to form.html", chromedp.ActionFunc(func(ctx context.Context) error {
		_, _, _, _, err := page.Navigate(e.srv.Demo().SiteURL + "/form.html").Do(ctx)
		return err
	}))
	var held fetch.RequestID
	select {
	case held = <-paused:
	case <-time.After(30 * time.Second):
		t.Fatal("tabs.js was not requested by the next page")
	}
	waitJS(t, person, "the badge on form.html", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the mirror of form.html", browsertest.MirrorDoc+`?.querySelector('#name')`)

	// The earlier page's connection, attached late: the server replaces
	// the new page's connection by it; then it closes, as that page is gone.
	ok := await[bool](t, person, `new Promise((resolve, reject) => {
		const key = Object.keys(sessionStorage).find((k) => k.startsWith('tandem.assist.'));
		const st = JSON.parse(sessionStorage.getItem(key));
		const ws = new WebSocket(`+fmt.Sprintf("%q", "ws"+strings.TrimPrefix(e.proxy.URL(), "http"))+` + '/api/v1/public/assists/' + st.assistId + '/ws?token=' + encodeURIComponent(st.token));
		ws.onmessage = () => { ws.close(); resolve(true); };
		ws.onerror = () => reject(new Error('the late connection failed'));
	})`)
	if !ok {
		t.Fatal("the late connection was not attached")
	}
	browsertest.Run(t, person, "let tabs.js load", fetch.ContinueRequest(held), fetch.Disable())

	waitJS(t, person, "the assist live again", `window.Tandem.state === 'live' && !!`+browsertest.SDKUI("badge"))
	browsertest.Run(t, person, "mark the page", chromedp.Evaluate(`document.body.dataset.nav = 'resumed'`, nil))
	waitJS(t, agent, "the mirror after the late connection", browsertest.MirrorDoc+`?.body?.dataset.nav === 'resumed'`)
	waitJS(t, person, "the badge at the end", browsertest.SDKUI("badge"))
}
