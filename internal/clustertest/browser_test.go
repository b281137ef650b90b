package clustertest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/clustertest"
)

// mirrorConverges waits until the agent's mirror describes the same
// elements as the person's page, and returns when it did.
func mirrorConverges(t testing.TB, person, agent context.Context, what string, deadline time.Time) time.Time {
	t.Helper()
	var want, got string
	for {
		want = browsertest.Eval[string](t, person, `(`+browsertest.SignatureJS+`)(document)`)
		if strings.Count(want, "\n") < 2 {
			t.Fatalf("%s: the person's page has too little to compare:\n%s", what, want)
		}
		got = browsertest.Eval[string](t, agent, `(`+browsertest.SignatureJS+`)(`+browsertest.MirrorDoc+`)`)
		if got == want {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the mirror does not match the person's page\nperson:\n%s\n\nmirror:\n%s", what, want, got)
		}
		// The mirror changes as frames arrive, which the test does not
		// see: compare again shortly (polling, as a person would look).
		time.Sleep(100 * time.Millisecond)
	}
}

// signIn signs an agent in to the console through the balancer.
func signIn(t testing.TB, ctx context.Context, c *clustertest.Cluster, a clustertest.Agent) {
	t.Helper()
	browsertest.Run(t, ctx, "open the console", chromedp.Navigate(c.PublicURL()+"/console/"))
	browsertest.Run(t, ctx, "sign in",
		chromedp.WaitVisible(`[data-testid=login-email]`),
		chromedp.SendKeys(`[data-testid=login-email]`, a.Email),
		chromedp.SendKeys(`[data-testid=login-password]`, a.Password),
		chromedp.Click(`[data-testid=login-submit]`),
	)
	browsertest.WaitJS(t, ctx, "the console after sign-in", `!document.querySelector('[data-testid=login-email]')`, 30*time.Second)
}
