package passport_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// consoleService is a passport over a fresh SQLite store with one
// identity and one site.
func consoleService(t *testing.T) (*passport.Service, *sqlite.DB, *tandem.Identity, *tandem.Site) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	svc, err := passport.New(passport.Config{Secret: []byte("a signing key of thirty-two bytes"), Issuer: "https://tandem.example/"}, db)
	if err != nil {
		t.Fatal(err)
	}
	id := &tandem.Identity{Email: "alex@example.com", Name: "Alex", CreatedAt: time.Now()}
	if err := db.CreateIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := db.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	err = db.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: site.ID, Domains: site.AllowedOrigins,
		RedirectURIs: []string{"https://shop.example/cb"}, Devices: []tandem.DeviceKind{tandem.DeviceBrowser},
		AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, CreatedAt: time.Now(), UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return svc, db, id, site
}

func oauthCode(err error) string {
	var oe *passport.Error
	if errors.As(err, &oe) {
		return oe.Code
	}
	return ""
}

// The console is a client the passport knows without a site row: its
// request checks out with its exact redirect URI only, its code is
// exchanged once in process with its PKCE verifier, and it is refused at
// the HTTP endpoints and for sites' codes.
func TestConsoleClient(t *testing.T) {
	ctx := context.Background()
	svc, _, id, site := consoleService(t)

	if got := svc.ConsoleRedirectURI(); got != "https://tandem.example/console/passport/callback" {
		t.Fatalf("ConsoleRedirectURI = %q", got)
	}
	start := svc.StartConsole()
	if start.Request.State == "" || start.Request.Nonce == "" || start.Request.CodeChallenge != passport.S256(start.Verifier) {
		t.Fatalf("StartConsole = %+v", start.Request)
	}
	if again := svc.StartConsole(); again.Request.State == start.Request.State || again.Verifier == start.Verifier {
		t.Fatal("two console sign-ins share their state or verifier")
	}
	c, err := svc.CheckAuthRequest(ctx, start.Request)
	if err != nil || !c.IsConsole() || c.ID() != passport.ConsoleClientID {
		t.Fatalf("CheckAuthRequest(console) = %+v, %v", c, err)
	}
	for _, uri := range []string{"https://tandem.example/console/passport/callback/", "https://tandem.example/console/passport/callback?x=1",
		"https://evil.example/console/passport/callback", "https://shop.example/cb"} {
		bad := *start.Request
		bad.RedirectURI = uri
		if _, err := svc.CheckAuthRequest(ctx, &bad); oauthCode(err) != "invalid_request" {
			t.Errorf("CheckAuthRequest(console, redirect %s) = %v, want invalid_request", uri, err)
		}
	}
	for _, secret := range []string{"", "anything"} {
		if _, err := svc.AuthenticateClient(ctx, passport.ConsoleClientID, secret, false); oauthCode(err) != "invalid_client" {
			t.Errorf("AuthenticateClient(console, %q) = %v, want invalid_client", secret, err)
		}
	}

	code, err := svc.IssueCode(ctx, c, start.Request, id.ID, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	// A site cannot take the console's code.
	sc, err := svc.LookupClient(ctx, site.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Exchange(ctx, sc, code, "https://shop.example/cb", start.Verifier); oauthCode(err) != "invalid_grant" {
		t.Fatalf("a site exchanging the console's code: %v, want invalid_grant", err)
	}
	// …and that attempt did not use it up: it is another table.
	got, nonce, err := svc.ExchangeConsole(ctx, code, start.Verifier)
	if err != nil || got.ID != id.ID || nonce != start.Request.Nonce {
		t.Fatalf("ExchangeConsole = %+v, %q, %v; want identity %s, nonce %q", got, nonce, err, id.ID, start.Request.Nonce)
	}
	if _, _, err := svc.ExchangeConsole(ctx, code, start.Verifier); oauthCode(err) != "invalid_grant" {
		t.Fatalf("ExchangeConsole of a used code = %v, want invalid_grant", err)
	}

	// A wrong verifier fails and uses the code up.
	code, err = svc.IssueCode(ctx, c, start.Request, id.ID, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	other := svc.StartConsole()
	if _, _, err := svc.ExchangeConsole(ctx, code, other.Verifier); oauthCode(err) != "invalid_grant" || !strings.Contains(err.Error(), "code_verifier") {
		t.Fatalf("ExchangeConsole with another verifier = %v, want invalid_grant", err)
	}
	if _, _, err := svc.ExchangeConsole(ctx, code, start.Verifier); oauthCode(err) != "invalid_grant" {
		t.Fatalf("ExchangeConsole after a wrong verifier = %v, want invalid_grant (the code is gone)", err)
	}

	// A site's code is not the console's.
	sr := &passport.AuthRequest{ClientID: site.Key, RedirectURI: "https://shop.example/cb", ResponseType: "code", Scope: "openid",
		CodeChallenge: start.Request.CodeChallenge, CodeChallengeMethod: "S256"}
	siteCode, err := svc.IssueCode(ctx, sc, sr, id.ID, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.ExchangeConsole(ctx, siteCode, start.Verifier); oauthCode(err) != "invalid_grant" {
		t.Fatalf("ExchangeConsole of a site's code = %v, want invalid_grant", err)
	}
	for _, bad := range []string{"", "tpc_short", strings.Repeat("x", 5000)} {
		if _, _, err := svc.ExchangeConsole(ctx, bad, start.Verifier); oauthCode(err) != "invalid_grant" {
			t.Errorf("ExchangeConsole(%.20q) = %v, want invalid_grant", bad, err)
		}
	}
}
