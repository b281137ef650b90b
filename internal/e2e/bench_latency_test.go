package e2e

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// Wall-clock stamps (performance.timeOrigin + performance.now(), which two
// tabs of one browser share) taken on the way of a keystroke:
//
//   - the person's page stamps each keydown, and each data frame of events
//     its WebSocket sends;
//   - the console stamps each data frame of events its WebSocket receives
//     (the hook is installed before the console's own code runs), and each
//     value the mirror's field is given (rrweb's player sets the property:
//     a field's value is not in the DOM, so a MutationObserver would not see
//     it).
const (
	personStampsJS = `(() => {
	window.__keys = []; window.__inputs = []; window.__sent = [];
	window.addEventListener('keydown', () => window.__keys.push(performance.timeOrigin + performance.now()), true);
	window.addEventListener('input', () => window.__inputs.push(performance.timeOrigin + performance.now()), true);
	const send = WebSocket.prototype.send;
	WebSocket.prototype.send = function (d) {
		if (typeof d === 'string' && d.startsWith('{"k":"ev"')) window.__sent.push(performance.timeOrigin + performance.now());
		return send.call(this, d);
	};
})()`
	consoleStampsJS = `(() => {
	window.__recv = [];
	const WS = window.WebSocket;
	window.WebSocket = class extends WS {
		constructor(...a) {
			super(...a);
			this.addEventListener('message', (m) => {
				if (typeof m.data === 'string' && m.data.startsWith('{"k":"ev"')) window.__recv.push(performance.timeOrigin + performance.now());
			});
		}
	};
})()`
	// mirrorFieldJS hooks the value setter of the mirror's #name field (again
	// after the player rebuilt the page) and reports whether it is hooked.
	mirrorFieldJS = `(() => {
	const d = ` + browsertest.MirrorDoc + `;
	const el = d && d.querySelector('#name');
	if (!el) return false;
	if (el.__stamped) return true;
	window.__shown = window.__shown || [];
	const desc = Object.getOwnPropertyDescriptor(d.defaultView.HTMLInputElement.prototype, 'value');
	Object.defineProperty(el, 'value', {
		configurable: true,
		get() { return desc.get.call(this); },
		set(v) { desc.set.call(this, v); window.__shown.push([performance.timeOrigin + performance.now(), String(v).length]); },
	});
	el.__stamped = true;
	return true;
})()`
)

// keystrokeTimes is where the time of one keystroke went, in ms.
type keystrokeTimes struct {
	total, page, recorder, relay, console float64
}

// BenchmarkKeystrokeToMirror measures, for b.N keystrokes typed by the
// person in a field of the demo form (CDP Input.dispatchKeyEvent), the time
// from the keydown on the person's page to the new value in the agent's
// mirror, and where it went: the page (keydown → the field's input event),
// the recorder (→ the frame leaves the page's WebSocket), the relay (→ the frame arrives in the console's
// WebSocket) and the console (→ the mirror's field has the value). It
// reports p50 and p99 of each. Both tabs are in one browser, so their
// clocks agree.
//
//	go test -run x -bench KeystrokeToMirror -benchtime 100x ./internal/e2e/
func BenchmarkKeystrokeToMirror(b *testing.B) {
	e := setup(b)
	person, agent := e.tab(), e.tab()
	browsertest.Run(b, agent, "stamp the console's frames", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(consoleStampsJS).Do(ctx)
		return err
	}))
	liveAssist(b, e, person, agent, "form.html")
	waitJS(b, agent, "the console's stamps", `Array.isArray(window.__recv)`)
	waitJS(b, agent, "the form in the mirror", mirrorFieldJS)
	browsertest.Run(b, person, "stamp the page", chromedp.Evaluate(personStampsJS, nil), chromedp.Focus(`#name`, chromedp.ByQuery))

	var got []keystrokeTimes
	b.ResetTimer()
	for i := range b.N {
		waitJS(b, agent, "the mirror's field", mirrorFieldJS)
		key := string(rune('a' + i%26))
		browsertest.Run(b, person, "type "+key,
			input.DispatchKeyEvent(input.KeyDown).WithKey(key).WithText(key),
			input.DispatchKeyEvent(input.KeyUp).WithKey(key),
		)
		waitJS(b, agent, "the keystroke in the mirror", fmt.Sprintf(`(window.__shown || []).some(s => s[1] === %d)`, i+1))
		keyAt := browsertest.Eval[float64](b, person, fmt.Sprintf(`window.__keys[%d]`, i))
		inputAt := browsertest.Eval[float64](b, person, fmt.Sprintf(`window.__inputs[%d]`, i))
		sent := browsertest.Eval[[]float64](b, person, `window.__sent`)
		recv := browsertest.Eval[[]float64](b, agent, `window.__recv`)
		shownAt := browsertest.Eval[float64](b, agent, fmt.Sprintf(`window.__shown.find(s => s[1] === %d)[0]`, i+1))
		sentAt := firstAtOrAfter(sent, keyAt)
		recvAt := firstAtOrAfter(recv, sentAt)
		if sentAt == 0 || recvAt == 0 || recvAt > shownAt {
			b.Fatalf("keystroke %d: no frame between the key (%.1f) and the mirror (%.1f): sent %.1f, received %.1f", i, keyAt, shownAt, sentAt, recvAt)
		}
		got = append(got, keystrokeTimes{shownAt - keyAt, inputAt - keyAt, sentAt - inputAt, recvAt - sentAt, shownAt - recvAt})
		// A typist's pace, so that every key is a keystroke of its own.
		time.Sleep(40 * time.Millisecond)
	}
	b.StopTimer()
	for _, m := range []struct {
		name string
		of   func(keystrokeTimes) float64
	}{
		{"", func(k keystrokeTimes) float64 { return k.total }},
		{"page-", func(k keystrokeTimes) float64 { return k.page }},
		{"recorder-", func(k keystrokeTimes) float64 { return k.recorder }},
		{"relay-", func(k keystrokeTimes) float64 { return k.relay }},
		{"console-", func(k keystrokeTimes) float64 { return k.console }},
	} {
		v := make([]float64, len(got))
		for i, k := range got {
			v[i] = m.of(k)
		}
		sort.Float64s(v)
		b.ReportMetric(v[len(v)/2], m.name+"p50-ms")
		b.ReportMetric(v[(len(v)*99)/100], m.name+"p99-ms")
	}
}

// firstAtOrAfter returns the first of the sorted stamps at or after t, or 0.
func firstAtOrAfter(stamps []float64, t float64) float64 {
	i := sort.SearchFloat64s(stamps, t)
	if i == len(stamps) {
		return 0
	}
	return stamps[i]
}
