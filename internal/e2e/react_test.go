package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestReactControlledFieldsMirror: react.html is a React app whose text box
// and check boxes are controlled by state and were mounted before the
// person allowed. React clears the box after Enter and sets every check box
// from "All done" through setters it captured at load, past the recorder's
// hooks; the agent's mirror must show the cleared box and the check marks.
func TestReactControlledFieldsMirror(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "react.html")
	waitJS(t, agent, "the tasks in the mirror", browsertest.MirrorDoc+`?.querySelector('#react-done-3')`)
	waitMirrorMatches(t, person, agent, "first snapshot")

	browsertest.Run(t, person, "type a task and press Enter",
		chromedp.SendKeys(`#react-new`, "Call the customer"),
		chromedp.KeyEvent(kb.Enter),
	)
	waitJS(t, person, "the new task", `document.querySelector('#react-title-4')?.textContent === 'Call the customer'`)
	if v := browsertest.Eval[string](t, person, `document.querySelector('#react-new').value`); v != "" {
		t.Fatalf("React did not clear the box: %q", v)
	}
	waitMirrorMatches(t, person, agent, "after Enter")
	checkMirrorField(t, agent, "#react-new", "value", `""`)

	browsertest.Run(t, person, "check All done", chromedp.Click(`#react-all`))
	waitJS(t, person, "every task checked", `[...document.querySelectorAll('#react-tasks input')].every(c => c.checked)`)
	waitMirrorMatches(t, person, agent, "after All done")
	for i := 1; i <= 4; i++ {
		checkMirrorField(t, agent, fmt.Sprintf("#react-done-%d", i), "checked", "true")
	}

	browsertest.Run(t, person, "uncheck All done", chromedp.Click(`#react-all`))
	waitJS(t, person, "no task checked", `[...document.querySelectorAll('#react-tasks input')].every(c => !c.checked)`)
	waitMirrorMatches(t, person, agent, "after unchecking All done")
	checkMirrorField(t, agent, "#react-done-3", "checked", "false")
}

// checkMirrorField fails unless the mirror's field has the property value
// want (a JavaScript literal); waitMirrorMatches has waited for it already.
func checkMirrorField(t testing.TB, agent context.Context, sel, prop, want string) {
	t.Helper()
	expr := fmt.Sprintf(`%s?.querySelector(%q)?.%s === %s`, browsertest.MirrorDoc, sel, prop, want)
	if !browsertest.Eval[bool](t, agent, expr) {
		t.Fatalf("the mirror's %s.%s is not %s", sel, prop, want)
	}
}
