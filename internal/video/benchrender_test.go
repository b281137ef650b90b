//go:build unix

package video

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// benchRender renders rec with r b.N times and reports, per second of
// video, the CPU time of the render (this process, the browser, ffmpeg);
// how many times faster than real time it ran; the video's bytes per
// minute; and frames per second.
func benchRender(b *testing.B, r *Renderer, rec []byte, o Options) {
	var total time.Duration
	var res *Result
	cpu0 := cpuTime(b)
	for b.Loop() {
		start := time.Now()
		var err error
		res, err = r.RenderAssist(context.Background(), bytes.NewReader(rec), o, io.Discard, nil)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	per := total / time.Duration(b.N)
	// CPU time of this process, the browser and ffmpeg: what the render
	// costs whatever else the machine runs.
	cpu := (cpuTime(b) - cpu0) / time.Duration(b.N)
	b.ReportMetric(cpu.Seconds()/res.Duration.Seconds(), "cpu-s/video-s")
	b.ReportMetric(res.Duration.Seconds()/per.Seconds(), "x-realtime")
	b.ReportMetric(float64(res.Bytes)/res.Duration.Minutes(), "bytes/min")
	b.ReportMetric(float64(res.Frames)/per.Seconds(), "frames/s")
}
