package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestDemoPagesMirror visits the demo pages that stress the recorder during
// one assist and checks the agent's mirror of each.
func TestDemoPagesMirror(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	liveAssist(t, e, person, agent, "iframe.html")

	// A same-origin iframe is recorded with its content and input.
	child := `document.querySelector('#child-frame')?.contentDocument`
	mirrorChild := browsertest.MirrorDoc + `?.querySelector('#child-frame')?.contentDocument`
	waitJS(t, agent, "the iframe's content in the mirror", mirrorChild+`?.querySelector('#child-input')`)
	browsertest.Run(t, person, "type in the iframe", chromedp.Evaluate(`(() => {
		const i = `+child+`.querySelector('#child-input');
		i.focus(); i.value = 'typed in a frame'; i.dispatchEvent(new Event('input', {bubbles: true}));
		`+child+`.querySelector('#child-button').click();
	})()`, nil))
	waitJS(t, agent, "the iframe's input in the mirror", mirrorChild+`?.querySelector('#child-input')?.value === 'typed in a frame'`)
	want := browsertest.Eval[string](t, person, child+`.querySelector('#child-output').textContent`)
	waitJS(t, agent, "the iframe's output in the mirror", fmt.Sprintf(`%s?.querySelector('#child-output')?.textContent === %q`, mirrorChild, want))

	// Shadow DOM: content and changes inside an open shadow root.
	e.navigate(person, "shadow.html")
	shadow := `.querySelector('#shadow-host')?.shadowRoot`
	waitJS(t, agent, "the shadow root in the mirror", browsertest.MirrorDoc+`?`+shadow+`?.querySelector('#shadow-text')`)
	browsertest.Run(t, person, "click inside the shadow root", chromedp.Evaluate(`document`+shadow+`.querySelector('#shadow-button').click()`, nil))
	want = browsertest.Eval[string](t, person, `document`+shadow+`.querySelector('#shadow-text').textContent`)
	waitJS(t, agent, "the shadow text in the mirror", fmt.Sprintf(`%s?%s?.querySelector('#shadow-text')?.textContent === %q`, browsertest.MirrorDoc, shadow, want))

	// Canvas: same size, and drawn.
	e.navigate(person, "canvas.html")
	w := browsertest.Eval[int](t, person, `document.querySelector('#canvas').width`)
	waitJS(t, agent, "the canvas in the mirror", fmt.Sprintf(`%s?.querySelector('#canvas')?.width === %d`, browsertest.MirrorDoc, w))
	waitJS(t, agent, "pixels on the mirror's canvas", `(() => {
		const c = `+browsertest.MirrorDoc+`.querySelector('#canvas');
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		for (let i = 3; i < d.length; i += 4 * 97) if (d[i] !== 0) return true;
		return false;
	})()`)

	// Web fonts load in the mirror from the site.
	e.navigate(person, "fonts.html")
	family := browsertest.Eval[string](t, person, `getComputedStyle(document.querySelector('#font-sample')).fontFamily`)
	waitJS(t, agent, "the web font in the mirror", fmt.Sprintf(`(() => {
		const d = %s; const el = d?.querySelector('#font-sample');
		if (!el) return false;
		return d.defaultView.getComputedStyle(el).fontFamily === %q && [...d.fonts].some(f => f.status === 'loaded');
	})()`, browsertest.MirrorDoc, family))

	// A 10,000-node page arrives whole.
	e.navigate(person, "big.html")
	nodes := browsertest.Eval[int](t, person, `document.getElementsByTagName('*').length`)
	if nodes < 10000 {
		t.Fatalf("big.html has only %d elements", nodes)
	}
	waitJS(t, agent, "all nodes in the mirror", fmt.Sprintf(`(%s?.getElementsByTagName('*').length || 0) >= %d`, browsertest.MirrorDoc, nodes*98/100))
}

// navigate moves the person to another demo page within the assist.
func (e *env) navigate(person context.Context, page string) {
	e.t.Helper()
	browsertest.Run(e.t, person, "go to "+page, chromedp.Navigate(e.srv.Demo().SiteURL+"/"+page))
	waitJS(e.t, person, "the badge on "+page, browsertest.SDKUI("badge"))
}
