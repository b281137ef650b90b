package passport_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/auth"
)

// clock is a fake clock the whole server reads (app.Config.Now).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const secretA = "site A's client secret, long enough"

// confidential makes site A a confidential client with secretA.
func (w *world) confidential(t *testing.T, oneDevice bool) {
	w.register(t, w.a, &tandem.ServiceLine{RedirectURIs: []string{w.aRedir}, ClientSecretHash: auth.HashToken(secretA), OneDevice: oneDevice})
}

// post sends a form to the passport (as client id:secret when id is set)
// and decodes the JSON answer, which must match the OpenAPI document.
func (w *world) post(t *testing.T, path string, form url.Values, id, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", w.ts.URL()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := w.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %s: not JSON: %s", path, resp.Status, b)
		}
	}
	return resp.StatusCode, out
}

// signIn signs the person in on site A in browser b and returns the token response.
func (w *world) signIn(t *testing.T, b *http.Client, id, secret string) map[string]any {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"client_id": {w.a.Key}, "redirect_uri": {w.aRedir}, "response_type": {"code"}, "scope": {"openid email"},
		"state": {"s"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	got, _, err := authorize(t.Context(), b, w.ts.URL()+"/passport/authorize?"+q.Encode(), w.email, w.password)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {got.Get("code")}, "redirect_uri": {w.aRedir}, "code_verifier": {verifier}}
	if id == "" {
		form.Set("client_id", w.a.Key)
	}
	status, toks := w.post(t, "/passport/token", form, id, secret)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, toks)
	}
	return toks
}

func (w *world) introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	status, out := w.post(t, "/passport/introspect", url.Values{"token": {token}}, w.a.Key, secretA)
	if status != http.StatusOK {
		t.Fatalf("introspect: %d %v", status, out)
	}
	return out
}

func (w *world) refresh(t *testing.T, rt string) (int, map[string]any) {
	return w.post(t, "/passport/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, w.a.Key, secretA)
}

// Two tabs refresh the same token at once: both get the same new tokens.
// Replayed after the grace window, the old refresh token ends the sign-in
// (reuse) and every token of it dies.
func TestRefreshRaceAndReuse(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newWorld(t, app.Config{Now: clk.Now})
	w.confidential(t, false)
	toks := w.signIn(t, browser(t), w.a.Key, secretA)
	rt := toks["refresh_token"].(string)

	const tabs = 4
	results := make([]map[string]any, tabs)
	var wg sync.WaitGroup
	for i := range tabs {
		wg.Go(func() {
			status, out := w.refresh(t, rt)
			if status != http.StatusOK {
				t.Errorf("tab %d refresh: %d %v", i, status, out)
			}
			results[i] = out
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i := 1; i < tabs; i++ {
		if results[i]["access_token"] != results[0]["access_token"] || results[i]["refresh_token"] != results[0]["refresh_token"] {
			t.Fatalf("tab %d got other tokens than tab 0", i)
		}
	}
	if results[0]["access_token"] == toks["access_token"] {
		t.Fatal("the refresh did not rotate the access token")
	}
	current := results[0]["access_token"].(string)
	if v := w.introspect(t, current); v["active"] != true || v["sub"] != w.identity.ID {
		t.Fatalf("introspect the new token: %v", v)
	}

	clk.Add(31 * time.Second)
	status, out := w.refresh(t, rt)
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("replay after the grace: %d %v", status, out)
	}
	if v := w.introspect(t, current); v["active"] != false || v["reason"] != string(tandem.GrantReused) {
		t.Fatalf("after reuse, the current token: %v", v)
	}
	if status, out := w.refresh(t, results[0]["refresh_token"].(string)); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("after reuse, the current refresh token: %d %v", status, out)
	}
}

// One device per site: a sign-in from a second browser signs the first
// out, and verify and introspection say why.
func TestOneDeviceSignedInElsewhere(t *testing.T) {
	w := newWorld(t, app.Config{})
	w.confidential(t, true)
	first := w.signIn(t, browser(t), w.a.Key, secretA)
	v := w.verify(t, first["access_token"].(string))
	if v["active"] != true || v["identityId"] != w.identity.ID || v["siteId"] != w.a.ID || v["deviceId"] == "" {
		t.Fatalf("verify the first device's token: %v", v)
	}
	second := w.signIn(t, browser(t), w.a.Key, secretA)
	if v := w.verify(t, first["access_token"].(string)); v["active"] != false || v["reason"] != "signed_in_elsewhere" {
		t.Fatalf("verify the first device's token after the second signed in: %v", v)
	}
	if v := w.introspect(t, first["access_token"].(string)); v["active"] != false || v["reason"] != "signed_in_elsewhere" {
		t.Fatalf("introspect the first device's token: %v", v)
	}
	if v := w.verify(t, second["access_token"].(string)); v["active"] != true {
		t.Fatalf("verify the second device's token: %v", v)
	}
	if status, out := w.refresh(t, first["refresh_token"].(string)); status != http.StatusBadRequest {
		t.Fatalf("refresh on the first device: %d %v", status, out)
	}
	// The audit log of the first grant has its sign-in and the kick.
	in := w.introspect(t, second["access_token"].(string))
	firstGrant := w.grantOf(t, first["id_token"].(string))
	entries, err := w.ts.Store().AuditFor(t.Context(), firstGrant)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "passport.signin passport.kick" || !strings.Contains(entries[1].Detail, in["sid"].(string)) {
		t.Fatalf("audit of the kicked grant: %v (%+v)", actions, entries)
	}
}

// grantOf returns the sid (grant id) of an ID token, checked by the passport.
func (w *world) grantOf(t *testing.T, idToken string) string {
	t.Helper()
	cl, err := w.ts.Passport().ParseIDToken(t.Context(), idToken)
	if err != nil {
		t.Fatal(err)
	}
	return cl.SID
}

// Key rotation logs nobody out: a key is published before it signs, old
// ID tokens verify while their key is published, and refresh tokens from
// before the rotation keep working.
func TestKeyRotation(t *testing.T) {
	clk := &clock{now: time.Now()}
	w := newWorld(t, app.Config{Now: clk.Now})
	w.register(t, w.a, &tandem.ServiceLine{RedirectURIs: []string{w.aRedir}, ClientSecretHash: auth.HashToken(secretA),
		AccessTTL: time.Hour, RefreshTTL: 60 * 24 * time.Hour})
	svc := w.ts.Passport()
	toks := w.signIn(t, browser(t), w.a.Key, secretA)
	kid := func(idt string) string {
		var h struct{ Kid string }
		seg, _, _ := strings.Cut(idt, ".")
		b, _ := base64.RawURLEncoding.DecodeString(seg)
		_ = json.Unmarshal(b, &h)
		return h.Kid
	}
	jwks := func() []string {
		set, err := svc.JWKS(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, k := range set.Keys {
			ids = append(ids, k.KeyID)
		}
		return ids
	}
	first := kid(toks["id_token"].(string))
	if ids := jwks(); len(ids) != 1 || ids[0] != first {
		t.Fatalf("JWKS %v, want the one key %s", ids, first)
	}
	// 30 days on, less the hour's lead: the next key is published, the
	// first still signs.
	clk.Add(30*24*time.Hour - 30*time.Minute)
	if err := svc.RotateKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	ids := jwks()
	if len(ids) != 2 {
		t.Fatalf("JWKS after the rotation: %v, want both keys", ids)
	}
	rt := toks["refresh_token"].(string)
	status, out := w.refresh(t, rt)
	if status != http.StatusOK {
		t.Fatalf("refresh before the new key signs: %d %v", status, out)
	}
	if k := kid(out["id_token"].(string)); k != first {
		t.Fatalf("refresh before the new key signs: signed by %s, want %s", k, first)
	}
	// An hour on, the new key signs; the old one is still published.
	clk.Add(time.Hour)
	status, out2 := w.refresh(t, out["refresh_token"].(string))
	if status != http.StatusOK {
		t.Fatalf("refresh after the new key signs: %d %v", status, out2)
	}
	second := kid(out2["id_token"].(string))
	if second == first || !slices.Contains(jwks(), first) {
		t.Fatalf("new ID token signed by %s (first %s), JWKS %v", second, first, jwks())
	}
	if _, err := svc.ParseIDToken(t.Context(), out["id_token"].(string)); err != nil {
		t.Fatalf("an ID token of the old key no longer verifies: %v", err)
	}
	// Past the old key's linger, it is gone.
	clk.Add(2 * time.Hour)
	if err := svc.RotateKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ids := jwks(); len(ids) != 1 || ids[0] != second {
		t.Fatalf("JWKS after the old key lingered: %v", ids)
	}
}

func (w *world) verify(t *testing.T, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", w.ts.URL()+"/api/v1/passport/verify", strings.NewReader(`{"token":`+quote(token)+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(w.a.Key, secretA)
	resp, err := w.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("verify: %s %v %v", resp.Status, out, err)
	}
	return out
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// RP-initiated logout ends the sign-in and the passport session, and goes
// back only to a registered address.
func TestLogout(t *testing.T) {
	w := newWorld(t, app.Config{})
	w.confidential(t, false)
	b := browser(t)
	toks := w.signIn(t, b, w.a.Key, secretA)
	bad := url.Values{"id_token_hint": {toks["id_token"].(string)}, "post_logout_redirect_uri": {"https://evil.example/"}}
	resp, err := b.Get(w.ts.URL() + "/passport/logout?" + bad.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("logout to an unregistered address: %s", resp.Status)
	}
	q := url.Values{"id_token_hint": {toks["id_token"].(string)}, "post_logout_redirect_uri": {w.aRedir}, "state": {"bye"}}
	resp, err = b.Get(w.ts.URL() + "/passport/logout?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != w.aRedir+"?state=bye" {
		t.Fatalf("logout: %s to %q", resp.Status, loc)
	}
	if v := w.introspect(t, toks["access_token"].(string)); v["active"] != false || v["reason"] != string(tandem.GrantLoggedOut) {
		t.Fatalf("after logout: %v", v)
	}
	// The browser's passport session ended too: the form again.
	verifier := oauth2.GenerateVerifier()
	aq := url.Values{"client_id": {w.a.Key}, "redirect_uri": {w.aRedir}, "response_type": {"code"}, "scope": {"openid"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}, "prompt": {"none"}}
	got, _, err := authorize(t.Context(), b, w.ts.URL()+"/passport/authorize?"+aq.Encode(), "", "")
	if err == nil || got.Get("error") != "login_required" {
		t.Fatalf("prompt=none after logout: %v %v", got, err)
	}
}

// Bad requests get OAuth errors and change nothing; errors about the
// client or its redirect URI never leave the passport.
func TestBadRequests(t *testing.T) {
	w := newWorld(t, app.Config{})
	w.confidential(t, false)
	b := browser(t)
	verifier := oauth2.GenerateVerifier()
	good := url.Values{"client_id": {w.a.Key}, "redirect_uri": {w.aRedir}, "response_type": {"code"}, "scope": {"openid"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}, "state": {"st"}}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return w.ts.URL() + "/passport/authorize?" + q.Encode()
	}
	for _, tc := range []struct {
		name, url string
		status    int
		errCode   string // in the redirect, when redirected
	}{
		{"unregistered redirect", with("redirect_uri", w.aRedir+"/"), 400, ""},
		{"lookalike redirect", with("redirect_uri", "http://127.0.0.1:7001/callback?x=1"), 400, ""},
		{"unknown client", with("client_id", "site_nope"), 400, ""},
		{"another site's redirect", with("client_id", w.b.Key), 400, ""},
		{"no PKCE", with("code_challenge", ""), 303, "invalid_request"},
		{"plain PKCE", with("code_challenge_method", "plain"), 303, "invalid_request"},
		{"implicit flow", with("response_type", "token"), 303, "unsupported_response_type"},
	} {
		resp, err := b.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.status)
			continue
		}
		if tc.errCode != "" {
			loc, _ := resp.Location()
			if !strings.HasPrefix(loc.String(), w.aRedir+"?") || loc.Query().Get("error") != tc.errCode || loc.Query().Get("state") != "st" {
				t.Errorf("%s: redirected to %s", tc.name, loc)
			}
		}
	}

	// The form: no script, posts only to the passport and redirects only
	// to the client's origin; a cross-site post of it is refused (login
	// CSRF), and a wrong password sets no cookie.
	resp, err := b.Get(with("state", "st"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://127.0.0.1:7001;") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("sign-in form policy: %q", csp)
	}
	signIn := url.Values{}
	for k, v := range good {
		signIn[k] = v
	}
	signIn.Set("email", w.email)
	signIn.Set("password", w.password)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", w.ts.URL()+"/passport/authorize", strings.NewReader(signIn.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err = browser(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("cross-site sign-in post: %s, cookies %v", resp.Status, resp.Cookies())
	}
	signIn.Set("password", "not the password")
	req, _ = http.NewRequestWithContext(t.Context(), "POST", w.ts.URL()+"/passport/authorize", strings.NewReader(signIn.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = browser(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("wrong password: %s, cookies %v", resp.Status, resp.Cookies())
	}

	// A wrong verifier spends the code.
	got, _, err := authorize(t.Context(), b, with("state", "st"), w.email, w.password)
	if err != nil {
		t.Fatal(err)
	}
	code := got.Get("code")
	exchange := func(v string) (int, map[string]any) {
		return w.post(t, "/passport/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {w.aRedir}, "code_verifier": {v}}, w.a.Key, secretA)
	}
	if status, out := exchange(oauth2.GenerateVerifier()); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", status, out)
	}
	if status, out := exchange(verifier); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("the right verifier after a wrong one: %d %v", status, out)
	}
	for _, tc := range []struct {
		name       string
		form       url.Values
		id, secret string
		status     int
		errCode    string
	}{
		{"wrong secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, w.a.Key, "wrong", 401, "invalid_client"},
		{"no secret for a confidential client", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {w.a.Key}}, "", "", 401, "invalid_client"},
		{"unknown grant type", url.Values{"grant_type": {"password"}}, w.a.Key, secretA, 400, "unsupported_grant_type"},
		{"malformed refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"tpr_short"}}, w.a.Key, secretA, 400, "invalid_grant"},
		{"malformed code", url.Values{"grant_type": {"authorization_code"}, "code": {"<script>"}}, w.a.Key, secretA, 400, "invalid_grant"},
	} {
		status, out := w.post(t, "/passport/token", tc.form, tc.id, tc.secret)
		if status != tc.status || out["error"] != tc.errCode {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, out, tc.status, tc.errCode)
		}
	}
	for _, tok := range []string{"", "garbage", "tpa_" + strings.Repeat("A", 43), "Bearer tpa_x"} {
		if v := w.verify(t, tok); v["active"] != false || v["reason"] == "" {
			t.Errorf("verify %q: %v", tok, v)
		}
	}
}
