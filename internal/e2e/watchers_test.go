package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/browsertest"
)

// watchersJS is the expression for the names on the person's badge.
var watchersJS = browsertest.SDKUI("watchers") + `?.textContent || ''`

// openAssistAs signs an agent in and opens the assist in the console.
func (e *env) openAssistAs(ctx context.Context, email, password, id string) {
	e.t.Helper()
	e.loginConsole(ctx, email, password)
	browsertest.Run(e.t, ctx, "open the assist", chromedp.Navigate(e.srv.URL()+"/console/assists/"+id))
}

// TestPersonSeesEveryAgent: the person's badge names each agent watching,
// live; on a site that asks for each agent, a further agent waits (and
// sees that they wait) until the person allows them, and one the person
// refuses is kept out. And a site's full queue tells the person support is
// busy.
func TestPersonSeesEveryAgent(t *testing.T) {
	e := setupWith(t, app.Config{MaxWaiting: 1}, browsertest.Options{})
	person, alex, sam, kim, other := e.tab(), e.tab(), e.tab(), e.tab(), e.tab()
	demo := e.srv.Demo()
	samEmail, samPW := addAgent(t, e, "sam@example.com", "Sam")
	kimEmail, kimPW := addAgent(t, e, "kim@example.com", "Kim")

	// The person allowed Alex; Alex watches; then Sam opens the assist.
	id := askForHelp(t, e, person, alex, "form.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, alex, "the live view", `location.pathname.endsWith('/assists/`+id+`')`)
	waitJS(t, person, "Alex on the badge", watchersJS+` === 'Alex is viewing this page'`)
	e.openAssistAs(sam, samEmail, samPW, id)
	waitJS(t, sam, "the mirror for Sam", browsertest.MirrorDoc+`?.querySelector('form')`)
	waitJS(t, person, "both agents on the badge", watchersJS+` === 'Alex and Sam are viewing this page'`)
	browsertest.Run(t, sam, "Sam leaves", chromedp.Navigate(e.srv.URL()+"/console/"))
	waitJS(t, person, "Sam gone from the badge", watchersJS+` === 'Alex is viewing this page'`)

	// The site's budget is one waiting request: while the person's next
	// request waits, someone else is told support is busy.
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, person, "the assist to end", `!`+browsertest.SDKUI("badge"))
	site, err := e.srv.Store().SiteByKey(context.Background(), demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	site.ConsentEachAgent = true
	if err := e.srv.Store().UpdateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	browsertest.Run(t, alex, "back to the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
	e.openDemo(person, "form.html")
	browsertest.ClickSDK(t, person, "help")
	waitJS(t, person, "the waiting message", browsertest.SDKUI("cancel"))
	e.openDemo(other, "index.html")
	browsertest.ClickSDK(t, other, "help")
	waitJS(t, other, "the busy message", `/busy/i.test(`+browsertest.SDKUI("message")+`?.textContent || '')`)

	// Now every further agent needs the person's word.
	waitJS(t, alex, "the request in the queue", `document.querySelector('[data-testid=queue-item][data-state=waiting]')`)
	id = browsertest.Eval[string](t, alex, `document.querySelector('[data-testid=queue-item][data-state=waiting]').dataset.assistId`)
	browsertest.Run(t, alex, "accept", chromedp.Click(`[data-testid=queue-item][data-state=waiting] [data-testid=accept]`))
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, person, "Alex on the badge", watchersJS+` === 'Alex is viewing this page'`)

	e.openAssistAs(kim, kimEmail, kimPW, id)
	waitJS(t, kim, "Kim told to wait", `document.querySelector('[data-testid=join-wait]')`)
	waitJS(t, person, "the question about Kim", `(`+browsertest.SDKUI("join")+`?.textContent || '').includes('Kim from Support also wants to see this page')`)
	if browsertest.Eval[bool](t, kim, `!!`+browsertest.MirrorDoc+`?.querySelector('form')`) {
		t.Fatal("Kim sees the page before the person allowed")
	}
	browsertest.ClickSDK(t, person, "join-allow")
	waitJS(t, kim, "the mirror for Kim", browsertest.MirrorDoc+`?.querySelector('form')`)
	waitJS(t, person, "Alex and Kim on the badge", watchersJS+` === 'Alex and Kim are viewing this page'`)

	browsertest.Run(t, sam, "Sam opens the assist", chromedp.Navigate(e.srv.URL()+"/console/assists/"+id))
	waitJS(t, person, "the question about Sam", `(`+browsertest.SDKUI("join")+`?.textContent || '').includes('Sam from Support')`)
	browsertest.ClickSDK(t, person, "join-deny")
	waitJS(t, sam, "Sam kept out", `(document.querySelector('[data-testid=watch-denied]')?.textContent || '').includes('did not allow you')`)
	waitJS(t, person, "no question left", `!`+browsertest.SDKUI("join"))
	if got := browsertest.Eval[string](t, person, watchersJS); got != "Alex and Kim are viewing this page" {
		t.Fatalf("after refusing Sam the badge says %q", got)
	}
	if browsertest.Eval[bool](t, sam, `!!`+browsertest.MirrorDoc+`?.querySelector('form')`) {
		t.Fatal("Sam, refused, sees the page")
	}
}
