package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// formTransport sends a form body, authenticated as a client when id is set.
type formTransport struct {
	id, secret string
	next       http.RoundTripper
}

func (f formTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if f.id != "" {
		r.SetBasicAuth(f.id, f.secret)
	}
	return f.next.RoundTrip(r)
}

// passportCalls are the contract calls of the passport: the test site
// registered as a confidential client, a person signed in on it.
func passportCalls(t *testing.T, ctx context.Context, ts *apptest.TestServer) []contractCall {
	t.Helper()
	const secret = "the contract site's client secret"
	redirect := siteOrigin + "/cb"
	st := ts.Store().(store.Passport)
	now := time.Now()
	if err := st.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: ts.Site.ID, Domains: ts.Site.AllowedOrigins, RedirectURIs: []string{redirect},
		ClientSecretHash: auth.HashToken(secret), AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	hash, _ := password.HashWith(password.TestParams(), "a good password")
	id := &tandem.Identity{Email: "sam@example.com", Name: "Sam", PasswordHash: hash, CreatedAt: now}
	if err := st.CreateIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	svc := ts.Passport()
	client, err := svc.LookupClient(ctx, ts.Site.Key)
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	ar := &passport.AuthRequest{ClientID: ts.Site.Key, RedirectURI: redirect, ResponseType: "code", Scope: "openid email",
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: "S256"}
	code, err := svc.IssueCode(ctx, client, ar, id.ID, "web-contract")
	if err != nil {
		t.Fatal(err)
	}
	toks, err := svc.Exchange(ctx, client, code, redirect, verifier)
	if err != nil {
		t.Fatal(err)
	}
	anon := ts.Client()
	bearer := &http.Client{Transport: bearerTransport{token: toks.AccessToken, next: ts.API}}
	form := &http.Client{Transport: formTransport{next: ts.API}}
	site := &http.Client{Transport: formTransport{id: ts.Site.Key, secret: secret, next: ts.API}}
	wrong := &http.Client{Transport: formTransport{id: ts.Site.Key, secret: "wrong", next: ts.API}}
	siteJSON := &http.Client{Transport: basicTransport{id: ts.Site.Key, secret: secret, next: ts.API}}
	body := func(s string) io.Reader { return strings.NewReader(s) }
	authorize := "/passport/authorize?" + ar.Values().Encode()
	bad := url.Values{"client_id": {ts.Site.Key}, "redirect_uri": {"https://evil.example/cb"}}
	signIn := url.Values{"email": {"sam@example.com"}, "password": {"wrong password"}}
	for k, v := range ar.Values() {
		signIn[k] = v
	}
	calls := []contractCall{
		{"GET", "/.well-known/openid-configuration", "", nil, anon, 200, ""},
		{"GET", "/passport/jwks", "", nil, anon, 200, ""},
		{"GET", authorize, "", nil, anon, 200, "/passport/authorize"},
		{"GET", "/passport/authorize?" + bad.Encode(), "", nil, anon, 400, "/passport/authorize"},
		{"POST", "/passport/authorize", "", body(signIn.Encode()), form, 401, ""},
		{"POST", "/passport/token", "", body("grant_type=password"), site, 400, ""},
		{"POST", "/passport/token", "", body("grant_type=refresh_token&refresh_token=x"), wrong, 401, ""},
		{"OPTIONS", "/passport/token", siteOrigin, nil, anon, 204, ""},
		{"GET", "/passport/userinfo", "", nil, bearer, 200, ""},
		{"GET", "/passport/userinfo", "", nil, anon, 401, ""},
		{"POST", "/passport/userinfo", "", nil, bearer, 200, ""},
		{"OPTIONS", "/passport/userinfo", siteOrigin, nil, anon, 204, ""},
		// Without a token: a stream has no end for the contract check to read
		// (TestPassportEventsThroughTheServer reads one).
		{"GET", "/passport/events", "", nil, anon, 401, ""},
		{"OPTIONS", "/passport/events", siteOrigin, nil, anon, 204, ""},
		{"GET", "/passport/logout", "", nil, anon, 200, ""},
		{"GET", "/passport/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F&client_id=" + ts.Site.Key, "", nil, anon, 400, "/passport/logout"},
		{"POST", "/passport/introspect", "", body("token=" + url.QueryEscape(toks.AccessToken)), site, 200, ""},
		{"POST", "/passport/introspect", "", body("token=x"), wrong, 401, ""},
		{"POST", "/api/v1/passport/verify", "", body(`{"token":"` + toks.AccessToken + `"}`), siteJSON, 200, ""},
		{"POST", "/api/v1/passport/verify", "", body(`{"token":"x"}`), anon, 401, ""},
		{"POST", "/passport/revoke", "", body("token=" + url.QueryEscape(toks.RefreshToken)), site, 200, ""},
		{"OPTIONS", "/passport/revoke", siteOrigin, nil, anon, 204, ""},
	}
	return calls
}

// basicTransport authenticates JSON requests as a client (HTTP Basic).
type basicTransport struct {
	id, secret string
	next       http.RoundTripper
}

func (b basicTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.id, b.secret)
	return b.next.RoundTrip(r)
}
