package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/store"
)

// notificationSpy records, in window.__notes, every Notification the page
// raises, while the real API (granted by the browser) still raises it.
const notificationSpy = `(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notes = [];
  class Spy extends Real {
    constructor(title, opts) { super(title, opts); window.__notes.push(this); }
  }
  Object.defineProperty(Spy, 'permission', { get: () => Real.permission });
  Spy.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Spy;
})()`

// TestConsoleAlerts: an away agent gets no notification of a new request,
// and the person sees "no agent available" at once and may leave a
// message; an available agent's console raises a desktop notification (the
// browser granted them) and counts the waiting requests in the tab's title,
// and clicking the notification opens the request; a request not picked up
// within the site's time tells the person so, and the message they leave is
// in the assist's conversation and marked in the queue.
func TestConsoleAlerts(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	demo := e.srv.Demo()
	agent := e.tab()
	browsertest.Run(t, agent, "grant notifications and spy on them", chromedp.ActionFunc(func(ctx context.Context) error {
		// The tab's own browser context (browsertest.NewContext made it).
		info, err := target.GetTargetInfo().Do(ctx)
		if err != nil {
			return err
		}
		if err := browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeNotifications}).
			WithOrigin(e.srv.URL()).WithBrowserContextID(info.BrowserContextID).Do(cdpBrowser(ctx)); err != nil {
			return err
		}
		_, err = page.AddScriptToEvaluateOnNewDocument(notificationSpy).Do(ctx)
		return err
	}))
	e.loginConsole(agent, demo.Email, demo.Password)
	waitJS(t, agent, "the availability toggle, away", `document.querySelector('[data-testid=availability]')?.dataset.available === 'false'`)
	if p := browsertest.Eval[string](t, agent, `Notification.permission`); p != "granted" {
		t.Fatalf("notification permission %q, want granted", p)
	}

	// Away: the person is told at once that no agent is available; the
	// console lists the request without a notification.
	first := e.tab()
	e.openDemo(first, "")
	browsertest.ClickSDK(t, first, "help")
	waitJS(t, first, "no agent available", `document.querySelector('[data-tandem-root]').shadowRoot.querySelector('[data-tandem-wait=none]')`)
	if txt := browsertest.Eval[string](t, first, browsertest.SDKUI("message")+`.textContent`); !strings.Contains(txt, "No agent is available") {
		t.Errorf("the person sees %q", txt)
	}
	waitJS(t, agent, "the request in the queue", `document.querySelectorAll('[data-testid=queue-item][data-state=waiting]').length === 1`)
	if n := browsertest.Eval[int](t, agent, `window.__notes.length`); n != 0 {
		t.Fatalf("an away agent got %d notifications", n)
	}

	// Available, and the site's people are told after a second.
	browsertest.Run(t, agent, "set available", browsertest.Clicked(`[data-testid=availability]`))
	waitJS(t, agent, "available", `document.querySelector('[data-testid=availability]').dataset.available === 'true'`)
	site, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Store().SetPickupTimeout(ctx, site.ID, time.Second, time.Now()); err != nil {
		t.Fatal(err)
	}
	second := e.tab()
	e.openDemo(second, "")
	browsertest.ClickSDK(t, second, "help")
	waitJS(t, agent, "a notification of the new request", `window.__notes.length === 1`)
	waitJS(t, agent, "the count in the title", `document.title.startsWith('(2) Queue')`)
	id := browsertest.Eval[string](t, agent, `[...document.querySelectorAll('[data-testid=queue-item][data-state=waiting]')].pop().dataset.assistId`)
	if tag := browsertest.Eval[string](t, agent, `window.__notes[0].tag`); tag != "tandem-request-"+id {
		t.Errorf("the notification is about %q, want the new request %s", tag, id)
	}

	// Not picked up in time: the person is told, and leaves a message.
	waitJS(t, second, "not picked up", `document.querySelector('[data-tandem-root]').shadowRoot.querySelector('[data-tandem-wait=timeout]')`)
	browsertest.Run(t, second, "leave a message", chromedp.Evaluate(`(`+browsertest.SDKUI("leave-text")+`).value = 'Please call me back'`, nil))
	browsertest.ClickSDK(t, second, "leave")
	waitJS(t, second, "message sent", `document.querySelector('[data-tandem-root]').shadowRoot.querySelector('[data-tandem-wait=left]')`)
	waitJS(t, agent, "the request marked", `document.querySelector('[data-testid=queue-item][data-assist-id="`+id+`"] [data-testid=left-message]')`)
	c, err := e.srv.Store().ConversationForAssist(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := e.srv.Store().Messages(ctx, c.ID, store.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range msgs {
		found = found || m.Text == "Please call me back"
	}
	if !found {
		t.Errorf("the conversation lacks the message: %d messages", len(msgs))
	}

	// Clicking the notification opens its request.
	browsertest.Run(t, agent, "click the notification", chromedp.Evaluate(`window.__notes[0].onclick()`, nil))
	waitJS(t, agent, "the request opened", `location.pathname === '/console/assists/`+id+`'`)

	// Away again: no notification of the next request.
	browsertest.Run(t, agent, "back to the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
	waitJS(t, agent, "the queue", `document.querySelector('[data-testid=availability]')?.dataset.available === 'true'`)
	browsertest.Run(t, agent, "set away", browsertest.Clicked(`[data-testid=availability]`))
	waitJS(t, agent, "away", `document.querySelector('[data-testid=availability]').dataset.available === 'false'`)
	third := e.tab()
	e.openDemo(third, "")
	browsertest.ClickSDK(t, third, "help")
	waitJS(t, agent, "the third request in the queue", `document.querySelectorAll('[data-testid=queue-item][data-state=waiting]').length === 3`)
	if n := browsertest.Eval[int](t, agent, `window.__notes.length`); n != 0 {
		t.Errorf("away again, the console raised %d notifications", n)
	}
}

// cdpBrowser is ctx with the browser as its executor, for Browser.* commands.
func cdpBrowser(ctx context.Context) context.Context {
	return cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
}
