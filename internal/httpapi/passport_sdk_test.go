package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/store"
)

// sdkWorld is a Tandem whose test site is a public one-device client, and
// a person.
type sdkWorld struct {
	ts       *apptest.TestServer
	identity *tandem.Identity
	redirect string
}

func newSDKWorld(t *testing.T) *sdkWorld {
	t.Helper()
	ts := apptest.Start(t, app.Config{}, siteOrigin)
	w := &sdkWorld{ts: ts, redirect: siteOrigin + "/cb"}
	st := ts.Store().(store.Passport)
	now := time.Now()
	if err := st.PutServiceLine(t.Context(), &tandem.ServiceLine{SiteID: ts.Site.ID, Domains: ts.Site.AllowedOrigins, RedirectURIs: []string{w.redirect},
		OneDevice: true, AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	w.identity = &tandem.Identity{Email: "sam@example.com", Name: "Sam", CreatedAt: now}
	if err := st.CreateIdentity(t.Context(), w.identity); err != nil {
		t.Fatal(err)
	}
	return w
}

// signIn signs the person in on the site from device and returns the tokens.
func (w *sdkWorld) signIn(t *testing.T, device string) *passport.Tokens {
	t.Helper()
	ctx := t.Context()
	svc := w.ts.Passport()
	client, err := svc.LookupClient(ctx, w.ts.Site.Key)
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	ar := &passport.AuthRequest{ClientID: w.ts.Site.Key, RedirectURI: w.redirect, ResponseType: "code", Scope: "openid email profile",
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: "S256"}
	code, err := svc.IssueCode(ctx, client, ar, w.identity.ID, device)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := svc.Exchange(ctx, client, code, w.redirect, verifier)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// userinfo asks the passport about token from a page of another origin.
func userinfo(t *testing.T, ctx context.Context, ts *apptest.TestServer, token string) (*http.Response, map[string]string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL()+"/passport/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Origin", "https://other.example")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestUserinfoSaysWhyATokenEnded: a page whose person signed in on another
// device learns it from userinfo, in RFC 6750's header (readable across
// origins) and in the body.
func TestUserinfoSaysWhyATokenEnded(t *testing.T) {
	w := newSDKWorld(t)
	first := w.signIn(t, "web-first")
	resp, body := userinfo(t, t.Context(), w.ts, first.AccessToken)
	if resp.StatusCode != 200 || body["sub"] != w.identity.ID || body["name"] != "Sam" {
		t.Fatalf("userinfo of a live token: %d %v", resp.StatusCode, body)
	}
	w.signIn(t, "web-second")
	cases := []struct{ name, token, reason string }{
		{"signed in elsewhere", first.AccessToken, "signed_in_elsewhere"},
		{"garbage", "tpa_nope", "malformed"},
		{"unknown", "tpa_" + strings.Repeat("A", 43), "unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := userinfo(t, t.Context(), w.ts, c.token)
			if resp.StatusCode != 401 || body["error"] != "invalid_token" || body["reason"] != c.reason || body["error_description"] != c.reason {
				t.Fatalf("got %d %v, want 401 invalid_token %s", resp.StatusCode, body, c.reason)
			}
			want := `Bearer error="invalid_token", error_description="` + c.reason + `"`
			if got := resp.Header.Get("WWW-Authenticate"); got != want {
				t.Fatalf("WWW-Authenticate %q, want %q", got, want)
			}
			if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "WWW-Authenticate") {
				t.Fatalf("Access-Control-Expose-Headers %q does not expose WWW-Authenticate", got)
			}
		})
	}
}

// TestPublicSiteBackEndVerifies: the back end of a public site (its pages
// sign in through the SDK, so it has no secret) verifies its own tokens by
// its key alone; another site's key, a secret it does not have, and no
// key at all get nothing.
func TestPublicSiteBackEndVerifies(t *testing.T) {
	w := newSDKWorld(t)
	toks := w.signIn(t, "web-one")
	other := &tandem.Site{Name: "Other", AllowedOrigins: []string{"https://other.example"}}
	if err := w.ts.Store().CreateSite(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := w.ts.Store().(store.Passport).PutServiceLine(t.Context(), &tandem.ServiceLine{SiteID: other.ID, Domains: other.AllowedOrigins,
		RedirectURIs: []string{"https://other.example/cb"}, AccessTTL: time.Hour, RefreshTTL: time.Hour, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, id, secret string
		basic            bool
		status           int
		active           bool
		reason           string
	}{
		{"its own key", w.ts.Site.Key, "", true, 200, true, ""},
		{"another site's key", other.Key, "", true, 200, false, "unknown"},
		{"a secret it has not", w.ts.Site.Key, "guess", true, 401, false, ""},
		{"no key", "", "", false, 401, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "POST", w.ts.URL()+"/api/v1/passport/verify", strings.NewReader(`{"token":"`+toks.AccessToken+`"}`))
			req.Header.Set("Content-Type", "application/json")
			if c.basic {
				req.SetBasicAuth(c.id, c.secret)
			}
			resp, err := w.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Active     bool   `json:"active"`
				IdentityID string `json:"identityId"`
				SiteID     string `json:"siteId"`
				Reason     string `json:"reason"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != c.status || out.Active != c.active || out.Reason != c.reason {
				t.Fatalf("got %d %+v, want %d active=%v reason=%q", resp.StatusCode, out, c.status, c.active, c.reason)
			}
			if c.active && (out.IdentityID != w.identity.ID || out.SiteID != w.ts.Site.ID) {
				t.Fatalf("verified %+v, want identity %s site %s", out, w.identity.ID, w.ts.Site.ID)
			}
		})
	}
}

// TestPassportEventsThroughTheServer: the events stream of a real server
// carries a monitor's refresh-ahead and the end of the sign-in.
func TestPassportEventsThroughTheServer(t *testing.T) {
	w := newSDKWorld(t)
	toks := w.signIn(t, "web-one")
	req, _ := http.NewRequestWithContext(t.Context(), "GET", w.ts.URL()+"/passport/events", nil)
	req.Header.Set("Authorization", "Bearer "+toks.AccessToken)
	req.Header.Set("Origin", "https://other.example")
	// Not ts.Client: its contract check reads whole bodies, and a stream has no end.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %v", resp.StatusCode, resp.Header)
	}
	sc := bufio.NewScanner(resp.Body)
	next := func() string {
		t.Helper()
		for sc.Scan() {
			if l := sc.Text(); l != "" && !strings.HasPrefix(l, ":") {
				return l
			}
		}
		t.Fatalf("the stream ended: %v", sc.Err())
		return ""
	}
	v, err := w.ts.Passport().Verify(t.Context(), toks.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	// The stream is registered once its first comment arrived.
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), ":") {
		t.Fatalf("the stream's first line: %q", sc.Text())
	}
	if err := w.ts.Passport().RequestRefresh(t.Context(), v.GrantID, "test"); err != nil {
		t.Fatal(err)
	}
	if got := next() + "\n" + next(); got != "event: refresh\ndata: {\"type\":\"refresh\",\"grantId\":\""+v.GrantID+"\"}" {
		t.Fatalf("refresh event: %q", got)
	}
	w.signIn(t, "web-two")
	if got := next() + "\n" + next(); got != "event: ended\ndata: {\"type\":\"ended\",\"grantId\":\""+v.GrantID+"\",\"reason\":\"signed_in_elsewhere\"}" {
		t.Fatalf("ended event: %q", got)
	}
	if sc.Scan() && sc.Text() != "" || sc.Scan() {
		t.Fatalf("the stream went on after the end: %q", sc.Text())
	}
}
