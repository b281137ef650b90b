package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/emulation"
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

// TestSDKFastNavigationKeepsAssist moves the person's tab quickly through
// the demo site during a live assist, on a slowed-down CPU: navigations
// that leave a page before it finished loading, navigations the moment a
// page took the assist up (its channel still connecting, tabs.js still
// loading), and history.back. After each, the page shows the assist's
// badge and the agent's mirror shows that page (the assist really carried
// on there, its recorder running).
func TestSDKFastNavigationKeepsAssist(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "index.html")
	browsertest.Run(t, person, "slow the person's CPU down", chromedp.ActionFunc(func(ctx context.Context) error {
		return emulation.SetCPUThrottlingRate(4).Do(ctx)
	}))

	only := map[string]string{"index.html": "#fetch-data", "form.html": "#name", "spa.html": "#route-products"}
	steps := []navStep{
		{"go", "form.html"}, {"quick", "spa.html"}, {"back", "form.html"}, {"early", "index.html"},
		{"quick", "form.html"}, {"quick", "spa.html"}, {"back", "form.html"}, {"early", "spa.html"},
		{"go", "index.html"}, {"quick", "form.html"}, {"quick", "index.html"}, {"back", "form.html"},
		{"quick", "spa.html"}, {"quick", "index.html"}, {"quick", "form.html"}, {"back", "index.html"},
		{"early", "form.html"}, {"quick", "spa.html"}, {"early", "index.html"}, {"quick", "form.html"},
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
