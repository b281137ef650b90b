// Package e2e drives Tandem end to end: a person's page on the demo site and
// the agent console, each in its own headless Chromium context, against a
// server started by the test.
package e2e

import (
	"context"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/backendtest"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/password"
)

// env is one Tandem with its demo site, and a browser.
type env struct {
	t       testing.TB
	srv     *app.Server
	data    string
	proxy   *cutProxy // between people's pages and Tandem
	browser context.Context
}

func setup(t testing.TB) *env {
	t.Helper()
	return setupWith(t, app.Config{}, browsertest.Options{})
}

// setupOnDisk is setup on the SQLite file and blob directory in the data
// directory, whatever backendtest selects: for the tests that read what
// was stored, file by file.
func setupOnDisk(t testing.TB) *env {
	t.Helper()
	data := t.TempDir()
	return setupWith(t, app.Config{DataDir: data,
		StoreURL: backend.SQLiteURL(filepath.Join(data, app.DBFile)),
		BlobsURL: backend.FileURL(filepath.Join(data, app.BlobsDir))}, browsertest.Options{})
}

// setupWith is setup with extra server settings and browser flags.
func setupWith(t testing.TB, cfg app.Config, opts browsertest.Options) *env {
	t.Helper()
	proxy := newCutProxy(t)
	data := cfg.DataDir
	if data == "" {
		data = t.TempDir()
	}
	cfg.Addr, cfg.DemoAddr, cfg.SSHAddr, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", "off", data
	if cfg.StoreURL == "" && cfg.BlobsURL == "" {
		cfg.StoreURL, cfg.BlobsURL = backendtest.URLs(t, data)
	}
	cfg.DemoSDKURL, cfg.Grace = proxy.URL(), 20*time.Second
	cfg.Logger = slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := app.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start tandem: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	u, _ := url.Parse(srv.URL())
	proxy.setTarget(u.Host)
	return &env{t: t, srv: srv, data: data, proxy: proxy, browser: browsertest.Start(t, opts)}
}

type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// tab opens a fresh browser context (its own cookies and storage).
func (e *env) tab() context.Context {
	return browsertest.NewContext(e.t, e.browser, 3*time.Minute)
}

// waitJS waits until the JavaScript expression is truthy, at most 30 s.
func waitJS(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	browsertest.WaitJS(t, ctx, what, expr, 30*time.Second)
}

func personSignature(t testing.TB, ctx context.Context) string {
	return browsertest.Eval[string](t, ctx, `(`+browsertest.SignatureJS+`)(document)`)
}

// waitMirrorMatches waits until the console's mirror describes the same
// elements as the person's page.
func waitMirrorMatches(t testing.TB, person, agent context.Context, what string) {
	t.Helper()
	want := personSignature(t, person)
	if strings.Count(want, "\n") < 2 {
		t.Fatalf("%s: the person's page has too little to compare:\n%s", what, want)
	}
	deadline := time.Now().Add(30 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		got = browsertest.Eval[string](t, agent, `(`+browsertest.SignatureJS+`)(`+browsertest.MirrorDoc+`)`)
		if got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
		want = personSignature(t, person)
	}
	t.Fatalf("%s: the mirror does not match the person's page\nperson:\n%s\n\nmirror:\n%s", what, want, got)
}

// waitMirrorShows waits until the console's mirror has the signature want.
func waitMirrorShows(t testing.TB, agent context.Context, want, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		if got = browsertest.Eval[string](t, agent, `(`+browsertest.SignatureJS+`)(`+browsertest.MirrorDoc+`)`); got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: the mirror does not show the expected page\nwant:\n%s\n\nmirror:\n%s", what, want, got)
}

// loginConsole signs the agent in to the console.
func (e *env) loginConsole(ctx context.Context, email, password string) {
	t := e.t
	t.Helper()
	browsertest.Run(t, ctx, "open console", chromedp.Navigate(e.srv.URL()+"/console/"))
	browsertest.Run(t, ctx, "log in",
		chromedp.WaitVisible(`[data-testid=login-email]`),
		chromedp.SendKeys(`[data-testid=login-email]`, email),
		chromedp.SendKeys(`[data-testid=login-password]`, password),
		chromedp.Click(`[data-testid=login-submit]`),
	)
	waitJS(t, ctx, "the console after login", `!document.querySelector('[data-testid=login-email]')`)
}

// openDemo opens a demo page as the person.
func (e *env) openDemo(ctx context.Context, page string) {
	e.t.Helper()
	browsertest.Run(e.t, ctx, "open demo page "+page, chromedp.Navigate(e.srv.Demo().SiteURL+"/"+page))
	waitJS(e.t, ctx, "the SDK to load", browsertest.SDKUI("help"))
}

// requestAndAccept has the person ask for help and the agent accept, and
// returns the assist id once the person sees the prompt.
func requestAndAccept(t testing.TB, person, agent context.Context) string {
	t.Helper()
	browsertest.ClickSDK(t, person, "help")
	waitJS(t, person, "the waiting message", browsertest.SDKUI("cancel"))
	waitJS(t, agent, "the request in the queue", `document.querySelector('[data-testid=queue-item][data-state=waiting]')`)
	id := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=queue-item][data-state=waiting]').dataset.assistId`)
	browsertest.Run(t, agent, "accept", chromedp.Click(`[data-testid=queue-item][data-state=waiting] [data-testid=accept]`))
	waitJS(t, person, "the consent prompt", browsertest.SDKUI("allow"))
	return id
}

// askForHelp signs the demo agent in to the console, opens pageName as the
// person, has the person ask for help and the agent accept, and returns the
// assist id once the person sees the consent prompt.
func askForHelp(t testing.TB, e *env, person, agent context.Context, pageName string) string {
	t.Helper()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)
	e.openDemo(person, pageName)
	return requestAndAccept(t, person, agent)
}

// addAgent creates another agent account and returns its login.
func addAgent(t testing.TB, e *env, email, name string) (string, string) {
	t.Helper()
	pw := "a good long password"
	hash, err := password.HashWith(password.TestParams(), pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Store().CreateUser(context.Background(), &tandem.User{Email: email, Name: name, PasswordHash: hash, Role: tandem.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	return email, pw
}
