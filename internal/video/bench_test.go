package video

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"
)

// scriptedSession is a 60-second session on a 1280×720 page: the pointer
// moves every 50 ms, the box changes colour every half second, a click
// every 2 s, a console error every 10 s.
const benchSeconds = 6

func scriptedSession(t testing.TB) []byte {
	f := newFixture(1280, 720)
	f.snapshot(boxPage("#2255ee", "Checkout")...)
	colours := []string{"#2255ee", "#ee3322", "#22aa44", "#aa22cc"}
	for ms := int64(50); ms <= benchSeconds*1000; ms += 50 {
		x, y := 100+int(ms/50)%900, 100+int(ms/70)%500
		f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{
			"source": srcMouseMove, "positions": []any{map[string]any{"x": x, "y": y, "id": 4, "timeOffset": 0}},
		}})
		if ms%500 == 0 {
			f.style(ms, 5, boxStyle(colours[(ms/500)%4]))
		}
		if ms%2000 == 0 {
			f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{"source": srcInteraction, "type": 2, "id": 5, "x": x, "y": y}})
		}
		if ms%10_000 == 0 {
			f.consoleError(ms, fmt.Sprintf("error at %d ms", ms))
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
