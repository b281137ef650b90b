package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestPassportAuthkeyRenewsAnExpiredSignIn: a person who leaves a site
// until their sign-in there expires comes back signed in: the SDK trades
// the authkey the passport gave the site for a new sign-in, with no
// redirect and no form, while their passport session lives.
func TestPassportAuthkeyRenewsAnExpiredSignIn(t *testing.T) {
	e := setupPassport(t)
	// Sign-ins on this site last three seconds unless refreshed.
	a := e.addSite("Shop A", "127.0.0.1", tandem.ServiceLine{AccessTTL: 2 * time.Second, RefreshTTL: 3 * time.Second})
	person := e.tab()
	a.open(t, person)
	e.signInWithForm(t, person, a)
	first := pageToken(t, person)
	grant := e.grantOf(t, first)
	if !browsertest.Eval[bool](t, person, `typeof JSON.parse(localStorage.getItem("tandem.passport.`+a.site.Key+`")).authkey === "string"`) {
		t.Fatal("the site keeps no authkey after the sign-in")
	}

	// The person leaves; the sign-in expires (nobody refreshes it).
	browsertest.Run(t, person, "leave the site", chromedp.Navigate("about:blank"))
	st := e.passportStore()
	for {
		g, err := st.GrantByID(t.Context(), grant)
		if err != nil {
			t.Fatal(err)
		}
		if !g.Live(time.Now()) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	a.open(t, person)
	renewed := pageToken(t, person)
	v, err := e.srv.Passport().Verify(t.Context(), renewed)
	if err != nil || !v.Active || v.GrantID == grant || v.IdentityID != e.identity.ID {
		t.Fatalf("the renewed token: %+v, %v (the expired sign-in was %s)", v, err, grant)
	}
	calls := strings.Join(browsertest.Eval[[]string](t, person, `passportCalls`), ",")
	if strings.Contains(calls, "authorize") || !strings.Contains(calls, "token") {
		t.Errorf("the page's requests to the passport: %s; want a token request and no authorize", calls)
	}
	if got := browsertest.Eval[string](t, person, `location.href`); got != a.url {
		t.Errorf("the page went to %s", got)
	}
	if !browsertest.Eval[bool](t, person, `changes.includes("renewed") && document.getElementById("who").textContent === `+jsString(e.email)) {
		t.Errorf("the page does not say the sign-in was renewed: %v", browsertest.Eval[[]string](t, person, `changes`))
	}
}
