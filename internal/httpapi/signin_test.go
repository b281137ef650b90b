package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/httpapi"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// answer is an HTTP answer with its error, if it is one.
type answer struct {
	status int
	header http.Header
	code   string
	msg    string
}

// post sends body to path with the given headers (Content-Type among
// them) and reads the answer.
func post(t *testing.T, client *http.Client, url, body string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code, Message string }
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	return answer{status: resp.StatusCode, header: resp.Header, code: e.Error.Code, msg: e.Error.Message}
}

// login signs in as email from the client address from (an
// X-Forwarded-For the test server trusts).
func login(t *testing.T, ts *apptest.TestServer, email, pw, from string) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": pw})
	return post(t, nil, ts.URL()+"/api/v1/login", string(body), map[string]string{
		"Content-Type": "application/json", "X-Forwarded-For": from,
	})
}

// Login CSRF: a page on another site auto-submits a text/plain form whose
// body is JSON with the attacker's credentials. The sign-in is refused and
// no session cookie is set, whether the browser says where the request
// came from (cross-origin protection) or not (the content type).
func TestLoginRefusesForgedForms(t *testing.T) {
	ts, _ := start(t, app.Config{})
	body := `{"email":"` + ts.AgentEmail + `","password":"` + ts.AgentPassword + `"}`
	tests := []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"cross-site text/plain form", map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, "forbidden"},
		{"cross-site form, old browser (Origin only)", map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, 403, "forbidden"},
		{"cross-site JSON", map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, "forbidden"},
		{"same-site sibling", map[string]string{"Content-Type": "application/json", "Origin": "https://shop.127.0.0.1", "Sec-Fetch-Site": "same-site"}, 403, "forbidden"},
		{"text/plain without browser headers", map[string]string{"Content-Type": "text/plain"}, 415, "unsupported_media_type"},
		{"url-encoded form", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"multipart form", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, 415, "unsupported_media_type"},
		{"no content type", map[string]string{}, 415, "unsupported_media_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, nil, ts.URL()+"/api/v1/login", body, tt.header)
			if a.status != tt.status || a.code != tt.code || a.msg == "" {
				t.Fatalf("got %d %s %q, want %d %s with a message", a.status, a.code, a.msg, tt.status, tt.code)
			}
			if c := a.header.Get("Set-Cookie"); c != "" {
				t.Fatalf("a session cookie was set: %s", c)
			}
		})
	}
	// The console's own request still signs in.
	a := post(t, nil, ts.URL()+"/api/v1/login", body, map[string]string{
		"Content-Type": "application/json", "Origin": ts.URL(), "Sec-Fetch-Site": "same-origin",
	})
	if a.status != 200 || !strings.Contains(a.header.Get("Set-Cookie"), "tandem_session=") {
		t.Fatalf("same-origin sign-in: %d %s", a.status, a.code)
	}
}

// Every JSON endpoint refuses a body of another type with 415, and nothing
// changes: no invite, no help request.
func TestJSONEndpointsRefuseOtherContentTypes(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx := context.Background()
	tests := []struct {
		name, path, body string
		client           *http.Client
		header           map[string]string
	}{
		{"invite", "/api/v1/invites", `{"siteId":"` + ts.Site.ID + `"}`, agent.Client, map[string]string{"Origin": ts.URL()}},
		{"help request", "/api/v1/public/help-requests", `{"siteKey":"` + ts.Site.Key + `","pageId":"p","url":"https://shop.example.com/"}`, nil, map[string]string{"Origin": siteOrigin}},
		{"invite code", "/api/v1/public/invites/redeem", `{"code":"ABCD-EFGH","pageId":"p","url":"https://shop.example.com/"}`, nil, map[string]string{"Origin": siteOrigin}},
	}
	for _, tt := range tests {
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
			t.Run(tt.name+" as "+ct, func(t *testing.T) {
				h := map[string]string{"Content-Type": ct}
				for k, v := range tt.header {
					h[k] = v
				}
				a := post(t, tt.client, ts.URL()+tt.path, tt.body, h)
				if a.status != http.StatusUnsupportedMediaType || a.code != "unsupported_media_type" || a.msg == "" {
					t.Fatalf("got %d %s %q, want 415 unsupported_media_type", a.status, a.code, a.msg)
				}
			})
		}
	}
	var list struct{ Assists []any }
	if err := agent.Do(ctx, "GET", "/api/v1/assists", nil, &list); err != nil || len(list.Assists) != 0 {
		t.Fatalf("refused requests created %d assists (%v)", len(list.Assists), err)
	}
}

// The limits: one address guessing is slowed (letter case does not start
// a new count), and the attack does not lock the owner out: from where
// they are, their right password gets in. Behind a trusted proxy the
// addresses come from X-Forwarded-For.
func TestLoginLimitsDoNotLockTheOwnerOut(t *testing.T) {
	ts := apptest.Start(t, app.Config{TrustedProxies: []string{"127.0.0.1"}}, siteOrigin)
	const attacker, owner = "198.51.100.7", "203.0.113.9"
	spellings := []string{"Alex@example.com", "ALEX@EXAMPLE.COM", "alex@Example.com", " alex@example.com", "aLEX@example.com", "alex@example.COM"}
	for i, e := range spellings {
		if a := login(t, ts, e, "wrong password!", attacker); a.status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, a.status, a.code)
		}
	}
	for _, pw := range []string{"wrong password!", ts.AgentPassword} {
		a := login(t, ts, "ALEX@example.com", pw, attacker)
		if a.status != 429 || a.code != "rate_limited" || a.header.Get("Retry-After") == "" {
			t.Fatalf("the attacking address, in yet another spelling: %d %s Retry-After=%q, want 429 with Retry-After",
				a.status, a.code, a.header.Get("Retry-After"))
		}
	}
	// Many addresses keep failing for the email...
	for _, from := range []string{"198.51.100.8", "198.51.100.9", "198.51.100.10", "2001:db8::1", "2001:db8:0:1::1"} {
		for range 4 {
			login(t, ts, ts.AgentEmail, "wrong password!", from)
		}
	}
	// ...and the owner still signs in, at once.
	if a := login(t, ts, ts.AgentEmail, ts.AgentPassword, owner); a.status != 200 {
		t.Fatalf("the owner's right password from their own address: %d %s %q", a.status, a.code, a.msg)
	}
}

// Without trusted proxies, X-Forwarded-For is the client's own claim and
// is ignored: a client cannot dodge the address limit by making up hops.
func TestSpoofedForwardedForIsIgnored(t *testing.T) {
	ts := apptest.Start(t, app.Config{}, siteOrigin)
	// Accounts of their own (cheap hashes), so that only the address
	// limit can refuse: no email sees more than one failure.
	var emails []string
	for i := range 11 {
		e, _ := ts.AddAgent(t, fmt.Sprintf("agent%d@example.com", i), "Agent")
		emails = append(emails, e)
	}
	for i, e := range emails {
		a := login(t, ts, e, "wrong password!", fmt.Sprintf("198.51.100.%d", i+1))
		if want := 401; i == 10 {
			if a.status != 429 {
				t.Fatalf("the 11th sign-in from one address with made-up X-Forwarded-For hops: %d %s, want 429", a.status, a.code)
			}
		} else if a.status != want {
			t.Fatalf("sign-in %d: %d %s, want %d", i+1, a.status, a.code, want)
		}
	}
}

// At the default level, sign-ins and failed sign-ins are logged with the
// normalised email, the client address and the result; never the password.
func TestSignInsAreLogged(t *testing.T) {
	var logs apptest.LogBuffer
	ts := apptest.Start(t, app.Config{
		TrustedProxies: []string{"127.0.0.1"},
		Logger:         slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}, siteOrigin)
	login(t, ts, "ALEX@Example.com", "not the password 1", "198.51.100.7")
	login(t, ts, "sam@example.com", "not the password 2", "198.51.100.8")
	login(t, ts, "Alex@example.com", ts.AgentPassword, "203.0.113.9")
	out := logs.String()
	for _, want := range []string{
		`msg="sign-in failed" email=alex@example.com client=198.51.100.7 result=wrong`,
		`msg="sign-in failed" email=sam@example.com client=198.51.100.8 result=wrong`,
		`msg="signed in" email=alex@example.com client=203.0.113.9 result=ok`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{"not the password", ts.AgentPassword} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains a password:\n%s", out)
		}
	}
}

// With an https public URL (TLS at a proxy), the session cookie is Secure;
// with http it cannot be, or browsers would drop it.
func TestSessionCookieSecureFromPublicURL(t *testing.T) {
	for _, tt := range []struct {
		publicURL string
		secure    bool
	}{{"https://tandem.example.com", true}, {"", false}} {
		t.Run(tt.publicURL, func(t *testing.T) {
			ts := apptest.Start(t, app.Config{PublicURL: tt.publicURL}, siteOrigin)
			body, _ := json.Marshal(map[string]string{"email": ts.AgentEmail, "password": ts.AgentPassword})
			// The listener is plain HTTP (the proxy's side); ask it directly.
			a := post(t, nil, "http://"+ts.Addr()+"/api/v1/login", string(body), map[string]string{"Content-Type": "application/json"})
			cookie := a.header.Get("Set-Cookie")
			if a.status != 200 || !strings.Contains(cookie, "tandem_session=") {
				t.Fatalf("sign-in: %d %s", a.status, a.code)
			}
			if got := strings.Contains(cookie, "; Secure"); got != tt.secure {
				t.Fatalf("Set-Cookie %q: Secure = %v, want %v", cookie, got, tt.secure)
			}
		})
	}
}

// heldVerifier counts the password checks running at once and holds each
// until release is closed.
type heldVerifier struct {
	entered, release chan struct{}

	mu            sync.Mutex
	running, peak int
}

func (v *heldVerifier) Verify(encoded, pw string) (bool, error) {
	v.mu.Lock()
	v.running++
	v.peak = max(v.peak, v.running)
	v.mu.Unlock()
	v.entered <- struct{}{}
	<-v.release
	v.mu.Lock()
	v.running--
	v.mu.Unlock()
	return password.Verify(encoded, pw)
}

// Sign-ins hash passwords at most Slots at a time (each takes 64 MiB);
// one more, when none frees up in time, gets 503 with Retry-After. (That
// unknown emails go through the same bound is auth's test.)
func TestConcurrentSignInsAreBounded(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hash, _ := password.HashWith(password.TestParams(), "correct horse")
	if err := db.CreateUser(ctx, &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: hash, Role: tandem.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	v := &heldVerifier{entered: make(chan struct{}, 10), release: make(chan struct{})}
	gate := password.NewGate(password.GateConfig{Slots: 2, Wait: 20 * time.Millisecond, Verifier: v})
	srv := newTestServer(t, httpapi.Deps{
		Login:    auth.PasswordLogin{Users: db, Gate: gate},
		Sessions: &auth.Manager{Sessions: db, Users: db},
	})
	statuses := make(chan int, 2)
	for range 2 {
		go func() {
			a := post(t, nil, srv+"/api/v1/login", `{"email":"alex@example.com","password":"wrong horse"}`, map[string]string{"Content-Type": "application/json"})
			statuses <- a.status
		}()
	}
	<-v.entered
	<-v.entered
	a := post(t, nil, srv+"/api/v1/login", `{"email":"alex@example.com","password":"correct horse"}`, map[string]string{"Content-Type": "application/json"})
	if a.status != 503 || a.code != "unavailable" || a.header.Get("Retry-After") != "1" {
		t.Fatalf("a third sign-in while two hash: %d %s Retry-After=%q, want 503 with Retry-After: 1", a.status, a.code, a.header.Get("Retry-After"))
	}
	close(v.release)
	for range 2 {
		if s := <-statuses; s != 401 {
			t.Errorf("a held sign-in ended with %d, want 401", s)
		}
	}
	if v.peak != 2 {
		t.Fatalf("%d password checks ran at once, want at most (and here exactly) 2", v.peak)
	}
	// A refusal for a busy server is not a failure: the right password
	// gets in at once.
	if a := post(t, nil, srv+"/api/v1/login", `{"email":"alex@example.com","password":"correct horse"}`, map[string]string{"Content-Type": "application/json"}); a.status != 200 {
		t.Fatalf("after the burst: %d %s", a.status, a.code)
	}
}

// newTestServer serves an API of only deps (sign-in needs no more) on a
// real listener and returns its URL.
func newTestServer(t *testing.T, deps httpapi.Deps) string {
	t.Helper()
	srv := httptest.NewServer(httpapi.New(deps))
	t.Cleanup(srv.Close)
	return srv.URL
}
