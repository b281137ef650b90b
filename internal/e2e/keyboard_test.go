package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/password"
)

// TestKeyboardConsole goes through the console's flows with the keyboard
// only (Tab, Enter, Space, Escape and the shortcuts), on one server: the
// live view's "?" help, full screen and leaving the controlled mirror,
// ending an assist with its confirmation, the replay's markers and skip
// switch, and the administration's dialogs. Buttons get Enter as a key
// down, character and up (chromedp.KeyEvent): Chromium activates a button
// on the character, as with a real keyboard.
func TestKeyboardConsole(t *testing.T) {
	e := setup(t)
	var id string
	t.Run("live view", func(t *testing.T) { id = keyboardLive(t, e) })
	t.Run("replay", func(t *testing.T) {
		if id == "" {
			t.Fatal("no ended assist to replay")
		}
		keyboardReplay(t, e, id)
	})
	t.Run("administration", func(t *testing.T) { keyboardAdmin(t, e) })
}

// focusedHasTestID is the expression that the focused element has the test id.
func focusedHasTestID(testid string) string {
	return `document.activeElement?.dataset.testid === '` + testid + `'`
}

// tabsStayIn presses Tab n times and fails when the focus leaves the
// element sel selects.
func tabsStayIn(t *testing.T, ctx context.Context, sel string, n int) {
	t.Helper()
	for i := range n {
		browsertest.Run(t, ctx, "Tab", chromedp.KeyEvent(kb.Tab))
		if !browsertest.Eval[bool](t, ctx, `!!document.querySelector('`+sel+`')?.contains(document.activeElement)`) {
			t.Fatalf("Tab %d left %s", i+1, sel)
		}
	}
}

// storedAssistState is the assist's state as the server stored it.
func storedAssistState(t *testing.T, e *env, id string) tandem.AssistState {
	t.Helper()
	a, err := e.srv.Store().AssistByID(context.Background(), id)
	if err != nil {
		t.Fatalf("the assist %s: %v", id, err)
	}
	return a.State
}

// keyboardLive: the "?" help, full screen, leaving the mirror while in
// control, and ending with its confirmation; returns the ended assist, whose recording has markers at distinct times.
func keyboardLive(t *testing.T, e *env) string {
	person, agent := e.tab(), e.tab()
	id := askForHelp(t, e, person, agent, "form.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)

	// "?" from a focused control: the help takes the focus and gives it back.
	tabTo(t, agent, "the side panel button", `a => a.dataset.testid === 'toggle-side'`)
	browsertest.Run(t, agent, "?", chromedp.KeyEvent("?"))
	help := `document.querySelector('[data-testid=shortcut-help]')`
	waitJS(t, agent, "the help with the focus", help+`?.contains(document.activeElement)`)
	if n := browsertest.Eval[int](t, agent, `document.querySelectorAll('[data-testid=shortcut] kbd').length`); n < 9 {
		t.Errorf("the help lists %d keys", n)
	}
	tabsStayIn(t, agent, "[data-testid=shortcut-help]", 3)
	browsertest.Run(t, agent, "Escape", chromedp.KeyEvent(kb.Escape))
	waitJS(t, agent, "the help closed, the focus back on its button", `!`+help+` && `+focusedHasTestID("toggle-side"))

	// A person's click and a console error: markers for the replay, at
	// times the agent saw one after the other.
	browsertest.Run(t, person, "click the page", chromedp.MouseClickXY(40, 40))
	browsertest.Run(t, person, "a change", chromedp.Evaluate(`document.body.insertAdjacentHTML('beforeend', '<p id="kbd-mark">m</p>')`, nil))
	waitJS(t, agent, "the change in the mirror", mirrorHas("#kbd-mark"))
	browsertest.Run(t, person, "a console error", chromedp.Evaluate(`console.error('kbd-console-bad')`, nil))

	// Full screen: Shift+F is a user gesture, so the stage may take the screen.
	stage := `document.fullscreenElement === document.querySelector('[data-testid=live-main]')`
	browsertest.Run(t, agent, "Shift+F", chromedp.KeyEvent("F"))
	waitJS(t, agent, "the stage in full screen", stage+` && document.querySelector('[data-testid=toggle-fullscreen]').getAttribute('aria-pressed') === 'true'`)
	// Only the stage is drawn in full screen: the help opens inside it.
	browsertest.Run(t, agent, "? in full screen", chromedp.KeyEvent("?"))
	waitJS(t, agent, "the help drawn in full screen, with the focus", `(() => {
		const h = `+help+`, fs = document.fullscreenElement;
		if (!h || !fs || !fs.contains(h) || !h.contains(document.activeElement)) return false;
		const r = h.getBoundingClientRect();
		return r.width > 0 && h.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
	})()`)
	tabTo(t, agent, "the help's Close button", `a => a.dataset.testid === 'shortcut-help-close'`)
	browsertest.Run(t, agent, "Enter on Close", chromedp.KeyEvent(kb.Enter))
	waitJS(t, agent, "the help closed, still in full screen", `!`+help+` && `+stage)
	browsertest.Run(t, agent, "Escape", chromedp.KeyEvent(kb.Escape))
	waitJS(t, agent, "full screen left with Escape", `!document.fullscreenElement && document.querySelector('[data-testid=toggle-fullscreen]').getAttribute('aria-pressed') === 'false'`)
	browsertest.Run(t, agent, "Shift+F", chromedp.KeyEvent("F"))
	waitJS(t, agent, "the stage in full screen again", stage)
	browsertest.Run(t, agent, "Shift+F again", chromedp.KeyEvent("F"))
	waitJS(t, agent, "full screen left with the shortcut", `!document.fullscreenElement`)

	// In control, every key in the mirror is the person's, Tab too;
	// Shift+Esc leaves it, and the console's shortcuts work again.
	tabTo(t, agent, "the control button", `a => a.dataset.testid === 'control-request'`)
	browsertest.Run(t, agent, "Enter on it", chromedp.KeyEvent(kb.Enter))
	browsertest.ClickSDK(t, person, "control-allow")
	waitJS(t, agent, "control", haveControl)
	tabTo(t, agent, "the mirror", `a => a.dataset.testid === 'mirror-capture'`)
	browsertest.Run(t, agent, "Tab in the mirror", chromedp.KeyEvent(kb.Tab))
	if !browsertest.Eval[bool](t, agent, focusedHasTestID("mirror-capture")) {
		t.Fatal("Tab in the controlled mirror was not the person's")
	}
	browsertest.Run(t, agent, "Shift+Esc", chromedp.KeyEvent(kb.Escape, chromedp.KeyModifiers(input.ModifierShift)))
	waitJS(t, agent, "the focus out of the mirror", `document.activeElement !== document.body && !(`+focusedHasTestID("mirror-capture")+`)`)
	browsertest.Run(t, agent, "?", chromedp.KeyEvent("?"))
	waitJS(t, agent, "the help", help+`?.contains(document.activeElement)`)
	browsertest.Run(t, agent, "Escape", chromedp.KeyEvent(kb.Escape))
	waitJS(t, agent, "the help closed", `!`+help)

	// End: Escape in the question keeps the assist.
	tabTo(t, agent, "the End button", `a => a.dataset.testid === 'end-assist'`)
	browsertest.Run(t, agent, "Enter on End", chromedp.KeyEvent(kb.Enter))
	confirm := `document.querySelector('[data-testid=end-confirm]')`
	waitJS(t, agent, "the question with the focus", confirm+`?.contains(document.activeElement)`)
	tabsStayIn(t, agent, "[data-testid=end-confirm]", 4)
	browsertest.Run(t, agent, "Escape", chromedp.KeyEvent(kb.Escape))
	waitJS(t, agent, "the question gone, the focus back on End", `!`+confirm+` && `+focusedHasTestID("end-assist"))
	if s := storedAssistState(t, e, id); s != tandem.AssistLive {
		t.Fatalf("after Escape the assist is %q, want live", s)
	}
	browsertest.Run(t, agent, "Enter on End again", chromedp.KeyEvent(kb.Enter))
	waitJS(t, agent, "the question again", confirm+`?.contains(document.activeElement)`)
	tabTo(t, agent, "End assist in the question", `a => a.dataset.testid === 'end-confirm-yes'`)
	browsertest.Run(t, agent, "Enter on End assist", chromedp.KeyEvent(kb.Enter))
	waitJS(t, agent, "the end reason, the focus on the Replay link in End's place", `document.querySelector('[data-testid=ended-reason]') && `+focusedHasTestID("replay-link"))
	if s := storedAssistState(t, e, id); s == tandem.AssistLive {
		t.Fatal("the confirmed end left the assist live")
	}
	return id
}

// keyboardReplay: "." and "," and the previous/next buttons move the replay
// to a marker; Space on the skip switch turns it off and on.
func keyboardReplay(t *testing.T, e *env, id string) {
	agent := e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)
	browsertest.Run(t, agent, "open the history", chromedp.Navigate(e.srv.URL()+"/console/history"))
	tabTo(t, agent, "the assist in the history", `a => a.dataset.testid === 'history-item' && a.dataset.assistId === '`+id+`'`)
	browsertest.Run(t, agent, "Enter on it", chromedp.KeyEvent(kb.Enter))
	waitJS(t, agent, "the whole recording", `!document.querySelector('[data-testid=replay-loading]') && document.querySelector('[data-testid=replay-seek]') && !document.querySelector('[data-testid=replay-seek]').disabled`)
	waitJS(t, agent, "the console error's marker", `document.querySelector('[data-testid=replay-marker][data-kind=console]')`)

	// The marker a step goes to from cur (as the console's nextMarker, with
	// its 50 ms of slack). cur is tracked here: the seek bar shows the
	// position rounded to its 100 ms step.
	if v := browsertest.Eval[float64](t, agent, `Number(document.querySelector('[data-testid=replay-seek]').value)`); v != 0 {
		t.Fatalf("the replay opens at %v ms, want its start", v)
	}
	cur := 0.0
	step := func(what string, dir int, keys chromedp.Action) {
		t.Helper()
		find := map[int]string{1: `ts.find(t => t > cur + 50)`, -1: `ts.reverse().find(t => t < cur - 50)`}[dir]
		want := browsertest.Eval[float64](t, agent, `(() => { const cur = `+jsNumber(cur)+`;
			const ts = [...document.querySelectorAll('[data-testid=replay-marker]')].map(m => Number(m.dataset.ts)).sort((a, b) => a - b);
			return `+find+` ?? -1; })()`)
		if want < 0 {
			t.Fatalf("%s: no marker that way from %v ms", what, cur)
		}
		browsertest.Run(t, agent, what, keys)
		waitJS(t, agent, "the replay at the marker after "+what, `Math.abs(Number(document.querySelector('[data-testid=replay-seek]').value) - `+jsNumber(want)+`) <= 100`)
		cur = want
	}
	browsertest.Run(t, agent, "leave any field", chromedp.Evaluate(`document.activeElement?.blur()`, nil))
	step(`"."`, 1, chromedp.KeyEvent("."))
	step(`"." again`, 1, chromedp.KeyEvent("."))
	step(`","`, -1, chromedp.KeyEvent(","))
	tabTo(t, agent, "the next marker button", `a => a.dataset.testid === 'marker-next'`)
	step("Enter on next", 1, chromedp.KeyEvent(kb.Enter))
	tabTo(t, agent, "the previous marker button", `a => a.dataset.testid === 'marker-prev'`)
	step("Enter on previous", -1, chromedp.KeyEvent(kb.Enter))

	skip := `document.querySelector('[data-testid=replay-skip]')`
	was := browsertest.Eval[bool](t, agent, skip+`.checked`)
	tabTo(t, agent, "the skip switch", `a => a.dataset.testid === 'replay-skip'`)
	browsertest.Run(t, agent, "Space", chromedp.KeyEvent(" "))
	waitJS(t, agent, "the switch turned", skip+`.checked === `+strconv.FormatBool(!was)+` && localStorage.getItem('tandem.replay.skipIdle') === '`+map[bool]string{true: "1", false: "0"}[!was]+`'`)
	browsertest.Run(t, agent, "Space again", chromedp.KeyEvent(" "))
	waitJS(t, agent, "the switch back", skip+`.checked === `+strconv.FormatBool(was))
}

func jsNumber(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// keyboardAdmin: invite an agent, change its role, disable it, each dialog
// opened with Enter and Escape in it changing nothing.
func keyboardAdmin(t *testing.T, e *env) {
	ctx := context.Background()
	const adminPW = "the admin's password"
	hash, err := password.HashWith(password.TestParams(), adminPW)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Store().CreateUser(ctx, &tandem.User{Email: "kbd-admin@example.com", Name: "Ada", PasswordHash: hash, Role: tandem.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	admin := e.tab()
	e.loginConsole(admin, "kbd-admin@example.com", adminPW)
	tabTo(t, admin, "the administration link", `a => a.getAttribute('href') === '/console/admin'`)
	browsertest.Run(t, admin, "Enter on it", chromedp.KeyEvent(kb.Enter))
	waitJS(t, admin, "the agents", `document.querySelector('[data-testid=admin-agents]')`)

	const email = "lee@example.com"
	user := func() *tandem.User {
		t.Helper()
		u, err := e.srv.Store().UserByEmail(ctx, email)
		if err != nil {
			t.Fatalf("the invited agent: %v", err)
		}
		return u
	}
	invite := `document.querySelector('[data-testid=admin-invite-dialog]')`
	openInvite := func() {
		t.Helper()
		tabTo(t, admin, "the invite button", `a => a.dataset.testid === 'admin-invite'`)
		browsertest.Run(t, admin, "Enter on invite", chromedp.KeyEvent(kb.Enter))
		waitJS(t, admin, "the invite dialog with the focus", invite+`?.contains(document.activeElement)`)
		tabTo(t, admin, "the email field", `a => a.dataset.testid === 'admin-invite-email'`)
		browsertest.Run(t, admin, "type the email", chromedp.KeyEvent(email))
		tabTo(t, admin, "the name field", `a => a.dataset.testid === 'admin-invite-name'`)
		browsertest.Run(t, admin, "type the name", chromedp.KeyEvent("Lee"))
	}
	openInvite()
	browsertest.Run(t, admin, "Escape", chromedp.KeyEvent(kb.Escape))
	waitJS(t, admin, "the dialog closed, the focus back", `!`+invite+` && `+focusedHasTestID("admin-invite"))
	if _, err := e.srv.Store().UserByEmail(ctx, email); err == nil {
		t.Fatal("Escape in the invite dialog invited the agent")
	}
	openInvite()
	browsertest.Run(t, admin, "Enter in the name field", chromedp.KeyEvent(kb.Enter))
	row := `[data-agent-email="` + email + `"]`
	waitJS(t, admin, "the invited row", `document.querySelector('`+row+` [data-testid=admin-agent-state]')?.textContent === 'invited'`)
	if u := user(); u.Role != tandem.RoleAgent || u.Name != "Lee" {
		t.Fatalf("invited %+v, want the agent Lee", u)
	}

	// The role: a select changes with the arrow keys.
	tabTo(t, admin, "the role of the new agent", `a => a.dataset.testid === 'admin-agent-role' && a.closest('`+row+`')`)
	browsertest.Run(t, admin, "ArrowDown", chromedp.KeyEvent(kb.ArrowDown))
	waitJS(t, admin, "the role shown", `document.querySelector('`+row+` [data-testid=admin-agent-role]').value === 'admin'`)
	// The page shows the new value before the server has it: ask the store.
	for deadline := time.Now().Add(10 * time.Second); user().Role != tandem.RoleAdmin; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after ArrowDown the role is %q, want admin", user().Role)
		}
	}

	// Disable, asked first: Escape keeps the agent.
	dialog := `document.querySelector('[data-testid=admin-disable-dialog]')`
	tabTo(t, admin, "the disable button", `a => a.dataset.testid === 'admin-agent-disable' && a.closest('`+row+`')`)
	browsertest.Run(t, admin, "Enter on disable", chromedp.KeyEvent(kb.Enter))
	waitJS(t, admin, "the question with the focus", dialog+`?.contains(document.activeElement)`)
	browsertest.Run(t, admin, "Escape", chromedp.KeyEvent(kb.Escape))
	waitJS(t, admin, "the question gone, the focus back", `!`+dialog+` && `+focusedHasTestID("admin-agent-disable"))
	if u := user(); !u.DisabledAt.IsZero() {
		t.Fatal("Escape in the question disabled the agent")
	}
	browsertest.Run(t, admin, "Enter on disable again", chromedp.KeyEvent(kb.Enter))
	waitJS(t, admin, "the question again", dialog+`?.contains(document.activeElement)`)
	tabTo(t, admin, "Disable in the question", `a => a.dataset.testid === 'confirm-ok'`)
	browsertest.Run(t, admin, "Space on Disable", chromedp.KeyEvent(" "))
	waitJS(t, admin, "the agent disabled, the focus on Enable", `document.querySelector('`+row+` [data-testid=admin-agent-state]')?.textContent === 'disabled' && `+focusedHasTestID("admin-agent-enable"))
	if u := user(); u.DisabledAt.IsZero() {
		t.Fatal("the confirmed disable did not disable the agent")
	}
}
