package passport_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/passport"
)

// discovery returns the passport's OpenID Connect discovery document.
func (w *world) discovery(t *testing.T) map[string]any {
	t.Helper()
	resp, err := w.ts.Client().Get(w.ts.URL() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// basicAuth authenticates every request as a confidential client.
type basicAuth struct {
	id, secret string
	base       http.RoundTripper
}

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(url.QueryEscape(b.id), url.QueryEscape(b.secret))
	return b.base.RoundTrip(r)
}

// Through the real token endpoint: a code exchange answers with an
// authkey, which the site trades for new tokens (and another site cannot);
// a site's back end vouches for a person with x/oauth2's JWT bearer
// client; discovery lists both grant types.
func TestAuthkeyAndVouchOverHTTP(t *testing.T) {
	w := newWorld(t, app.Config{})
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	w.register(t, w.a, &tandem.ServiceLine{RedirectURIs: []string{w.aRedir}, ClientSecretHash: auth.HashToken(secretA),
		VouchKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))})

	d := w.discovery(t)
	types, _ := d["grant_types_supported"].([]any)
	if !slices.Contains(types, any(passport.AuthkeyGrant)) || !slices.Contains(types, any(passport.VouchGrant)) {
		t.Fatalf("discovery's grant types: %v", types)
	}

	toks := w.signIn(t, browser(t), w.a.Key, secretA)
	authkey, _ := toks["authkey"].(string)
	if authkey == "" {
		t.Fatalf("the code exchange's answer has no authkey: %v", toks)
	}
	status, out := w.post(t, "/passport/token", url.Values{"grant_type": {passport.AuthkeyGrant}, "authkey": {authkey}}, w.a.Key, secretA)
	if status != http.StatusOK || out["access_token"] == nil || out["access_token"] == toks["access_token"] {
		t.Fatalf("token from the authkey: %d %v", status, out)
	}
	if v := w.verify(t, out["access_token"].(string)); v["active"] != true || v["identityId"] != w.identity.ID {
		t.Fatalf("verify the authkey's token: %v", v)
	}
	// Site B (public) cannot use site A's authkey.
	status, out = w.post(t, "/passport/token", url.Values{"grant_type": {passport.AuthkeyGrant}, "authkey": {authkey}, "client_id": {w.b.Key}}, "", "")
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("site B with site A's authkey: %d %v", status, out)
	}
	// Nor can a public site vouch.
	status, out = w.post(t, "/passport/token", url.Values{"grant_type": {passport.VouchGrant}, "assertion": {"x.y.z"}, "client_id": {w.b.Key}}, "", "")
	if status != http.StatusBadRequest || out["error"] != "unauthorized_client" {
		t.Fatalf("a public site vouching: %d %v", status, out)
	}

	// The site's back end vouches with a stock JWT bearer client.
	ctx := t.Context()
	der, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	conf := &jwt.Config{
		Email: w.a.Key, Subject: "robin@example.com", TokenURL: d["token_endpoint"].(string), Expires: 2 * time.Minute,
		PrivateKey:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		PrivateClaims: map[string]any{"jti": "assertion-1", "device_kind": "browser"},
	}
	hc := &http.Client{Transport: basicAuth{id: w.a.Key, secret: secretA, base: w.ts.Client().Transport}}
	tok, err := conf.TokenSource(contextWithClient(ctx, hc)).Token()
	if err != nil {
		t.Fatalf("vouch with x/oauth2/jwt: %v", err)
	}
	if ak, _ := tok.Extra("authkey").(string); ak == "" {
		t.Fatalf("the vouched answer has no authkey: %+v", tok)
	}
	v := w.verify(t, tok.AccessToken)
	robin, err := w.st.IdentityByEmail(ctx, "robin@example.com")
	if err != nil || v["active"] != true || v["identityId"] != robin.ID {
		t.Fatalf("the vouched token: %v (identity %+v %v)", v, robin, err)
	}
	// The same assertion again (a fresh token source signs the same jti).
	_, err = conf.TokenSource(contextWithClient(ctx, hc)).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusBadRequest || !strings.Contains(string(re.Body), "jti replayed") {
		t.Fatalf("a replayed jti: %v", err)
	}
}

func contextWithClient(ctx context.Context, hc *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}
