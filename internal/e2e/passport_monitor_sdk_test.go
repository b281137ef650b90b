package e2e

import (
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestMonitorReachesThePage: what an admin does in the console's Sign-ins
// reaches the person's page through the SDK: "Refresh ahead" makes the
// page refresh its token at once, and "Revoke" signs it out with the
// message.
func TestMonitorReachesThePage(t *testing.T) {
	e := setupPassport(t)
	a := e.addSite("Shop A", "127.0.0.1", tandem.ServiceLine{})
	person := e.tab()
	a.open(t, person)
	e.signInWithForm(t, person, a)
	before := pageToken(t, person)
	grant := e.grantOf(t, before)
	row := `[data-testid=grant-row][data-grant-id="` + grant + `"]`

	admin := e.tab()
	demo := e.srv.Demo()
	e.loginConsole(admin, demo.Email, demo.Password)
	browsertest.Run(t, admin, "open Sign-ins", browsertest.Clicked(`nav a[href="/console/sign-ins"]`))
	waitJS(t, admin, "the person's sign-in listed", `document.querySelector('`+row+`')`)

	browsertest.Run(t, admin, "refresh ahead", browsertest.Clicked(row+` [data-testid=grant-refresh]`))
	// The page refreshes without being asked by its own code: the token it
	// caches changes, and the old one is no longer active.
	waitJS(t, person, "a new token on the page", `(JSON.parse(localStorage.getItem("tandem.passport.`+a.site.Key+`") || "null")?.access || `+jsString(before)+`) !== `+jsString(before))
	after := pageToken(t, person)
	if v, err := e.srv.Passport().Verify(t.Context(), after); err != nil || !v.Active || v.RefreshAhead || v.GrantID != grant {
		t.Fatalf("the page's refreshed token: %+v, %v", v, err)
	}
	if v, err := e.srv.Passport().Verify(t.Context(), before); err != nil || v.Active {
		t.Fatalf("the token before the refresh: %+v, %v", v, err)
	}

	browsertest.Run(t, admin, "revoke", browsertest.Clicked(row+` [data-testid=grant-revoke]`))
	waitJS(t, admin, "the confirmation", `document.querySelector('[data-testid=grant-revoke-dialog]')`)
	browsertest.Run(t, admin, "confirm", browsertest.Clicked(`[data-testid=confirm-ok]`))
	signedOutWith(t, person, a, "revoked", "You were signed out: your sign-in was revoked.")
}
