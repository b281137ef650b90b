package e2e

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// passportEnv is a Tandem with a person registered with its passport, and
// sites on other origins whose pages embed the SDK, in a Chromium that
// blocks third-party cookies.
type passportEnv struct {
	*env
	email, password string
	identity        *tandem.Identity
}

// passportSite is a site's page server and its registration.
type passportSite struct {
	site *tandem.Site
	url  string // the page's address, which is also its redirect URI
}

func setupPassport(t *testing.T) *passportEnv {
	t.Helper()
	// Chromium's switch for the web without third-party cookies (what
	// browsers ship by default now); blocked() proves it holds.
	e := setupWith(t, app.Config{}, browsertest.Options{Flags: map[string]any{"test-third-party-cookie-phaseout": true}})
	pe := &passportEnv{env: e, email: "sam@example.com", password: "sam's good password"}
	hash, err := password.HashWith(password.TestParams(), pe.password)
	if err != nil {
		t.Fatal(err)
	}
	pe.identity = &tandem.Identity{Email: pe.email, Name: "Sam Doe", PasswordHash: hash, CreatedAt: time.Now()}
	if err := pe.passportStore().CreateIdentity(context.Background(), pe.identity); err != nil {
		t.Fatal(err)
	}
	return pe
}

func (e *passportEnv) passportStore() store.Passport {
	st, ok := e.srv.Store().(store.Passport)
	if !ok {
		e.t.Fatal("the store keeps no passport")
	}
	return st
}

// addSite starts a page server on host (127.0.0.1 or localhost, a port of
// its own) and registers it with Tandem and its passport; line sets the
// site's passport configuration (lifetimes, one device).
func (e *passportEnv) addSite(name, host string, line tandem.ServiceLine) *passportSite {
	t := e.t
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := fmt.Sprintf("http://%s:%d", host, l.Addr().(*net.TCPAddr).Port)
	ps := &passportSite{url: origin + "/"}
	ps.site = &tandem.Site{Name: name, AllowedOrigins: []string{origin}}
	ctx := context.Background()
	if err := e.srv.Store().CreateSite(ctx, ps.site); err != nil {
		t.Fatal(err)
	}
	line.SiteID, line.Domains, line.RedirectURIs = ps.site.ID, ps.site.AllowedOrigins, []string{ps.url}
	line.Devices = []tandem.DeviceKind{tandem.DeviceBrowser}
	if line.AccessTTL == 0 {
		line.AccessTTL = time.Hour
	}
	if line.RefreshTTL == 0 {
		line.RefreshTTL = 24 * time.Hour
	}
	line.CreatedAt, line.UpdatedAt = time.Now(), time.Now()
	if err := e.passportStore().PutServiceLine(ctx, &line); err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: sitePages(name, e.srv.URL(), ps.site.Key)}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ps
}

// sitePages serves a site's page: who is signed in, "Sign in" and "Sign
// out", the SDK from Tandem, and a record of the page's requests to the
// passport and of the changes the SDK announced. /cookie is a page that
// sets a cookie and says whether it can read it back, and whether it has
// storage access (for the third-party cookie check); /frame embeds another
// origin's /cookie.
func sitePages(name, tandemURL, key string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>%[1]s</title></head><body>
<h1>%[1]s</h1>
<p>Signed in: <span id="who"></span></p>
<button id="signin" onclick="Tandem.passport.signIn()">Sign in</button>
<button id="signout" onclick="Tandem.passport.signOut()">Sign out</button>
<script>
// Every request of the SDK to the passport, and every change it announced.
window.passportCalls = [];
window.changes = [];
const pageFetch = window.fetch;
window.fetch = (u, o) => { if (String(u).includes("/passport/")) passportCalls.push(String(u).replace(/^.*\/passport\//, "")); return pageFetch(u, o); };
function show() { const u = Tandem.passport.user(); document.getElementById("who").textContent = u ? u.email : ""; }
addEventListener("tandem:ready", () => { Tandem.passport.onChange((c) => { changes.push(c.reason); show(); }); show(); });
addEventListener("tandem:passport", () => { window.passportReady = true; show(); });
</script>
<script src="%[2]s/sdk.js" data-site="%[3]s" data-button="false"></script>
</body></html>`, html.EscapeString(name), tandemURL, key)
	})
	mux.HandleFunc("GET /cookie", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><script>
document.cookie = "probe=1; SameSite=None; Secure; Path=/";
const got = document.cookie.includes("probe=1");
if (parent !== window) document.hasStorageAccess().then((sa) => parent.postMessage({cookie: got, access: sa}, "*")); else window.cookieResult = got;
</script>`)
	})
	mux.HandleFunc("GET /frame", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><script>addEventListener("message", (e) => { window.storageAccess = e.data.access; window.probe = JSON.stringify(e.data); window.cookieResult = e.data.cookie; });</script>
<iframe src="%s/cookie"></iframe>`, html.EscapeString(r.URL.Query().Get("origin")))
	})
	return mux
}

// open opens the site's page in ctx and waits until the SDK's passport
// has started (a sign-in finished or a cached one checked).
func (ps *passportSite) open(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Run(t, ctx, "open "+ps.site.Name, chromedp.Navigate(ps.url))
	waitJS(t, ctx, "the SDK's passport on "+ps.site.Name, `window.passportReady === true`)
}

// signInWithForm clicks "Sign in" on the site's open page and fills the
// passport's form, and waits until the page is back and signed in.
func (e *passportEnv) signInWithForm(t *testing.T, ctx context.Context, ps *passportSite) {
	t.Helper()
	browsertest.Run(t, ctx, "sign in on "+ps.site.Name, browsertest.Clicked(`#signin`))
	browsertest.Run(t, ctx, "the passport's form",
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, e.email),
		chromedp.SendKeys(`#password`, e.password),
		browsertest.Clicked(`button[type=submit]`),
	)
	e.waitSignedIn(t, ctx, ps)
}

// waitSignedIn waits until the site's page says the person is signed in.
func (e *passportEnv) waitSignedIn(t *testing.T, ctx context.Context, ps *passportSite) {
	t.Helper()
	waitJS(t, ctx, "signed in on "+ps.site.Name, `window.passportReady === true && document.getElementById("who")?.textContent === `+jsString(e.email))
}

// pageToken is the access token the page holds.
func pageToken(t *testing.T, ctx context.Context) string {
	t.Helper()
	tok := awaitJS[string](t, ctx, `Tandem.passport.token()`)
	if !strings.HasPrefix(tok, "tpa_") {
		t.Fatalf("the page's token is %q", tok)
	}
	return tok
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// sameBrowserTab opens another tab in ctx's browser context (the same
// cookies and storage, as a person's second tab).
func sameBrowserTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	c := chromedp.FromContext(ctx)
	if c == nil || c.Target == nil {
		t.Fatal("sameBrowserTab: ctx has no tab")
	}
	exec := cdp.WithExecutor(ctx, c.Browser)
	info, err := target.GetTargetInfo().WithTargetID(c.Target.TargetID).Do(exec)
	if err != nil {
		t.Fatalf("the tab's browser context: %v", err)
	}
	tid, err := target.CreateTarget("about:blank").WithBrowserContextID(info.BrowserContextID).Do(exec)
	if err != nil {
		t.Fatalf("second tab: %v", err)
	}
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(tid))
	if err := chromedp.Run(tab); err != nil {
		cancel()
		t.Fatalf("attach to the second tab: %v", err)
	}
	t.Cleanup(cancel)
	return tab
}

// grantOf is the grant (the sign-in) an access token belongs to.
func (e *passportEnv) grantOf(t *testing.T, token string) string {
	t.Helper()
	v, err := e.srv.Passport().Verify(context.Background(), token)
	if err != nil || !v.Active {
		t.Fatalf("verify %s: %+v %v", token, v, err)
	}
	return v.GrantID
}

// awaitJS evaluates a JavaScript expression that returns a promise and
// returns what it resolves to.
func awaitJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	var v T
	browsertest.Run(t, ctx, "evaluate "+expr, chromedp.Evaluate(expr, &v, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	return v
}

// signedOutWith waits until the page shows the passport's sign-out
// message, says nobody is signed in, and announced reason.
func signedOutWith(t *testing.T, ctx context.Context, ps *passportSite, reason, message string) {
	t.Helper()
	waitJS(t, ctx, "the sign-out message on "+ps.site.Name,
		`document.querySelector('[data-tandem-passport=message][role=status]')?.textContent === `+jsString(message))
	waitJS(t, ctx, "signed out on "+ps.site.Name, `document.getElementById("who").textContent === "" && changes.includes(`+jsString(reason)+`)`)
	if browsertest.Eval[bool](t, ctx, `localStorage.getItem("tandem.passport.`+ps.site.Key+`") !== null`) {
		t.Fatal("the signed-out page still caches the sign-in")
	}
}
