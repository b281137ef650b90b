package passport

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tandemhq/tandem"
)

// publicPEM is the PEM of k's public half, as a site registers it.
func publicPEM(t testing.TB, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// assertion signs claims with key under alg.
func assertion(t *testing.T, alg jose.SignatureAlgorithm, key any, claims ...any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b := jwt.Signed(sig)
	for _, c := range claims {
		b = b.Claims(c)
	}
	s, err := b.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned is a JWT with alg "none".
func unsigned(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	p, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

// A site with a vouch key signs a person in by vouching: the identity is
// found by email or made without a password, the answer is a code
// exchange's (with an authkey), the assertion works once, and each
// assertion the passport should not trust is refused, saying why.
func TestVouch(t *testing.T) {
	u := newUnit(t, "the installation's signing key")
	ctx := t.Context()
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u.a.Line.VouchKey = publicPEM(t, ecKey)
	if err := u.st.PutServiceLine(ctx, u.a.Line); err != nil {
		t.Fatal(err)
	}
	rsaSite := u.addSite(t, "Shop R", &tandem.ServiceLine{VouchKey: publicPEM(t, rsaKey), Devices: []tandem.DeviceKind{tandem.DeviceBrowser, tandem.DeviceIOS}})
	public := &Client{Site: u.b.Site, Line: &tandem.ServiceLine{SiteID: u.b.Site.ID, VouchKey: u.a.Line.VouchKey}}

	now := u.clk.Now()
	claims := func(sub string, mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": u.a.ID(), "sub": sub, "aud": unitIssuer + "/passport/token",
			"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": newID()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	es := func(c map[string]any) string { return assertion(t, jose.ES256, ecKey, c) }

	// A new person: an identity without a password.
	toks, err := u.svc.Vouch(ctx, u.a, es(claims("New.Person@Example.com", nil)), "")
	if err != nil {
		t.Fatalf("Vouch for a new person: %v", err)
	}
	if toks.IDToken == "" || !strings.HasPrefix(toks.Authkey, AuthkeyPrefix) || toks.Scope != "openid email" {
		t.Fatalf("Vouch answered %+v", toks)
	}
	made, err := u.st.IdentityByEmail(ctx, "new.person@example.com")
	if err != nil || made.PasswordHash != "" {
		t.Fatalf("the vouched identity: %+v %v", made, err)
	}
	if _, err := u.svc.CheckPassword(ctx, "new.person@example.com", ""); err == nil {
		t.Fatal("a vouched identity signs in with no password")
	}
	v, err := u.svc.Verify(ctx, toks.AccessToken)
	if err != nil || !v.Active || v.IdentityID != made.ID || v.SiteID != u.a.Site.ID {
		t.Fatalf("verify the vouched token: %+v %v", v, err)
	}
	entries, err := u.db.AuditFor(ctx, v.GrantID)
	if err != nil || len(entries) != 2 || entries[1].Action != "passport.vouch" || !strings.Contains(entries[1].Detail, "new identity") {
		t.Fatalf("audit of the vouched grant: %+v %v", entries, err)
	}
	// Its authkey works like a code exchange's.
	if _, err := u.svc.FromAuthkey(ctx, u.a, toks.Authkey); err != nil {
		t.Fatalf("FromAuthkey of a vouched sign-in: %v", err)
	}

	// A known person, by the email claim beside the site's own user id,
	// RS256, on an iOS device.
	rs := assertion(t, jose.RS256, rsaKey, map[string]any{"iss": rsaSite.ID(), "sub": "user-42", "email": u.id.Email,
		"aud": unitIssuer, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "j-1",
		"device_id": "phone-1", "device_kind": "ios"})
	toks, err = u.svc.Vouch(ctx, rsaSite, rs, "openid profile")
	if err != nil {
		t.Fatalf("Vouch RS256: %v", err)
	}
	if v, _ = u.svc.Verify(ctx, toks.AccessToken); v.IdentityID != u.id.ID || v.DeviceID != "phone-1" {
		t.Fatalf("the RS256 vouch signed in %+v", v)
	}
	_, err = u.svc.Vouch(ctx, rsaSite, rs, "")
	wantOAuth(t, err, "invalid_grant", "already used", "a replayed assertion")

	hsWithPublic := assertion(t, jose.HS256, []byte(u.a.Line.VouchKey), claims(u.id.Email, nil))
	cases := []struct {
		name      string
		c         *Client
		assertion string
		code      string
		desc      string
	}{
		{"public client", public, es(claims(u.id.Email, nil)), "unauthorized_client", "only confidential clients"},
		{"no vouch key", u.b, es(claims(u.id.Email, nil)), "unauthorized_client", "no vouch key"},
		{"missing", u.a, "", "invalid_request", "assertion is missing"},
		{"too long", u.a, strings.Repeat("a", MaxAssertion+1), "invalid_grant", "longer than"},
		{"not a JWT", u.a, "not.a.jwt", "invalid_grant", "not a JWT signed with ES256"},
		{"alg none", u.a, unsigned(claims(u.id.Email, nil)), "invalid_grant", "not a JWT signed with ES256"},
		{"HS256 keyed with the public key", u.a, hsWithPublic, "invalid_grant", "not a JWT signed with ES256"},
		{"RS256 on an ES256 site", u.a, assertion(t, jose.RS256, rsaKey, claims(u.id.Email, nil)), "invalid_grant", "not a JWT signed with ES256"},
		{"another key", u.a, assertion(t, jose.ES256, otherEC, claims(u.id.Email, nil)), "invalid_grant", "does not verify"},
		{"wrong iss", u.a, es(claims(u.id.Email, func(c map[string]any) { c["iss"] = rsaSite.ID() })), "invalid_grant", "iss must be the client id"},
		{"no sub", u.a, es(claims("", nil)), "invalid_grant", "no sub"},
		{"wrong aud", u.a, es(claims(u.id.Email, func(c map[string]any) { c["aud"] = "https://evil.example" })), "invalid_grant", "aud must be"},
		{"no exp", u.a, es(claims(u.id.Email, func(c map[string]any) { delete(c, "exp") })), "invalid_grant", "no exp"},
		{"expired", u.a, es(claims(u.id.Email, func(c map[string]any) { c["exp"] = now.Unix() })), "invalid_grant", "expired"},
		{"exp too far", u.a, es(claims(u.id.Email, func(c map[string]any) { c["exp"] = now.Add(time.Hour).Unix() })), "invalid_grant", "more than 5m0s ahead"},
		{"no iat", u.a, es(claims(u.id.Email, func(c map[string]any) { delete(c, "iat") })), "invalid_grant", "no iat"},
		{"iat ahead", u.a, es(claims(u.id.Email, func(c map[string]any) { c["iat"] = now.Add(3 * time.Minute).Unix() })), "invalid_grant", "iat is in the future"},
		{"nbf ahead", u.a, es(claims(u.id.Email, func(c map[string]any) { c["nbf"] = now.Add(3 * time.Minute).Unix() })), "invalid_grant", "not valid yet"},
		{"no jti", u.a, es(claims(u.id.Email, func(c map[string]any) { delete(c, "jti") })), "invalid_grant", "needs a jti"},
		{"bad email", u.a, es(claims("not an email", nil)), "invalid_grant", "no good email"},
		{"bad email claim", u.a, es(claims("user-7", func(c map[string]any) { c["email"] = "a@" })), "invalid_grant", "no good email"},
		{"unknown device kind", u.a, es(claims(u.id.Email, func(c map[string]any) { c["device_kind"] = "fridge" })), "invalid_grant", "device_kind must be"},
		{"device kind not served", u.a, es(claims(u.id.Email, func(c map[string]any) { c["device_kind"] = "android" })), "invalid_grant", "does not serve android"},
		{"control characters in device_id", u.a, es(claims(u.id.Email, func(c map[string]any) { c["device_id"] = "a\nb" })), "invalid_grant", "device_id"},
	}
	for _, tc := range cases {
		got, err := u.svc.Vouch(ctx, tc.c, tc.assertion, "")
		if got != nil {
			t.Errorf("%s: got tokens", tc.name)
		}
		wantOAuth(t, err, tc.code, tc.desc, tc.name)
	}
	// None of them made an identity or a grant.
	for _, email := range []string{"not an email", "a@"} {
		if _, err := u.st.IdentityByEmail(ctx, email); tandem.ErrorCode(err) != tandem.ENotFound {
			t.Errorf("a refused assertion made identity %q: %v", email, err)
		}
	}
	grants, err := u.st.ListGrants(ctx, storeFilter(u.id.ID))
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants of the known person after the refusals: %d %v", len(grants), err)
	}
}

// A sign-in names its kind of device (device_kind, browser when absent);
// a kind the site does not serve is refused before any form, back to the
// site, and the kind reaches the grant.
func TestDeviceKinds(t *testing.T) {
	u := newUnit(t, "the installation's signing key")
	mobile := u.addSite(t, "Shop M", &tandem.ServiceLine{Devices: []tandem.DeviceKind{tandem.DeviceIOS, tandem.DeviceAndroid}})
	req := func(c *Client, kind string) *AuthRequest {
		return &AuthRequest{ClientID: c.ID(), RedirectURI: c.Line.RedirectURIs[0], ResponseType: "code",
			CodeChallenge: S256("a-verifier-of-at-least-forty-three-characters-long"), CodeChallengeMethod: "S256", DeviceKind: kind}
	}
	for _, tc := range []struct {
		name string
		c    *Client
		kind string
		desc string // "" for accepted
	}{
		{"browser by default", u.a, "", ""},
		{"browser", u.a, "browser", ""},
		{"ios on a browser site", u.a, "ios", "does not serve ios"},
		{"unknown kind", u.a, "toaster", "device_kind must be"},
		{"ios on a mobile site", mobile, "ios", ""},
		{"android on a mobile site", mobile, "android", ""},
		{"the default on a mobile site", mobile, "", "does not serve browser"},
		{"desktop on a mobile site", mobile, "desktop", "does not serve desktop"},
	} {
		_, err := u.svc.CheckAuthRequest(t.Context(), req(tc.c, tc.kind))
		if tc.desc == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		wantOAuth(t, err, "invalid_request", tc.desc, tc.name)
		if oe, ok := err.(*Error); ok && !oe.Redirect {
			t.Errorf("%s: the error is not sent back to the site", tc.name)
		}
	}
	toks, _ := u.signIn(t, mobile, tandem.DeviceAndroid)
	g, err := u.st.GrantByAccessHash(t.Context(), authHash(toks.AccessToken))
	if err != nil || g.DeviceKind != tandem.DeviceAndroid {
		t.Fatalf("the grant of an Android sign-in: %+v %v", g, err)
	}
	a, err := OpenAuthkey(u.svc.akey, toks.Authkey)
	if err != nil || a.DeviceKind != tandem.DeviceAndroid || a.DeviceID != g.DeviceID || a.SiteID != mobile.Site.ID || a.IdentityID != u.id.ID {
		t.Fatalf("the authkey of an Android sign-in: %+v %v", a, err)
	}
}

// Any string as an assertion gets an OAuth error, never tokens or a
// panic.
func FuzzVouchAssertion(f *testing.F) {
	f.Add("")
	f.Add("a.b.c")
	f.Add(unsigned(map[string]any{"iss": "x", "sub": "a@b.c"}))
	f.Add("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.AAAA")
	f.Add(strings.Repeat(".", 100))
	u := newUnit(f, "the installation's signing key")
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u.a.Line.VouchKey = publicPEM(f, ecKey)
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := u.svc.Vouch(context.Background(), u.a, s, "")
		oe, ok := err.(*Error)
		if toks != nil || !ok || (oe.Code != "invalid_grant" && oe.Code != "invalid_request") {
			t.Fatalf("Vouch(%q) = %v, %v", s, toks, err)
		}
	})
}
