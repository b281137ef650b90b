package sshrelay_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/web"
)

// agentAuth signs every request in as agent, as the console's cookie would.
func agentAuth(agent *tandem.User) func(*http.Request) (*tandem.User, error) {
	return func(r *http.Request) (*tandem.User, error) {
		if r.Header.Get("X-No-Auth") != "" {
			return nil, errors.New("not signed in")
		}
		return agent, nil
	}
}

// shareWithConsole shares a session that alice and the server's agents may
// join, and starts the console for the agent Robin.
func (e *testEnv) shareWithConsole() (alice testKey, agent *tandem.User, h *host, ts *httptest.Server) {
	e.t.Helper()
	alice = e.key("alice")
	agent = e.agent("Robin")
	h = e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{alice.authorized}
		c.AllowAgents = true
	})
	return alice, agent, h, e.consoleServer(agent)
}

// consoleServer mounts the relay's API and the web terminal's page and
// assets, as the lead's server does.
func (e *testEnv) consoleServer(agent *tandem.User) *httptest.Server {
	e.t.Helper()
	dist := web.Dist()
	for _, f := range []string{"terminal.html", "terminal.js", "terminal.css"} {
		if _, err := fs.Stat(dist, f); err != nil {
			e.t.Fatalf("web/dist/%s is missing: run `cd web && node build.mjs`", f)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", e.srv.HTTPHandler(agentAuth(agent)))
	mux.HandleFunc("GET /terminal/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, dist, "terminal.html")
	})
	mux.HandleFunc("GET /assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, dist, r.PathValue("file"))
	})
	ts := httptest.NewServer(mux)
	e.t.Cleanup(ts.Close)
	return ts
}

func (e *testEnv) agent(name string) *tandem.User {
	e.t.Helper()
	u := &tandem.User{Email: strings.ToLower(name) + "@example.com", Name: name, Role: tandem.RoleAgent}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// waitText polls the text of sel until it contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	var got string
	for time.Now().Before(deadline) {
		if err := chromedp.Run(ctx, chromedp.Text(sel, &got, chromedp.ByQuery)); err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		if strings.Contains(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q; last: %q", sel, want, got)
}

// An agent opens the live session in the console's web terminal: what they
// type reaches the host, and they see what an SSH helper types. After the
// session ends, its recording replays in the same page.
func TestWebTerminalInChromium(t *testing.T) {
	e := newEnv(t)
	alice, _, h, ts := e.shareWithConsole()
	ctx := browsertest.Start(t, browsertest.Options{})
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	const screen = `[data-testid="terminal"] .xterm-rows`
	if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/terminal/"+h.ID)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `[data-testid="terminal-status"]`, "live")
	h.out.waitFor(t, "Robin joined", wait)
	waitText(t, ctx, screen, "$")

	a := e.join(h.ID, alice, 100, 30)
	h.out.waitFor(t, "alice joined", wait)
	a.typeText("echo from-ssh-$((3*3))\r")
	waitText(t, ctx, screen, "from-ssh-9")

	// Typed as a keyboard would: text, then the Enter key.
	if err := chromedp.Run(ctx,
		chromedp.Focus(`[data-testid="terminal"] .xterm-helper-textarea`, chromedp.ByQuery),
		input.InsertText("echo from-web-$((4*4))"),
		chromedp.KeyEvent(kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	h.out.waitFor(t, "from-web-16", wait)
	a.out.waitFor(t, "from-web-16", wait)
	waitText(t, ctx, screen, "from-web-16")
	waitText(t, ctx, "#tt-helpers", "alice")

	// The host ends the session; the page says so, and the replay shows
	// what happened.
	h.stdin.Write([]byte("exit\r"))
	h.Wait()
	waitText(t, ctx, `[data-testid="terminal-status"]`, "ended")
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/terminal/"+h.ID+"?replay=1"),
		chromedp.WaitVisible(`[data-testid="replay-speed"]`, chromedp.ByQuery),
		chromedp.SetValue(`[data-testid="replay-speed"]`, "16", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `[data-testid="terminal-status"]`, "replay finished")
	waitText(t, ctx, screen, "from-web-16")
	waitText(t, ctx, screen, "from-ssh-9")
}
