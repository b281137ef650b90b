package e2e

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// BenchmarkCallSetup measures the time from the agent's "Call" click to
// media flowing both ways on loopback (the person accepts as soon as the
// prompt shows), over b.N calls in one assist; it reports the median.
//
//	go test -run x -bench CallSetup -benchtime 3x ./internal/e2e/
func BenchmarkCallSetup(b *testing.B) {
	e := setupWith(b, appWithTURN(), fakeMediaOptions())
	person, agent := e.tab(), e.tab()
	liveAssist(b, e, person, agent, "index.html")
	var times []time.Duration
	for range b.N {
		start := time.Now()
		browsertest.Run(b, agent, "call", chromedp.Click(`[data-testid=call-voice]`))
		browsertest.ClickSDK(b, person, "call-accept")
		for {
			if p, a := bothCallStats(b, person, agent); p.InboundBytes > 0 && a.InboundBytes > 0 {
				break
			}
			if time.Since(start) > 30*time.Second {
				b.Fatal("media never flowed")
			}
			time.Sleep(10 * time.Millisecond)
		}
		times = append(times, time.Since(start))
		browsertest.Run(b, agent, "hang up", chromedp.Click(`[data-testid=call-hangup]`))
		waitJS(b, person, "the call to end", `!`+browsertest.SDKUI("call"))
		time.Sleep(300 * time.Millisecond)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "median-ms-to-media")
}

// BenchmarkControlRoundTrip measures, with control granted, the time from
// the agent's click in the mirror to the page's change showing in the same
// mirror (agent → server → page → recorder → server → mirror), over b.N
// clicks; it reports p50 and p99.
//
//	go test -run x -bench ControlRoundTrip -benchtime 30x ./internal/e2e/
func BenchmarkControlRoundTrip(b *testing.B) {
	e := setup(b)
	person, agent := e.tab(), e.tab()
	liveAssist(b, e, person, agent, "app.html")
	waitJS(b, agent, "the app in the mirror", browsertest.MirrorDoc+`?.querySelector('#app-more')`)
	browsertest.Run(b, agent, "ask for control", chromedp.Click(`[data-testid=control-request]`))
	browsertest.ClickSDK(b, person, "control-allow")
	waitJS(b, agent, "control", haveControl)
	x, y := mirrorPoint(b, agent, "#app-more")
	var rtts []float64
	for i := range b.N {
		want := fmt.Sprint(i + 2)
		browsertest.Run(b, agent, "arm", chromedp.Evaluate(`(() => {
			const el = `+browsertest.MirrorDoc+`.querySelector('#app-quantity');
			window.__t1 = 0;
			new MutationObserver((_, o) => { window.__t1 = performance.now(); o.disconnect(); })
				.observe(el, {childList: true, characterData: true, subtree: true});
			window.__t0 = performance.now();
		})()`, nil))
		browsertest.Run(b, agent, "click", chromedp.MouseClickXY(x, y))
		waitJS(b, agent, "the change in the mirror", `window.__t1 > 0 && `+browsertest.MirrorDoc+`.querySelector('#app-quantity').textContent === '`+want+`'`)
		rtts = append(rtts, browsertest.Eval[float64](b, agent, `window.__t1 - window.__t0`))
	}
	sort.Float64s(rtts)
	b.ReportMetric(rtts[len(rtts)/2], "p50-ms")
	b.ReportMetric(rtts[(len(rtts)*99)/100], "p99-ms")
}
