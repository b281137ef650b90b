package e2e

import (
	"context"
	"slices"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// recordCallStates makes the console keep every text the call's state
// showed, in order, so that a state shown only briefly is still seen.
const recordCallStates = `(() => {
	window.__callStates = [];
	const note = () => {
		const t = document.querySelector('[data-testid=call-state]')?.textContent;
		const s = window.__callStates;
		if (t && s[s.length - 1] !== t) s.push(t);
	};
	new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
	note();
})()`

// One assist, from a call to its end: the call survives the person's
// navigation without a click (media flows again), the strip says when the
// person is gone and back, and ending asks first.
func TestCallSurvivesNavigationAndTheStripTellsTheTruth(t *testing.T) {
	e := setupCalls(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "index.html")
	waitJS(t, agent, "the person connected", `document.querySelector('[data-testid=person-presence]')?.dataset.state === 'connected'`)

	browsertest.Run(t, agent, "start a voice call", browsertest.Clicked(`[data-testid=call-voice]`))
	browsertest.ClickSDK(t, person, "call-accept")
	waitMediaFlowing(t, person, agent, false)

	// The person goes to another page of the site: the call comes back by itself.
	browsertest.Run(t, agent, "watch the call's state", chromedp.Evaluate(recordCallStates, nil))
	e.navigate(person, "form.html")
	waitMediaFlowing(t, person, agent, false)
	if browsertest.Eval[bool](t, person, browsertest.SDKUI("call-accept")+` !== null`) {
		t.Fatal("the new page asked the person to accept the call again")
	}
	waitJS(t, person, "the call panel on the new page", browsertest.SDKUI("call-status")+`?.textContent.startsWith('In a call with')`)
	waitJS(t, agent, "the call active again", `document.querySelector('[data-testid=call-state]')?.textContent === 'active'`)
	states := browsertest.Eval[[]string](t, agent, `window.__callStates`)
	if len(states) < 3 || states[0] != "active" || states[len(states)-1] != "active" || !slices.Contains(states, "reconnecting") {
		t.Fatalf("the agent's call state during the navigation went %v; want active, reconnecting, active", states)
	}
	waitJS(t, agent, "the strip to say the person is back", `document.querySelector('[data-testid=person-presence]')?.dataset.state === 'back'`)

	// End asks first; Escape keeps the assist.
	browsertest.Run(t, agent, "press End", browsertest.Clicked(`[data-testid=end-assist]`))
	waitJS(t, agent, "the confirmation dialog", `document.querySelector('[data-testid=end-confirm][role=dialog]')?.contains(document.activeElement)`)
	browsertest.Run(t, agent, "press Escape", chromedp.ActionFunc(func(ctx context.Context) error {
		if err := input.DispatchKeyEvent(input.KeyRawDown).WithKey("Escape").WithCode("Escape").WithWindowsVirtualKeyCode(27).Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey("Escape").WithCode("Escape").WithWindowsVirtualKeyCode(27).Do(ctx)
	}))
	waitJS(t, agent, "the dialog to close", `!document.querySelector('[data-testid=end-confirm]') && document.activeElement?.dataset.testid === 'end-assist'`)
	if browsertest.Eval[bool](t, agent, `!!document.querySelector('[data-testid=ended-reason]')`) {
		t.Fatal("the assist ended without confirmation")
	}

	// The person closes their tab: the strip says so, the call waits for them.
	browsertest.Run(t, person, "close the person's tab", page.Close())
	waitJS(t, agent, "the strip to say the person is disconnected", `(() => {
		const p = document.querySelector('[data-testid=person-presence]');
		return p?.dataset.state === 'disconnected' && p.textContent.includes('disconnected');
	})()`)
	waitJS(t, agent, "the call to wait for the person", `document.querySelector('[data-testid=call-reconnecting]')`)

	browsertest.Run(t, agent, "end, and confirm", browsertest.Clicked(`[data-testid=end-assist]`), browsertest.Clicked(`[data-testid=end-confirm-yes]`))
	waitJS(t, agent, "the assist to end", `document.querySelector('[data-testid=ended-reason]') && !document.querySelector('[data-testid=end-confirm]')`)
}
