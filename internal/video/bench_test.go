package video

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// benchSeconds is the length of the scripted session.
const benchSeconds = 60

// scriptedSession is a 60-second session on a 1280×720 page, paced like a
// person filling a form: every 5 s the pointer moves for a second (an event
// every 50 ms) and clicks; twice, a field is typed into for 3 s (5 keys/s);
// every 10 s the page changes colour; a console error at 30 s.
func scriptedSession(t testing.TB) []byte {
	f := newFixture(1280, 720)
	f.snapshot(append(boxPage("#2255ee", "Checkout"), el(7, "div", map[string]any{"style": "position:absolute;left:100px;top:400px;font:32px sans-serif"}, text(8, "")))...)
	colours := []string{"#2255ee", "#ee3322", "#22aa44", "#aa22cc"}
	typed := ""
	for ms := int64(50); ms <= benchSeconds*1000; ms += 50 {
		if ms%5000 < 1000 {
			x, y := 100+int(ms/50)%900, 100+int(ms/70)%500
			f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{
				"source": srcMouseMove, "positions": []any{map[string]any{"x": x, "y": y, "id": 4, "timeOffset": 0}},
			}})
			if ms%5000 == 950 {
				f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{"source": srcInteraction, "type": 2, "id": 5, "x": x, "y": y}})
			}
		}
		if (ms >= 12_000 && ms < 15_000 || ms >= 40_000 && ms < 43_000) && ms%200 == 0 {
			typed += string(rune('a' + len(typed)%26))
			f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{
				"source": srcMutation, "attributes": []any{}, "removes": []any{}, "adds": []any{},
				"texts": []any{map[string]any{"id": 8, "value": typed}},
			}})
		}
		if ms%10_000 == 0 {
			f.style(ms, 5, boxStyle(colours[(ms/10_000)%4]))
		}
		if ms == 30_000 {
			f.consoleError(ms, "Uncaught TypeError: total is undefined")
		}
	}
	return f.ndjson(t)
}

// BenchmarkRenderAssist renders the scripted 60-second session at 1280×720,
// 25 frames/s, with clicks, pointer and devtools, and reports how many times
// faster than real time it ran and the video's bytes per minute.
func BenchmarkRenderAssist(b *testing.B) {
	rec := scriptedSession(b)
	r := newRenderer(b)
	var total time.Duration
	var res *Result
	for b.Loop() {
		start := time.Now()
		var err error
		res, err = r.RenderAssist(context.Background(), bytes.NewReader(rec), Options{Width: 1280, Height: 720, Clicks: true, Pointer: true, Devtools: true}, io.Discard, nil)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(res.Duration.Seconds()/per.Seconds(), "x-realtime")
	b.ReportMetric(float64(res.Bytes)/res.Duration.Minutes(), "bytes/min")
	b.ReportMetric(float64(res.Frames)/per.Seconds(), "frames/s")
}
