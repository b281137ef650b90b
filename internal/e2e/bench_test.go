package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// Benchmarks in a real browser. They report figures with b.ReportMetric;
// docs/performance.md gives the command of each, for example:
//
//	go test -run x -bench RecorderCost -benchtime 3x ./internal/e2e/
//	go test -run x -bench WireVsScreenshots -benchtime 1x ./internal/e2e/

// longTasksJS starts summing the main thread's blocking time (the part of
// each long task beyond 50 ms, as Total Blocking Time counts it).
const longTasksJS = `(() => {
	window.__blocking = 0; window.__longTasks = 0;
	new PerformanceObserver(l => { for (const e of l.getEntries()) { window.__blocking += Math.max(0, e.duration - 50); window.__longTasks++; } })
		.observe({type: 'longtask', buffered: true});
	const send = WebSocket.prototype.send;
	WebSocket.prototype.send = function (d) {
		if (typeof d === 'string' && d.startsWith('{"k":"snap"') && !window.__firstSnap) window.__firstSnap = performance.now();
		return send.call(this, d);
	};
})()`

// interactJS scrolls the 10,000-node page and changes a hundred rows, the
// same script with and without the recorder.
const interactJS = `(async () => {
	const rows = document.querySelectorAll('#big-body tr');
	for (let i = 0; i < 20; i++) {
		window.scrollTo(0, i * 400);
		for (let j = 0; j < 5; j++) { const r = rows[(i * 5 + j) % rows.length]; if (r) r.firstElementChild.textContent = 'changed ' + i + '.' + j; }
		await new Promise(r => setTimeout(r, 50));
	}
	return true;
})()`

// BenchmarkRecorderCost measures, on the 10,000-node demo page, the
// main-thread blocking time of the same scripted interaction without the
// recorder (SDK loaded, no assist) and with it (live assist), and the time
// from the recorder script's arrival to the first full snapshot on the wire.
func BenchmarkRecorderCost(b *testing.B) {
	e := setup(b)
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)

	measure := func(live bool) (blocking, firstSnap, recorderAt float64) {
		e.openDemo(person, "big.html")
		browsertest.Run(b, person, "bench step", chromedp.Evaluate(longTasksJS, nil))
		if live {
			requestAndAccept(b, person, agent)
			browsertest.ClickSDK(b, person, "allow")
			waitJS(b, person, "the first snapshot", `window.__firstSnap`)
			browsertest.Run(b, person, "bench step", chromedp.Evaluate(`window.__firstSnap`, &firstSnap))
			browsertest.Run(b, person, "bench step", chromedp.Evaluate(`(performance.getEntriesByType('resource').find(r => r.name.includes('/sdk/recorder.')) || {}).responseEnd || 0`, &recorderAt))
			browsertest.Run(b, person, "bench step", chromedp.Evaluate(`window.__blocking = 0`, nil))
		}
		var ok bool
		browsertest.Run(b, person, "bench step", chromedp.Evaluate(interactJS, &ok, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		time.Sleep(300 * time.Millisecond)
		browsertest.Run(b, person, "bench step", chromedp.Evaluate(`window.__blocking`, &blocking))
		if live {
			browsertest.ClickSDK(b, person, "badge")
			waitJS(b, person, "the end", `!`+browsertest.SDKUI("badge"))
		}
		return
	}
	b.ResetTimer()
	var without, with, snap float64
	for range b.N {
		w, _, _ := measure(false)
		l, s, r := measure(true)
		if r == 0 {
			b.Fatal("recorder.js was not seen loading: the first-snapshot time would be from the page's start")
		}
		without, with, snap = without+w, with+l, snap+(s-r)
		browsertest.Run(b, agent, "back to the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
	}
	n := float64(b.N)
	b.ReportMetric(without/n, "blocking-ms-without")
	b.ReportMetric(with/n, "blocking-ms-with")
	b.ReportMetric(snap/n, "first-snapshot-ms")
}

// screenshotStream takes a JPEG screenshot (quality 70) of the tab every
// 500 ms, the stream a screen-sharing tool would send at 2 frames per
// second; the function it returns stops it and returns the bytes taken.
func screenshotStream(tab context.Context) func() int {
	jpegBytes := 0
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			var buf []byte
			err := chromedp.Run(tab, chromedp.ActionFunc(func(ctx context.Context) error {
				data, err := page.CaptureScreenshot().WithFormat(page.CaptureScreenshotFormatJpeg).WithQuality(70).Do(ctx)
				buf = data
				return err
			}))
			if err == nil {
				jpegBytes += len(buf)
			}
		}
	}()
	return func() int {
		close(stop)
		<-done
		return jpegBytes
	}
}

// BenchmarkWireVsScreenshots plays a scripted 60-second session on the
// demo site and compares the bytes the SDK sent with a stream of JPEG
// screenshots of the same tab at 2 frames per second.
func BenchmarkWireVsScreenshots(b *testing.B) {
	e := setup(b)
	person, agent := e.tab(), e.tab()
	browsertest.Run(b, person, "bench step", chromedp.EmulateViewport(1280, 800))
	id := liveAssist(b, e, person, agent, "index.html")

	wireStart := e.proxy.upBytes.Load() + e.proxy.downBytes.Load()
	stopShots := screenshotStream(person)
	start := time.Now()
	playDemoScript(b, e, person, start)
	jpegBytes := stopShots()
	onWire := e.proxy.upBytes.Load() + e.proxy.downBytes.Load() - wireStart
	browsertest.ClickSDK(b, person, "badge")
	waitJS(b, agent, "the end", `document.querySelector('[data-testid=ended-reason]')`)

	demo := e.srv.Demo()
	a, err := simclient.Login(context.Background(), e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		b.Fatal(err)
	}
	var rec struct {
		Frames []struct {
			S uint64
			K string
			D json.RawMessage
		}
	}
	if err := a.Do(context.Background(), "GET", "/api/v1/assists/"+id+"/recording", nil, &rec); err != nil {
		b.Fatal(err)
	}
	wire := 0
	for _, f := range rec.Frames {
		wire += len(f.D) + 40 // payload plus a header
	}
	b.ReportMetric(float64(wire)/1024, "frames-KiB")
	b.ReportMetric(float64(onWire)/1024, "wire-KiB")
	b.ReportMetric(float64(jpegBytes)/1024, "jpeg-2fps-KiB")
	b.ReportMetric(float64(jpegBytes)/float64(onWire), "ratio")
}

// playDemoScript plays the scripted 60-second session on the demo site in
// the person's tab, from start: a step every 2 s through the home page,
// the form and the single-page app (clicks, typing, scrolling, a fetch, a
// console message), until 60 s have passed.
func playDemoScript(b testing.TB, e *env, person context.Context, start time.Time) {
	script := []func(){
		func() { e.navigate(person, "index.html") },
		func() { browsertest.Run(b, person, "bench step", chromedp.Click(`#fetch-data`)) },
		func() { browsertest.Run(b, person, "bench step", chromedp.Click(`#log-console`)) },
		func() { e.navigate(person, "form.html") },
		func() {
			browsertest.Run(b, person, "bench step", chromedp.SendKeys(`#name`, "Ada Lovelace"), chromedp.SendKeys(`#email`, "ada@example.com"))
		},
		func() { browsertest.Run(b, person, "bench step", chromedp.Evaluate(`window.scrollTo(0, 300)`, nil)) },
		func() { browsertest.Run(b, person, "bench step", chromedp.Click(`#newsletter`)) },
		func() { e.navigate(person, "spa.html") },
		func() { browsertest.Run(b, person, "bench step", chromedp.Click(`#route-products`)) },
		func() { browsertest.Run(b, person, "bench step", chromedp.Click(`#route-about`)) },
		func() { browsertest.Run(b, person, "bench step", chromedp.Click(`#load-rows`)) },
		func() { browsertest.Run(b, person, "bench step", chromedp.Evaluate(`window.scrollTo(0, 1200)`, nil)) },
		func() { browsertest.Run(b, person, "bench step", chromedp.Click(`#route-home`)) },
	}
	for i := 0; time.Since(start) < 60*time.Second; i++ {
		script[i%len(script)]()
		time.Sleep(2 * time.Second)
	}
}
