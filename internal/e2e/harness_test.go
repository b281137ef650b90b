// Package e2e drives Tandem end to end: a person's page on the demo site and
// the agent console, each in its own headless Chromium context, against a
// server started by the test.
package e2e

import (
	"context"
	"fmt"
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

// run runs chromedp actions and fails the test with what was being done.
func run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitJS waits until the JavaScript expression is truthy.
func waitJS(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(wctx, chromedp.Poll(expr, nil, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		var dump string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body ? document.body.innerText.slice(0, 2000) : ""`, &dump))
		t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, expr, err, dump)
	}
}

func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	var v T
	if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &v)); err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// sdkUI is the expression for an element of the SDK's widget.
func sdkUI(name string) string {
	return fmt.Sprintf(`document.querySelector('[data-tandem-root]')?.shadowRoot?.querySelector('[data-tandem-ui=%q]')`, name)
}

// clickSDK clicks a control of the SDK's widget once it is there.
func clickSDK(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	waitJS(t, ctx, "the SDK's "+name+" control", sdkUI(name))
	run(t, ctx, "click "+name, chromedp.Evaluate(sdkUI(name)+`.click()`, nil))
}

// mirrorDoc is the expression for the document the console redraws.
const mirrorDoc = `document.querySelector('[data-testid=mirror] iframe')?.contentDocument`

// signatureJS returns a function that describes a document's elements with
// ids: tag, id, own text of leaf elements, and the state of form fields.
// Masked fields are described by their length only.
const signatureJS = `(doc) => {
  if (!doc || !doc.body) return "";
  const out = [];
  for (const el of doc.querySelectorAll('[id]')) {
    if (el.closest('[data-tandem-root], [data-tandem-block], [rr_width]')) continue;
    const masked = el.closest('[data-tandem-mask]');
    let v = '';
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') {
      const secret = masked || el.type === 'password' || (el.getAttribute('autocomplete') || '').startsWith('cc-') || /card|cc-/.test(el.getAttribute('name') || '');
      v = (el.type === 'checkbox' || el.type === 'radio') ? String(el.checked) : secret ? 'len:' + el.value.length : el.value;
    }
    let text = '';
    if (el.children.length === 0 && el.tagName !== 'SCRIPT' && el.tagName !== 'STYLE' && el.tagName !== 'TEXTAREA') {
      text = el.textContent.trim().replace(/\s+/g, ' ');
      text = masked ? 'len:' + text.length : text.slice(0, 60);
    }
    out.push(el.tagName + '#' + el.id + ' ' + text + ' | ' + v);
  }
  return out.join('\n');
}`

func personSignature(t testing.TB, ctx context.Context) string {
	return eval[string](t, ctx, `(`+signatureJS+`)(document)`)
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
		got = eval[string](t, agent, `(`+signatureJS+`)(`+mirrorDoc+`)`)
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
		if got = eval[string](t, agent, `(`+signatureJS+`)(`+mirrorDoc+`)`); got == want {
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
	run(t, ctx, "open console", chromedp.Navigate(e.srv.URL()+"/console/"))
	run(t, ctx, "log in",
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
	run(e.t, ctx, "open demo page "+page, chromedp.Navigate(e.srv.Demo().SiteURL+"/"+page))
	waitJS(e.t, ctx, "the SDK to load", sdkUI("help"))
}

// requestAndAccept has the person ask for help and the agent accept, and
// returns the assist id once the person sees the prompt.
func requestAndAccept(t testing.TB, person, agent context.Context) string {
	t.Helper()
	clickSDK(t, person, "help")
	waitJS(t, person, "the waiting message", sdkUI("cancel"))
	waitJS(t, agent, "the request in the queue", `document.querySelector('[data-testid=queue-item][data-state=waiting]')`)
	id := eval[string](t, agent, `document.querySelector('[data-testid=queue-item][data-state=waiting]').dataset.assistId`)
	run(t, agent, "accept", chromedp.Click(`[data-testid=queue-item][data-state=waiting] [data-testid=accept]`))
	waitJS(t, person, "the consent prompt", sdkUI("allow"))
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
