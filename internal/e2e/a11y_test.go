package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// axeViolation is what axe-core reports of one rule that failed.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  json.RawMessage `json:"target"`
		Summary string          `json:"failureSummary"`
	} `json:"nodes"`
}

// axeSource is axe-core's browser build, installed with the front end's
// other packages (web/package.json).
func axeSource(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core (run npm ci in web/): %v", err)
	}
	return string(b)
}

// checkAccessible runs axe-core's WCAG 2.1 A and AA rules on the page in
// ctx, within the elements include selects (the whole document when
// empty; a shadow host's shadow tree is checked with it), and fails on
// every serious or critical violation.
func checkAccessible(t testing.TB, ctx context.Context, what, include string) {
	t.Helper()
	var loaded bool
	browsertest.Run(t, ctx, "load axe-core for "+what, chromedp.Evaluate(`typeof axe === 'object' || (()=>{`+axeSource(t)+`
		return typeof axe === 'object'; })()`, &loaded))
	if !loaded {
		t.Fatalf("%s: axe-core did not load", what)
	}
	// The mirror's frame is the person's page, not the console's to fix.
	context := `{ exclude: [['[data-testid=mirror] iframe']] }`
	if include != "" {
		context = fmt.Sprintf(`{ include: [[%q]], exclude: [['[data-testid=mirror] iframe']] }`, include)
	}
	var raw string
	browsertest.Run(t, ctx, "check "+what, chromedp.Evaluate(`axe.run(`+context+`, {
			runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
			resultTypes: ['violations'],
		}).then(r => JSON.stringify({ violations: r.violations, checked: r.passes.reduce((n, p) => n + p.nodes.length, 0) }))`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var res struct {
		Violations []axeViolation `json:"violations"`
		Checked    int            `json:"checked"`
	}
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("%s: axe's answer: %v", what, err)
	}
	// A check that found nothing to check proves nothing.
	if res.Checked == 0 {
		t.Fatalf("%s: axe checked no element", what)
	}
	var bad []string
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		for _, n := range v.Nodes {
			bad = append(bad, fmt.Sprintf("%s (%s) %s at %s: %s", v.ID, v.Impact, v.Help, n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: %d serious or critical accessibility violations:\n%s", what, len(bad), strings.Join(bad, "\n"))
	}
}

// TestAccessibility checks the console's screens and the SDK's
// person-facing UI with axe-core along one assist: sign-in, the queue with
// a waiting person, the consent prompt, the live view, the history, the
// replay and the terminals.
func TestAccessibility(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()
	const sdk = "[data-tandem-root]"

	browsertest.Run(t, agent, "open the console", chromedp.Navigate(e.srv.URL()+"/console/"))
	waitJS(t, agent, "the sign-in form", `document.querySelector('[data-testid=login-email]')`)
	checkAccessible(t, agent, "the sign-in page", "")
	e.loginConsole(agent, demo.Email, demo.Password)

	e.openDemo(person, "form.html")
	checkAccessible(t, person, "the SDK's help button", sdk)
	browsertest.ClickSDK(t, person, "help")
	waitJS(t, person, "the waiting message", browsertest.SDKUI("cancel"))
	checkAccessible(t, person, "the SDK while the person waits", sdk)

	waitJS(t, agent, "the request in the queue", `document.querySelector('[data-testid=queue-item][data-state=waiting]')`)
	checkAccessible(t, agent, "the queue", "")
	id := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=queue-item][data-state=waiting]').dataset.assistId`)
	browsertest.Run(t, agent, "accept", chromedp.Click(`[data-testid=queue-item][data-state=waiting] [data-testid=accept]`))
	waitJS(t, person, "the consent prompt", browsertest.SDKUI("allow"))
	checkAccessible(t, person, "the SDK's consent prompt", sdk)
	if role := browsertest.Eval[string](t, person, browsertest.SDKUI("allow")+`.closest('[role]')?.getAttribute('role') || ''`); role != "dialog" && role != "alertdialog" {
		t.Errorf("the consent prompt is in a %q, want a dialog screen readers announce", role)
	}

	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)
	checkAccessible(t, person, "the SDK during the assist", sdk)
	checkAccessible(t, agent, "the live view", "")

	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	checkAccessible(t, agent, "the ended assist", "")

	browsertest.Run(t, agent, "open the history", chromedp.Navigate(e.srv.URL()+"/console/history"))
	waitJS(t, agent, "the history", `document.querySelector('main') && !document.querySelector('[aria-busy=true]')`)
	checkAccessible(t, agent, "the history", "")

	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the replay to load", `(() => { const s = document.querySelector('[data-testid=replay-seek]'); return s && Number(s.max) > 0; })()`)
	checkAccessible(t, agent, "the replay", "")

	for _, screen := range []struct{ name, path string }{
		{"the terminals", "/console/terminals"},
		{"the conversations", "/console/conversations"},
		{"the bots", "/console/bots"},
		{"the passport's sign-ins", "/console/sign-ins"},
		{"the screen mapping", "/console/screen-mapping"},
		{"the administration", "/console/admin"},
	} {
		browsertest.Run(t, agent, "open "+screen.name, chromedp.Navigate(e.srv.URL()+screen.path))
		waitJS(t, agent, screen.name, `document.querySelector('main h1, main h2') && !document.querySelector('[aria-busy=true], .loading')`)
		checkAccessible(t, agent, screen.name, "")
	}

	// The person's chat panel.
	browsertest.ClickSDK(t, person, "chat")
	waitJS(t, person, "the chat panel", browsertest.SDKUI("chat-input"))
	checkAccessible(t, person, "the SDK's chat panel", sdk)
}

// tabTo presses Tab until the focused element (inside shadow roots too)
// satisfies match, a JavaScript function of the element, as a person
// without a mouse does: at most 80 presses.
func tabTo(t testing.TB, ctx context.Context, what, match string) {
	t.Helper()
	focused := `(() => { let a = document.activeElement;
		while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
		return !!a && !!(` + match + `)(a); })()`
	for range 80 {
		if browsertest.Eval[bool](t, ctx, focused) {
			return
		}
		browsertest.Run(t, ctx, "press Tab toward "+what, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("%s: not reached with the Tab key", what)
}

// TestKeyboardOnlyAssist goes through an assist without a mouse: the agent
// signs in and accepts, the person asks for help, allows and ends it, each
// reaching every control with Tab and pressing Enter.
func TestKeyboardOnlyAssist(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()

	browsertest.Run(t, agent, "open the console", chromedp.Navigate(e.srv.URL()+"/console/"))
	waitJS(t, agent, "the sign-in form", `document.querySelector('[data-testid=login-email]')`)
	tabTo(t, agent, "the email field", `a => a.dataset.testid === 'login-email'`)
	browsertest.Run(t, agent, "type the email", chromedp.KeyEvent(demo.Email))
	tabTo(t, agent, "the password field", `a => a.dataset.testid === 'login-password'`)
	browsertest.Run(t, agent, "type the password and sign in", chromedp.KeyEvent(demo.Password), chromedp.KeyEvent(kb.Enter))
	waitJS(t, agent, "the console after signing in", `!document.querySelector('[data-testid=login-email]')`)

	e.openDemo(person, "form.html")
	tabTo(t, person, "the SDK's help button", `a => a.dataset.tandemUi === 'help'`)
	browsertest.Run(t, person, "ask for help", chromedp.KeyEvent(kb.Enter))
	waitJS(t, person, "the waiting message", browsertest.SDKUI("cancel"))

	waitJS(t, agent, "the request in the queue", `document.querySelector('[data-testid=queue-item][data-state=waiting] [data-testid=accept]')`)
	tabTo(t, agent, "the accept button", `a => a.dataset.testid === 'accept'`)
	browsertest.Run(t, agent, "accept", chromedp.KeyEvent(kb.Enter))

	waitJS(t, person, "the consent prompt", browsertest.SDKUI("allow"))
	tabTo(t, person, "the allow button", `a => a.dataset.tandemUi === 'allow'`)
	browsertest.Run(t, person, "allow", chromedp.KeyEvent(kb.Enter))
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)

	tabTo(t, person, "the badge that ends the assist", `a => a.dataset.tandemUi === 'badge'`)
	browsertest.Run(t, person, "end the assist", chromedp.KeyEvent(kb.Enter))
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
}
