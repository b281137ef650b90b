package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// consoleBrowser is a client with cookies that does not follow
// redirects, so that each step of the sign-in can be looked at.
func consoleBrowser(t *testing.T, ts *apptest.TestServer) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: ts.API, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// newIdentity stores a passport identity with a password, linked to the
// console account userID ("" for none).
func newPassportIdentity(t *testing.T, ts *apptest.TestServer, email, pw, userID string) *tandem.Identity {
	t.Helper()
	hash, err := password.HashWith(password.TestParams(), pw)
	if err != nil {
		t.Fatal(err)
	}
	id := &tandem.Identity{Email: email, Name: "Alex", PasswordHash: hash, UserID: userID, CreatedAt: time.Now()}
	if err := ts.Store().(store.Passport).CreateIdentity(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	return id
}

func browse(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// passportCallback starts a console sign-in in b, signs in on the
// passport's form and returns the callback URL the passport sent b to
// (not yet followed).
func passportCallback(t *testing.T, ts *apptest.TestServer, b *http.Client, email, pw string) string {
	t.Helper()
	res, _ := browse(t, b, ts.URL()+"/console/passport/start")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), ts.URL()+"/passport/authorize?") {
		t.Fatalf("start: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, page := browse(t, b, res.Header.Get("Location"))
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "the Tandem console") {
		t.Fatalf("authorize: %d\n%s", res.StatusCode, page)
	}
	form := url.Values{"email": {email}, "password": {pw}}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
	}
	res, err := b.PostForm(ts.URL()+"/passport/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, ts.URL()+"/console/passport/callback?") {
		t.Fatalf("sign-in form: %d to %q", res.StatusCode, loc)
	}
	return loc
}

func signedInAs(t *testing.T, ts *apptest.TestServer, b *http.Client) string {
	t.Helper()
	res, body := browse(t, b, ts.URL()+"/api/v1/me")
	if res.StatusCode != http.StatusOK {
		return ""
	}
	var me struct {
		User struct{ Email string } `json:"user"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	return me.User.Email
}

func TestConsolePassportSignIn(t *testing.T) {
	ts := apptest.Start(t, app.Config{}, "")
	ctx := context.Background()
	agent, err := ts.Store().UserByEmail(ctx, ts.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	const pw = "alex's passport password"
	linked := newPassportIdentity(t, ts, "alex.passport@example.com", pw, agent.ID)

	t.Run("success starts a console session", func(t *testing.T) {
		b := consoleBrowser(t, ts)
		res, _ := browse(t, b, passportCallback(t, ts, b, linked.Email, pw))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
			t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if got := signedInAs(t, ts, b); got != ts.AgentEmail {
			t.Fatalf("signed in as %q, want %q", got, ts.AgentEmail)
		}
		trail, err := ts.Store().AuditFor(ctx, "identity:"+linked.ID)
		if err != nil || len(trail) == 0 || trail[len(trail)-1].Action != "passport.console_signin" ||
			trail[len(trail)-1].Detail != "agent "+agent.ID {
			t.Fatalf("audit of the sign-in: %+v, %v", trail, err)
		}
		// Signed in to the passport now: a second console sign-in skips the form.
		res, _ = browse(t, b, ts.URL()+"/console/passport/start")
		// (The passport's answer is checked by its own tests.)
		raw := &http.Client{Jar: b.Jar, CheckRedirect: b.CheckRedirect}
		res, _ = browse(t, raw, res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), ts.URL()+"/console/passport/callback?code=") {
			t.Fatalf("single sign-on: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	})

	t.Run("state mismatch", func(t *testing.T) {
		b := consoleBrowser(t, ts)
		cb, _ := url.Parse(passportCallback(t, ts, b, linked.Email, pw))
		q := cb.Query()
		q.Set("state", "someone-elses-state")
		cb.RawQuery = q.Encode()
		res, page := browse(t, b, cb.String())
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "not started here") {
			t.Fatalf("callback with another state: %d\n%s", res.StatusCode, page)
		}
		if got := signedInAs(t, ts, b); got != "" {
			t.Fatalf("a state mismatch signed in %q", got)
		}
	})

	t.Run("a callback without the start's cookie", func(t *testing.T) {
		b := consoleBrowser(t, ts)
		cb := passportCallback(t, ts, b, linked.Email, pw)
		other := consoleBrowser(t, ts)
		res, _ := browse(t, other, cb)
		if res.StatusCode != http.StatusBadRequest || signedInAs(t, ts, other) != "" {
			t.Fatalf("a code carried to another browser: %d", res.StatusCode)
		}
	})

	t.Run("reused code", func(t *testing.T) {
		b := consoleBrowser(t, ts)
		cb := passportCallback(t, ts, b, linked.Email, pw)
		u, _ := url.Parse(ts.URL() + "/console/passport/")
		saved := b.Jar.Cookies(u)
		if res, _ := browse(t, b, cb); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: %d", res.StatusCode)
		}
		// A replay with the same code and the sign-in's cookie back.
		replay := consoleBrowser(t, ts)
		replay.Jar.SetCookies(u, saved)
		res, page := browse(t, replay, cb)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "unknown or was used") {
			t.Fatalf("replayed code: %d\n%s", res.StatusCode, page)
		}
		if got := signedInAs(t, ts, replay); got != "" {
			t.Fatalf("a replayed code signed in %q", got)
		}
	})

	t.Run("unlinked identity", func(t *testing.T) {
		// Same email as the agent, but not linked: email alone is no account.
		const upw = "an unlinked password"
		unlinked := newPassportIdentity(t, ts, ts.AgentEmail, upw, "")
		b := consoleBrowser(t, ts)
		res, page := browse(t, b, passportCallback(t, ts, b, unlinked.Email, upw))
		if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "No console account") {
			t.Fatalf("unlinked identity: %d\n%s", res.StatusCode, page)
		}
		if got := signedInAs(t, ts, b); got != "" {
			t.Fatalf("an unlinked identity signed in as %q", got)
		}
		trail, err := ts.Store().AuditFor(ctx, "identity:"+unlinked.ID)
		if err != nil || len(trail) != 1 || trail[0].Action != "passport.console_refused" {
			t.Fatalf("audit of the refusal: %+v, %v", trail, err)
		}
	})

	t.Run("removed agent", func(t *testing.T) {
		email, _ := ts.AddAgent(t, "kim@example.com", "Kim")
		kim, err := ts.Store().UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		const kpw = "kim's passport password"
		id := newPassportIdentity(t, ts, "kim.passport@example.com", kpw, kim.ID)
		if err := ts.Store().DeleteUser(ctx, kim.ID); err != nil {
			t.Fatal(err)
		}
		b := consoleBrowser(t, ts)
		res, _ := browse(t, b, passportCallback(t, ts, b, id.Email, kpw))
		if res.StatusCode != http.StatusForbidden || signedInAs(t, ts, b) != "" {
			t.Fatalf("a removed agent's identity: %d", res.StatusCode)
		}
	})

	t.Run("the passport's error comes back", func(t *testing.T) {
		b := consoleBrowser(t, ts)
		res, _ := browse(t, b, ts.URL()+"/console/passport/start")
		loc, _ := url.Parse(res.Header.Get("Location"))
		state := loc.Query().Get("state")
		res, page := browse(t, b, ts.URL()+"/console/passport/callback?error=access_denied&state="+url.QueryEscape(state))
		if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "access_denied") {
			t.Fatalf("error callback: %d\n%s", res.StatusCode, page)
		}
	})

	t.Run("the console client is not for the token endpoint", func(t *testing.T) {
		res, err := ts.Client().PostForm(ts.URL()+"/passport/token", url.Values{"grant_type": {"authorization_code"},
			"client_id": {"tandem-console"}, "code": {"tpc_x"}, "redirect_uri": {ts.URL() + "/console/passport/callback"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token endpoint as the console: %d, want 401", res.StatusCode)
		}
	})
}

// The --console-signin modes: each way in refuses when it is off, and
// the sign-in page is told which to show.
func TestConsoleSignInModes(t *testing.T) {
	for _, tc := range []struct {
		mode               string
		password, passport bool
	}{
		{"", true, true},
		{"both", true, true},
		{"password", true, false},
		{"passport", false, true},
	} {
		t.Run("mode "+tc.mode, func(t *testing.T) {
			ts := apptest.Start(t, app.Config{ConsoleSignIn: tc.mode}, "")
			res, body := browse(t, ts.Client(), ts.URL()+"/api/v1/console/signin")
			var got struct{ Password, Passport bool }
			if err := json.Unmarshal([]byte(body), &got); err != nil || res.StatusCode != 200 || got.Password != tc.password || got.Passport != tc.passport {
				t.Fatalf("signin methods = %d %s, want password %v passport %v", res.StatusCode, body, tc.password, tc.passport)
			}
			_, err := ts.Login(context.Background(), ts.AgentEmail, ts.AgentPassword)
			if (err == nil) != tc.password {
				t.Errorf("password sign-in: %v, want allowed %v", err, tc.password)
			}
			b := consoleBrowser(t, ts)
			res, _ = browse(t, b, ts.URL()+"/console/passport/start")
			if (res.StatusCode == http.StatusSeeOther) != tc.passport {
				t.Errorf("passport start: %d, want allowed %v", res.StatusCode, tc.passport)
			}
			res, _ = browse(t, b, ts.URL()+"/console/passport/callback?code=x&state=y")
			if !tc.passport && res.StatusCode != http.StatusNotFound {
				t.Errorf("passport callback with the passport off: %d, want 404", res.StatusCode)
			}
		})
	}
	if _, err := app.Start(context.Background(), app.Config{ConsoleSignIn: "sometimes", Addr: "127.0.0.1:0", DataDir: t.TempDir(), DemoAddr: "off", SSHAddr: "off"}); err == nil {
		t.Error("an unknown --console-signin started a server")
	}
}

// consolePassportCalls are the contract calls of the console's sign-in
// through the passport.
func consolePassportCalls(ts *apptest.TestServer) []contractCall {
	anon := ts.Client()
	noFollow := &http.Client{Transport: ts.API, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return []contractCall{
		{"GET", "/api/v1/console/signin", "", nil, anon, 200, ""},
		{"GET", "/console/passport/start", "", nil, noFollow, 303, ""},
		{"GET", "/console/passport/callback?state=not-this-browsers&code=tpc_x", "", nil, noFollow, 400, "/console/passport/callback"},
	}
}
