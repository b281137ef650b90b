package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/passportclient"
)

// thirdPartyCookiesBlocked proves the browser blocks third-party cookies:
// a page of a's origin sets and reads a cookie at the top level, and
// cannot when framed by b's (another site).
func thirdPartyCookiesBlocked(t *testing.T, ctx context.Context, a, b *passportSite) {
	t.Helper()
	origin := strings.TrimSuffix(a.url, "/")
	browsertest.Run(t, ctx, "a cookie at the top level", chromedp.Navigate(origin+"/cookie"))
	waitJS(t, ctx, "the top-level cookie", `window.cookieResult === true`)
	browsertest.Run(t, ctx, "a cookie in a cross-site frame", chromedp.Navigate(b.url+"frame?origin="+origin))
	waitJS(t, ctx, "the framed page's answer", `window.cookieResult !== undefined`)
	if browsertest.Eval[bool](t, ctx, `window.cookieResult`) || browsertest.Eval[bool](t, ctx, `window.storageAccess`) {
		t.Fatalf("a cross-site frame has cookies (%s): third-party cookies are not blocked", browsertest.Eval[string](t, ctx, `window.probe`))
	}
}

// navigations records the addresses the tab's main frame committed to.
func navigations(ctx context.Context) func() []string {
	var mu sync.Mutex
	var urls []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*page.EventFrameNavigated); ok && e.Frame.ParentID == "" {
			mu.Lock()
			urls = append(urls, e.Frame.URL)
			mu.Unlock()
		}
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), urls...)
	}
}

// TestPassportAcrossSites: signed in on site A with the passport's form,
// the person opens site B on another site (third-party cookies blocked)
// and is signed in there without a form, by a top-level redirect; a
// re-visit of A uses the cached token without asking the passport; A's
// back end verifies the token the page holds; signing out revokes it.
func TestPassportAcrossSites(t *testing.T) {
	e := setupPassport(t)
	a := e.addSite("Shop A", "127.0.0.1", tandem.ServiceLine{})
	b := e.addSite("Shop B", "localhost", tandem.ServiceLine{})
	ctx := e.tab()
	thirdPartyCookiesBlocked(t, ctx, b, a)

	a.open(t, ctx)
	if who := browsertest.Eval[string](t, ctx, `document.getElementById("who").textContent`); who != "" {
		t.Fatalf("signed in before signing in: %q", who)
	}
	e.signInWithForm(t, ctx, a)
	if u := browsertest.Eval[string](t, ctx, `location.href`); u != a.url {
		t.Fatalf("the page's address after the sign-in is %s, want %s (code and state removed)", u, a.url)
	}
	if got := browsertest.Eval[[]string](t, ctx, `changes`); strings.Join(got, ",") != "signed_in" {
		t.Fatalf("changes announced on A: %v", got)
	}
	tokA := pageToken(t, ctx)

	// Site B: a redirect to the passport and straight back, no form.
	seen := navigations(ctx)
	b.open(t, ctx)
	browsertest.Run(t, ctx, "sign in on B", browsertest.Clicked(`#signin`))
	e.waitSignedIn(t, ctx, b)
	for _, u := range seen() {
		if strings.Contains(u, "/passport/") {
			t.Fatalf("the browser showed a passport page on the way to B: %v", seen())
		}
	}
	if tokB := pageToken(t, ctx); tokB == tokA {
		t.Fatal("B holds A's token")
	}
	if n := browsertest.Eval[int](t, ctx, `Object.keys(localStorage).filter((k) => k.startsWith("tandem.passport.")).length`); n != 1 {
		t.Fatalf("B's storage holds %d passport entries, want its own only", n)
	}

	// A re-visit within the token's validity asks the passport nothing
	// (but follows the sign-in's live news).
	a.open(t, ctx)
	e.waitSignedIn(t, ctx, a)
	if calls := browsertest.Eval[[]string](t, ctx, `passportCalls.filter((c) => c !== "events")`); len(calls) != 0 {
		t.Fatalf("a re-visit asked the passport: %v", calls)
	}
	if tok := pageToken(t, ctx); tok != tokA {
		t.Fatal("a re-visit changed the token")
	}

	// A's back end (a public site: its key alone) verifies the page's token.
	pc := passportclient.New(passportclient.Config{URL: e.srv.URL(), ClientID: a.site.Key, CacheTTL: -1})
	r, err := pc.Verify(context.Background(), tokA)
	if err != nil || !r.Active || r.IdentityID != e.identity.ID || r.SiteID != a.site.ID {
		t.Fatalf("back-end verify: %+v %v; want active, identity %s, site %s", r, err, e.identity.ID, a.site.ID)
	}

	// Signing out revokes the token and forgets it.
	browsertest.Run(t, ctx, "sign out", browsertest.Clicked(`#signout`))
	waitJS(t, ctx, "signed out on A", `document.getElementById("who").textContent === "" && !localStorage.getItem("tandem.passport.`+a.site.Key+`")`)
	waitJS(t, ctx, "the revocation answered", `performance.getEntriesByType("resource").some((r) => r.name.endsWith("/passport/revoke"))`)
	if r, err = pc.Verify(context.Background(), tokA); err != nil || r.Active || r.Reason != "revoked" {
		t.Fatalf("verify after signing out: %+v %v; want inactive, revoked", r, err)
	}
}

const elsewhere = "You were signed out because you signed in on another device."

// TestPassportSignedInElsewhere: on a one-device site, a sign-in from
// another browser signs the first out with the message: live, over the
// events stream (after a monitor's refresh-ahead went the same way), and
// on the validity query of a page that was not open then.
func TestPassportSignedInElsewhere(t *testing.T) {
	e := setupPassport(t)
	a := e.addSite("Shop A", "127.0.0.1", tandem.ServiceLine{OneDevice: true})
	first := e.tab()
	a.open(t, first)
	e.signInWithForm(t, first, a)
	tok := pageToken(t, first)

	// The monitor's refresh-ahead reaches the page over its stream: it
	// refreshes now (which also proves the stream is up).
	if err := e.srv.Passport().RequestRefresh(context.Background(), e.grantOf(t, tok), "test"); err != nil {
		t.Fatal(err)
	}
	waitJS(t, first, "the refresh the monitor asked for", `changes.includes("refreshed")`)
	if pageToken(t, first) == tok {
		t.Fatal("the page kept its token after refreshing")
	}

	// Another browser signs in: the first hears it over its stream.
	second := e.tab()
	a.open(t, second)
	e.signInWithForm(t, second, a)
	signedOutWith(t, first, a, "signed_in_elsewhere", elsewhere)
	if calls := browsertest.Eval[[]string](t, first, `passportCalls`); strings.Contains(strings.Join(calls, ","), "userinfo") {
		t.Fatalf("the first page asked userinfo; the stream should have told it: %v", calls)
	}

	// The second page leaves (its cache stays); a third browser signs in;
	// the second page's next visit, its check over a minute old, asks the
	// passport and signs out with the message.
	browsertest.Run(t, second, "leave A", chromedp.Navigate(strings.TrimSuffix(a.url, "/")+"/cookie"))
	browsertest.Run(t, second, "age the cached check", chromedp.Evaluate(`(() => {
  const k = "tandem.passport.`+a.site.Key+`";
  const c = JSON.parse(localStorage.getItem(k));
  c.checkedAt = 0;
  localStorage.setItem(k, JSON.stringify(c));
})()`, nil))
	third := e.tab()
	a.open(t, third)
	e.signInWithForm(t, third, a)
	browsertest.Run(t, second, "back to A", chromedp.Navigate(a.url))
	signedOutWith(t, second, a, "signed_in_elsewhere", elsewhere)
	if calls := browsertest.Eval[[]string](t, second, `passportCalls`); !strings.Contains(strings.Join(calls, ","), "userinfo") {
		t.Fatalf("the second page did not ask userinfo on load: %v", calls)
	}
	if who := browsertest.Eval[string](t, third, `document.getElementById("who").textContent`); who != e.email {
		t.Fatalf("the newest sign-in is gone too: %q", who)
	}
}

// TestPassportRefreshAndRevoke: an expired access token is refreshed;
// two tabs refreshing the same token at once end with the same new one;
// revoking the sign-in signs both tabs out with the message.
func TestPassportRefreshAndRevoke(t *testing.T) {
	e := setupPassport(t)
	// A four-second access token: the SDK refreshes a second before expiry.
	a := e.addSite("Shop A", "127.0.0.1", tandem.ServiceLine{AccessTTL: 4 * time.Second})
	one := e.tab()
	a.open(t, one)
	e.signInWithForm(t, one, a)
	first := pageToken(t, one)

	// Expiry: the token the page holds lapses; asking for one refreshes.
	waitJS(t, one, "a refreshed token", `Tandem.passport.token().then((t) => { window.latest = t; }), window.latest && window.latest !== `+jsString(first))
	second := browsertest.Eval[string](t, one, `window.latest`)
	pc := passportclient.New(passportclient.Config{URL: e.srv.URL(), ClientID: a.site.Key, CacheTTL: -1})
	if r, err := pc.Verify(context.Background(), second); err != nil || !r.Active {
		t.Fatalf("the refreshed token: %+v %v", r, err)
	}
	if r, err := pc.Verify(context.Background(), first); err != nil || r.Active {
		t.Fatalf("the replaced token: %+v %v", r, err)
	}

	// Two tabs of the same browser refresh the same token at once.
	two := sameBrowserTab(t, one)
	a.open(t, two)
	e.waitSignedIn(t, two, a)
	for _, tab := range []context.Context{one, two} {
		// A tab may hear the go before the other tab's write to
		// localStorage reaches it (Chromium hands storage changes to
		// other tabs asynchronously): it asks for a token once it sees
		// the expired entry, or the token the other tab already got.
		browsertest.Run(t, tab, "wait for the go", chromedp.Evaluate(`window.raced = new Promise((res) => {
  const k = "tandem.passport.`+a.site.Key+`";
  const ready = () => {
    const c = JSON.parse(localStorage.getItem(k) || "null");
    if (c && (c.refreshAt === 0 || c.access !== `+jsString(second)+`)) Tandem.passport.token().then(res);
    else setTimeout(ready, 5);
  };
  new BroadcastChannel("race").onmessage = ready;
}); passportCalls.length = 0`, nil))
	}
	browsertest.Run(t, one, "expire the cached token, and go", chromedp.Evaluate(`(() => {
  const k = "tandem.passport.`+a.site.Key+`";
  const c = JSON.parse(localStorage.getItem(k));
  c.refreshAt = 0;
  localStorage.setItem(k, JSON.stringify(c));
  new BroadcastChannel("race").postMessage("go");
})()`, nil))
	got1, got2 := awaitJS[string](t, one, `window.raced`), awaitJS[string](t, two, `window.raced`)
	t.Logf("token requests: tab one %v, tab two %v", browsertest.Eval[[]string](t, one, `passportCalls`), browsertest.Eval[[]string](t, two, `passportCalls`))
	if got1 != got2 || got1 == second || !strings.HasPrefix(got1, "tpa_") {
		t.Fatalf("after a concurrent refresh: tab one %q, tab two %q (before %q)", got1, got2, second)
	}
	if r, err := pc.Verify(context.Background(), got1); err != nil || !r.Active {
		t.Fatalf("the token both tabs hold: %+v %v", r, err)
	}

	// Revoked (as the monitor does): both tabs are signed out.
	if err := e.srv.Passport().EndGrant(context.Background(), e.grantOf(t, got1), tandem.GrantRevoked, "test"); err != nil {
		t.Fatal(err)
	}
	for _, tab := range []context.Context{one, two} {
		signedOutWith(t, tab, a, "revoked", "You were signed out: your sign-in was revoked.")
	}
}
