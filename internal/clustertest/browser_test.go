package clustertest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/clustertest"
)

// run runs chromedp actions and fails the test with what was being done.
func run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitJS waits until the JavaScript expression is truthy, at most timeout.
func waitJS(t testing.TB, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, timeout)
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
	waitJS(t, ctx, "the SDK's "+name+" control", sdkUI(name), 30*time.Second)
	run(t, ctx, "click "+name, chromedp.Evaluate(sdkUI(name)+`.click()`, nil))
}

// mirrorDoc is the expression for the document the console redraws.
const mirrorDoc = `document.querySelector('[data-testid=mirror] iframe')?.contentDocument`

// signatureJS describes a document's elements with ids: tag, id, own text
// of leaf elements, and the state of form fields (masked ones by length).
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

// mirrorConverges waits until the agent's mirror describes the same
// elements as the person's page, and returns when it did.
func mirrorConverges(t testing.TB, person, agent context.Context, what string, deadline time.Time) time.Time {
	t.Helper()
	var want, got string
	for {
		want = eval[string](t, person, `(`+signatureJS+`)(document)`)
		if strings.Count(want, "\n") < 2 {
			t.Fatalf("%s: the person's page has too little to compare:\n%s", what, want)
		}
		got = eval[string](t, agent, `(`+signatureJS+`)(`+mirrorDoc+`)`)
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
	run(t, ctx, "open the console", chromedp.Navigate(c.PublicURL()+"/console/"))
	run(t, ctx, "sign in",
		chromedp.WaitVisible(`[data-testid=login-email]`),
		chromedp.SendKeys(`[data-testid=login-email]`, a.Email),
		chromedp.SendKeys(`[data-testid=login-password]`, a.Password),
		chromedp.Click(`[data-testid=login-submit]`),
	)
	waitJS(t, ctx, "the console after sign-in", `!document.querySelector('[data-testid=login-email]')`, 30*time.Second)
}
