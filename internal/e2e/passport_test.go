package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"

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
