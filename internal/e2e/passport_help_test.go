package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/store"
)

// TestSignedInPersonAsksForHelp: a person signed in on a site through the
// SDK asks for help from the page; the agent's queue shows them verified by
// the passport, with their passport email. The whole way: the SDK's token,
// the help request, the server's check for the site, the console.
func TestSignedInPersonAsksForHelp(t *testing.T) {
	e := setupPassport(t)
	a := e.addSite("Shop A", "127.0.0.1", tandem.ServiceLine{})
	agent := e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)

	person := e.tab()
	a.open(t, person)
	e.signInWithForm(t, person, a)
	browsertest.Run(t, person, "ask for help", chromedp.Evaluate(`Tandem.requestHelp()`, nil))

	waitJS(t, agent, "the person verified in the queue", `[...document.querySelectorAll('[data-testid=queue-item]')].some(q =>
		q.querySelector('[data-testid=verified]')?.getAttribute('aria-label') === 'Verified by the passport: `+e.email+`')`)
	assists, err := e.srv.Store().ListAssists(t.Context(), store.AssistFilter{SiteID: a.site.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(assists) != 1 {
		t.Fatalf("%d assists stored, want the one help request", len(assists))
	}
	if want := (tandem.VerifiedPerson{IdentityID: e.identity.ID, Email: e.email, Name: e.identity.Name}); assists[0].Verified != want {
		t.Fatalf("the stored help request is verified as %+v, want %+v", assists[0].Verified, want)
	}
}
