package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// Run runs chromedp actions and fails the test with what was being done.
func Run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// WaitJS waits until the JavaScript expression is truthy, at most timeout;
// on failure it shows the start of the page's text.
func WaitJS(t testing.TB, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := chromedp.Run(wctx, chromedp.Poll(expr, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		if wctx.Err() == nil && navigatedAway(err) {
			continue // the page navigated while polling: poll the new document
		}
		var dump string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body ? document.body.innerText.slice(0, 2000) : ""`, &dump))
		t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, expr, err, dump)
	}
}

// navigatedAway reports whether err says that the document being polled
// went away (a navigation or a reload replaced it), which ends a poll
// without answering it.
func navigatedAway(err error) bool {
	msg := err.Error()
	for _, s := range []string{"Cannot find context with specified id", "Execution context was destroyed", "Inspected target navigated or closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Eval evaluates a JavaScript expression into a T.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	var v T
	if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &v)); err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// SDKUI is the expression for an element of the SDK's widget.
func SDKUI(name string) string {
	return fmt.Sprintf(`document.querySelector('[data-tandem-root]')?.shadowRoot?.querySelector('[data-tandem-ui=%q]')`, name)
}

// ClickSDK clicks a control of the SDK's widget once it is there.
func ClickSDK(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	WaitJS(t, ctx, "the SDK's "+name+" control", SDKUI(name), 30*time.Second)
	Run(t, ctx, "click "+name, chromedp.Evaluate(SDKUI(name)+`.click()`, nil))
}

// MirrorDoc is the expression for the document the console redraws.
const MirrorDoc = `document.querySelector('[data-testid=mirror] iframe')?.contentDocument`

// SignatureJS is a function that describes a document's elements with ids:
// tag, id, own text of leaf elements, and the state of form fields. Masked
// fields are described by their length only. A page and its mirror that
// show the same thing have the same signature.
const SignatureJS = `(doc) => {
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

// Clicked clicks the first element sel selects once it is visible, as
// chromedp.Click does, and again when the page re-rendered it between
// finding it and clicking it (chromedp.Click then fails with "Could not
// find node with given id": the node it found is gone, its successor is
// there).
func Clicked(sel string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			err := chromedp.Click(sel, chromedp.NodeVisible).Do(ctx)
			if err == nil || ctx.Err() != nil || !replaced(err) {
				return err
			}
		}
	})
}

// replaced reports whether err says that a node found a moment ago is no
// longer in the document.
func replaced(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Could not find node with given id") || strings.Contains(msg, "Node is detached")
}

// PressEnter presses Enter in the focused element as a key down and up,
// without the separate character event chromedp.KeyEvent("\r") also sends.
// A page that handles Enter on keydown (and prevents its default) is done
// with it then, as with a real keyboard; the character event, which a
// browser would have suppressed, would instead reach whatever took the
// focus meanwhile, such as a dialog's first button.
func PressEnter() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		down := input.DispatchKeyEvent(input.KeyRawDown).WithKey("Enter").WithCode("Enter").WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13)
		if err := down.Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey("Enter").WithCode("Enter").WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13).Do(ctx)
	})
}
