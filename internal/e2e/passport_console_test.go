package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// TestConsolePassportSignIn: an agent clicks "Sign in with the passport",
// signs in on the passport's form and lands in the console signed in; a
// person signed in to the site through the passport asks for help with
// their token, and the agent's queue shows them verified.
func TestConsolePassportSignIn(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	demo := e.srv.Demo()
	ps := e.srv.Store().(store.Passport)
	agentUser, err := e.srv.Store().UserByEmail(ctx, demo.Email)
	if err != nil {
		t.Fatal(err)
	}
	const agentPW = "alex's passport password"
	consoleTestIdentity(t, ps, "alex.passport@example.com", "Alex", agentPW, agentUser.ID)

	// The agent, through the passport.
	agent := e.tab()
	browsertest.Run(t, agent, "open the console", chromedp.Navigate(e.srv.URL()+"/console/"))
	browsertest.Run(t, agent, "sign in with the passport", browsertest.Clicked(`[data-testid=login-passport]`))
	waitJS(t, agent, "the passport's form", `location.pathname === '/passport/authorize' && document.querySelector('input[name=password]')`)
	browsertest.Run(t, agent, "sign in on the passport",
		chromedp.SendKeys(`input[name=email]`, "alex.passport@example.com"),
		chromedp.SendKeys(`input[name=password]`, agentPW),
		browsertest.Clicked(`button[type=submit]`),
	)
	waitJS(t, agent, "the console, signed in", `location.pathname === '/console/' && !document.querySelector('[data-testid=login-passport]') && document.querySelector('[data-testid=agent-name]')?.textContent.includes('Alex')`)

	// The person signs in to the demo site through the passport (a real
	// code flow over HTTP) and asks for help with their token.
	site, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	redirect := demo.SiteURL + "/passport-callback"
	now := time.Now()
	if err := ps.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: site.ID, Domains: site.AllowedOrigins, RedirectURIs: []string{redirect},
		Devices: []tandem.DeviceKind{tandem.DeviceBrowser}, AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	const samPW = "sam's passport password"
	consoleTestIdentity(t, ps, "sam@example.com", "Sam Doe", samPW, "")
	token := codeFlow(t, ctx, e.srv.URL(), site.Key, redirect, "sam@example.com", samPW).AccessToken
	origin := site.AllowedOrigins[0]
	body, _ := json.Marshal(map[string]any{"siteKey": site.Key, "pageId": "page-1", "url": origin + "/form.html", "personId": "sam", "passportToken": token})
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL()+"/api/v1/public/help-requests", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("help request: %d", res.StatusCode)
	}
	// Someone not signed in asks too: nothing new beside them.
	body, _ = json.Marshal(map[string]any{"siteKey": site.Key, "pageId": "page-2", "url": origin + "/form.html", "personId": "kim"})
	req, _ = http.NewRequestWithContext(ctx, "POST", e.srv.URL()+"/api/v1/public/help-requests", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	waitJS(t, agent, "Sam verified in the queue", `[...document.querySelectorAll('[data-testid=queue-item]')].some(q =>
		q.querySelector('.qi-person')?.textContent === 'sam' &&
		q.querySelector('[data-testid=verified]')?.getAttribute('aria-label') === 'Verified by the passport: sam@example.com')`)
	waitJS(t, agent, "Kim in the queue, unverified", `[...document.querySelectorAll('[data-testid=queue-item]')].some(q =>
		q.querySelector('.qi-person')?.textContent === 'kim' && !q.querySelector('[data-testid=verified]'))`)
}

func consoleTestIdentity(t *testing.T, ps store.Passport, email, name, pw, userID string) *tandem.Identity {
	t.Helper()
	hash, err := password.HashWith(password.TestParams(), pw)
	if err != nil {
		t.Fatal(err)
	}
	id := &tandem.Identity{Email: email, Name: name, PasswordHash: hash, UserID: userID, CreatedAt: time.Now()}
	if err := ps.CreateIdentity(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	return id
}
