package e2e

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// TestPassportMonitor: a person signs in on a site through the passport
// (a real code flow, from Go as a relying party would); the admin sees the
// sign-in in the console's Sign-ins, asks for a refresh ahead (verification
// says so and the row shows it), then revokes it after confirming: the row
// goes, focus lands on the screen's heading, and the person's token
// verifies inactive with reason revoked. An agent who is not an admin has
// no Sign-ins in the navigation.
func TestPassportMonitor(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	svc := e.srv.Passport()
	st := e.srv.Store().(store.Passport)

	// A site registered with the passport, and a person.
	site := &tandem.Site{Name: "Garden shop", AllowedOrigins: []string{"http://127.0.0.1:7201"}}
	if err := e.srv.Store().CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:7201/callback"
	now := time.Now()
	if err := st.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: site.ID, Domains: site.AllowedOrigins, RedirectURIs: []string{redirect},
		Devices: []tandem.DeviceKind{tandem.DeviceBrowser}, AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	const email, pw = "robin@example.com", "robin's long password"
	hash, err := password.HashWith(password.TestParams(), pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateIdentity(ctx, &tandem.Identity{Email: email, Name: "Robin Gardener", PasswordHash: hash, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tok := codeFlow(t, ctx, e.srv.URL(), site.Key, redirect, email, pw)
	v, err := svc.Verify(ctx, tok.AccessToken)
	if err != nil || !v.Active {
		t.Fatalf("the new token: %+v, %v", v, err)
	}
	grant := v.GrantID
	row := `[data-testid=grant-row][data-grant-id="` + grant + `"]`

	// The admin (the demo account) finds it under Sign-ins.
	admin := e.tab()
	demo := e.srv.Demo()
	e.loginConsole(admin, demo.Email, demo.Password)
	browsertest.Run(t, admin, "open Sign-ins from the navigation", browsertest.Clicked(`nav a[href="/console/sign-ins"]`))
	waitJS(t, admin, "the sign-in listed", `document.querySelector('`+row+`')`)
	got := browsertest.Eval[string](t, admin, `document.querySelector('`+row+`').textContent`)
	for _, want := range []string{"Robin Gardener", email, "Garden shop", "browser", "in 59m", "in 23h"} {
		if !strings.Contains(got, want) {
			t.Errorf("the row %q does not show %q", got, want)
		}
	}
	if !browsertest.Eval[bool](t, admin, `document.querySelectorAll('table[data-testid=grants] thead th[scope=col]').length === 7`) {
		t.Error("the sign-ins are not a table with column headers")
	}

	// Refresh ahead.
	browsertest.Run(t, admin, "refresh ahead", browsertest.Clicked(row+` [data-testid=grant-refresh]`))
	waitJS(t, admin, "the row marked", `document.querySelector('`+row+` [data-testid=grant-refresh-ahead]') && document.querySelector('`+row+` [data-testid=grant-refresh]').disabled`)
	if v, err := svc.Verify(ctx, tok.AccessToken); err != nil || !v.Active || !v.RefreshAhead {
		t.Fatalf("verify after refresh ahead: %+v, %v", v, err)
	}

	// Revoke: Cancel keeps it and gives focus back to the button.
	browsertest.Run(t, admin, "revoke, then cancel", browsertest.Clicked(row+` [data-testid=grant-revoke]`))
	waitJS(t, admin, "the confirmation", `document.querySelector('[data-testid=grant-revoke-dialog]')`)
	browsertest.Run(t, admin, "cancel", browsertest.Clicked(`[data-testid=confirm-cancel]`))
	waitJS(t, admin, "focus back on Revoke", `!document.querySelector('[data-testid=grant-revoke-dialog]') && document.activeElement === document.querySelector('`+row+` [data-testid=grant-revoke]')`)
	if v, err := svc.Verify(ctx, tok.AccessToken); err != nil || !v.Active {
		t.Fatalf("verify after cancelling: %+v, %v", v, err)
	}
	browsertest.Run(t, admin, "revoke", browsertest.Clicked(row+` [data-testid=grant-revoke]`))
	waitJS(t, admin, "the confirmation", `document.querySelector('[data-testid=grant-revoke-dialog]')`)
	browsertest.Run(t, admin, "confirm", browsertest.Clicked(`[data-testid=confirm-ok]`))
	waitJS(t, admin, "the row gone and focus on the heading", `!document.querySelector('`+row+`') && document.activeElement?.tagName === 'H1'`)
	if v, err := svc.Verify(ctx, tok.AccessToken); err != nil || v.Active || v.Reason != "revoked" {
		t.Fatalf("verify after revoking: %+v, %v", v, err)
	}
	// And it stays gone.
	browsertest.Run(t, admin, "reload", chromedp.Reload())
	waitJS(t, admin, "nobody signed in", `document.querySelector('.empty-title')?.textContent === 'Nobody is signed in'`)

	// An agent has no Sign-ins.
	agentEmail, agentPW := addAgent(t, e, "sam@example.com", "Sam")
	agent := e.tab()
	e.loginConsole(agent, agentEmail, agentPW)
	waitJS(t, agent, "the navigation", `document.querySelector('nav a[href="/console/bots"]')`)
	if browsertest.Eval[bool](t, agent, `!!document.querySelector('nav a[href="/console/sign-ins"]')`) {
		t.Error("an agent who is not an admin sees Sign-ins")
	}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// codeFlow signs email in on the site clientID through the passport at
// base, as a relying party with golang.org/x/oauth2 would: the authorize
// page's form, the redirect with a code, the code exchanged with PKCE.
func codeFlow(t *testing.T, ctx context.Context, base, clientID, redirect, email, pw string) *oauth2.Token {
	t.Helper()
	cfg := &oauth2.Config{ClientID: clientID, RedirectURL: redirect, Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: base + "/passport/authorize", TokenURL: base + "/passport/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(req *http.Request) (*http.Response, string) {
		t.Helper()
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)), nil)
	resp, page := get(req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize: %s: %s", resp.Status, page)
	}
	form := url.Values{"email": {email}, "password": {pw}}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	req, _ = http.NewRequestWithContext(ctx, "POST", base+"/passport/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, page = get(req)
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("sign in: %s: %s", resp.Status, page)
	}
	if got := loc.Query(); got.Get("state") != "st4te" || got.Get("code") == "" {
		t.Fatalf("redirected to %s", loc)
	}
	tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}
