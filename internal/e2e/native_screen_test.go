package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// nativeMapping is the demo site's screen mapping in these tests: the
// canvas app's tags as form elements, its password fields masked.
const nativeMapping = `{"tags":{"Title":{"element":"h1"},"Field":{"element":"input","text":"value"},
	"Button":{"element":"button","text":"label","classes":["primary"]},"List":{"element":"ul"},"Row":{"element":"li"}},
	"maskTypes":["password"]}`

// setNativeMapping stores nativeMapping for the demo site through the API, as an admin does.
func setNativeMapping(t testing.TB, e *env) {
	t.Helper()
	demo := e.srv.Demo()
	ctx := context.Background()
	admin, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	site, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "PUT", "/api/v1/sites/"+site.ID+"/screen-mapping", map[string]any{"mapping": json.RawMessage(nativeMapping)}, nil); err != nil {
		t.Fatalf("set the screen mapping: %v", err)
	}
}

// tapCanvas clicks the demo app's canvas at (x, y) of its screen.
func tapCanvas(t testing.TB, person context.Context, x, y float64) {
	t.Helper()
	var r struct{ Left, Top float64 }
	browsertest.Run(t, person, "find the canvas", chromedp.Evaluate(`(() => {
		const c = document.querySelector('#app');
		c.scrollIntoView({block: 'nearest'});
		const r = c.getBoundingClientRect();
		return {left: r.left, top: r.top};
	})()`, &r))
	browsertest.Run(t, person, fmt.Sprintf("tap the canvas at %v,%v", x, y), chromedp.MouseClickXY(r.Left+x, r.Top+y))
}

// TestNativeScreen: a page whose UI is drawn on a canvas describes it with
// Tandem.screen; the agent's mirror shows its mapped elements where they
// are drawn, with the person's taps marked; the password field's text
// never leaves the page; and the replay shows the same screens.
func TestNativeScreen(t *testing.T) {
	e := setupOnDisk(t)
	setNativeMapping(t, e)
	person, agent := e.tab(), e.tab()
	browsertest.Run(t, person, "a window the app fits in", chromedp.EmulateViewport(1000, 900))
	id := liveAssist(t, e, person, agent, "native.html")
	doc := browsertest.MirrorDoc

	// The mapped elements, their text and their places.
	waitJS(t, agent, "the title in the mirror", doc+`?.querySelector('h1[data-tag=Title]')?.textContent === 'Shopping list'`)
	for _, c := range []struct{ what, expr string }{
		{"the Add button", `(() => { const b = ` + doc + `.querySelector('button[data-tag=Button].primary'); return b.textContent === 'Add' && b.getAttribute('style').startsWith('left:256px;top:60px;width:88px;height:40px;') })()`},
		{"the list's rows", `[...` + doc + `.querySelectorAll('ul[data-tag=List] > li')].map((l) => l.textContent).join() === 'Apples,Bread'`},
		{"the field's hint", doc + `.querySelector('input#x, input[data-tag=Field]').dataset.hint === 'New item'`},
		{"the Add button where it is drawn", `(() => { const s = ` + doc + `.querySelector('.tandem-screen').getBoundingClientRect(); const b = ` + doc + `.querySelector('button[data-tag=Button]').getBoundingClientRect(); return b.left - s.left === 256 && b.top - s.top === 60 })()`},
	} {
		if !browsertest.Eval[bool](t, agent, c.expr) {
			t.Errorf("the mirror does not show %s", c.what)
		}
	}

	// A tap is marked where it happened.
	tapCanvas(t, person, 100, 80) // the item field
	waitJS(t, agent, "the tap's mark", `[...document.querySelectorAll('[data-testid=click-mark]')].some((m) => m.style.left === '100px' && m.style.top === '80px')`)

	// Typing into the field and adding the item.
	browsertest.Run(t, person, "type an item", chromedp.KeyEvent("Milk-marker"))
	waitJS(t, agent, "the typed value", doc+`?.querySelector('input[data-tag=Field]')?.value === 'Milk-marker'`)
	tapCanvas(t, person, 300, 80) // Add
	waitJS(t, agent, "the new row", `[...`+doc+`.querySelectorAll('ul[data-tag=List] > li')].map((l) => l.textContent).join() === 'Apples,Bread,Milk-marker'`)

	// The password field: the agent sees as many stars as were typed, never the text.
	tapCanvas(t, person, 100, 360)
	browsertest.Run(t, person, "type the PIN", chromedp.KeyEvent(leak+"pin"))
	waitJS(t, agent, "the masked PIN", doc+`?.querySelector('input[data-type=password]')?.value === '`+string(bytes.Repeat([]byte("*"), len(leak+"pin")))+`'`)

	// Ordering opens another screen: a new page for the agent.
	tapCanvas(t, person, 280, 360)
	waitJS(t, agent, "the next screen", doc+`?.querySelector('h1[data-tag=Title]')?.textContent === 'Order placed'`)

	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	rec := recordingBytes(t, e, id)
	for _, want := range []string{"Milk-marker", "Order placed", "screen=done"} {
		if !bytes.Contains(rec, []byte(want)) {
			t.Fatalf("the stored recording lacks %q", want)
		}
	}
	checkNoLeak(t, "the stored recording", rec)
	checkNotStored(t, e.data, []string{leak})

	// The replay shows the described screens like any page.
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the first screen in the replay", doc+`?.querySelector('h1[data-tag=Title]')?.textContent === 'Shopping list'`)
	if !browsertest.Eval[bool](t, agent, doc+`.querySelector('button[data-tag=Button]')?.textContent === 'Add'`) {
		t.Error("the replay's first screen lacks the Add button")
	}
}

// latencyJS watches the agent's mirror, every animation frame, for the
// app's message text "t=<ms>" and records how long after that time it
// showed. (It reads the mirror's document each time: a new screen is a new
// document.)
const latencyJS = `(() => {
	window.__lat = [];
	const tick = () => {
		const doc = ` + browsertest.MirrorDoc + `;
		const m = doc?.querySelector('[data-tag=Text]:last-of-type')?.textContent || '';
		const at = /^t=(\d+)$/.exec(m);
		if (at && window.__seen !== at[1]) { window.__seen = at[1]; window.__lat.push(Date.now() - Number(at[1])); }
		requestAnimationFrame(tick);
	};
	tick();
	return true;
})()`

// BenchmarkNativeScreenWire plays a scripted 60-second session on the
// canvas app (taps, typing, new rows, a second screen) and compares the
// bytes on the wire with JPEG screenshots at 2 frames per second; it also
// measures the time from a view-tree change on the person's page to the
// agent's mirror (both tabs share one clock), every 500 ms.
//
//	go test -run x -bench NativeScreenWire -benchtime 1x ./internal/e2e/
func BenchmarkNativeScreenWire(b *testing.B) {
	// Both tabs are measured at once: neither may have its timers slowed
	// for being in the background.
	e := setupWith(b, app.Config{}, browsertest.Options{Flags: map[string]any{
		"disable-background-timer-throttling": true, "disable-renderer-backgrounding": true, "disable-backgrounding-occluded-windows": true}})
	setNativeMapping(b, e)
	person, agent := e.tab(), e.tab()
	browsertest.Run(b, person, "bench step", chromedp.EmulateViewport(1280, 800))
	liveAssist(b, e, person, agent, "native.html")
	waitJS(b, agent, "the title in the mirror", browsertest.MirrorDoc+`?.querySelector('h1[data-tag=Title]')?.textContent === 'Shopping list'`)
	if !browsertest.Eval[bool](b, agent, latencyJS) {
		b.Fatal("could not watch the mirror")
	}

	wireStart := e.proxy.upBytes.Load() + e.proxy.downBytes.Load()
	stopShots := screenshotStream(person)
	start := time.Now()
	step := func(js string) { browsertest.Run(b, person, "bench step", chromedp.Evaluate(js, nil)) }
	script := []func(){
		func() { tapCanvas(b, person, 100, 80) },
		func() { browsertest.Run(b, person, "bench step", chromedp.KeyEvent("Oranges")) },
		func() { tapCanvas(b, person, 300, 80) },
		func() { tapCanvas(b, person, 100, 360) },
		func() { browsertest.Run(b, person, "bench step", chromedp.KeyEvent("1234")) },
		func() { tapCanvas(b, person, 280, 360) }, // the order screen
		func() { tapCanvas(b, person, 60, 120) },  // back to the list
		func() { step(`demoApp.state.items.splice(2); demoApp.render()`) },
	}
	for i := 0; time.Since(start) < 60*time.Second; i++ {
		if i%4 == 0 {
			script[(i/4)%len(script)]()
		}
		// A change whose arrival the agent's tab times.
		step(`demoApp.state.screen === 'list' && (demoApp.state.message = 't=' + Date.now(), demoApp.render())`)
		time.Sleep(500 * time.Millisecond)
	}
	jpegBytes := stopShots()
	onWire := e.proxy.upBytes.Load() + e.proxy.downBytes.Load() - wireStart
	lat := browsertest.Eval[[]float64](b, agent, `window.__lat`)
	if len(lat) < 20 {
		b.Fatalf("only %d latency samples", len(lat))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(onWire)/1024, "wire-KiB")
	b.ReportMetric(float64(jpegBytes)/1024, "jpeg-2fps-KiB")
	b.ReportMetric(float64(jpegBytes)/float64(onWire), "ratio")
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[len(lat)*99/100], "p99-ms")
	b.ReportMetric(float64(len(lat)), "samples")
}
