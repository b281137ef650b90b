package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkRelay measures fan-out over real WebSockets on loopback: one
// writer, 1, 2 and 8 readers, 1 KB events, through the bare relay and
// through Tandem with recording off and on. One op is one event received
// by every reader. The Tandem cases also run the bare relay with the same
// number of events (outside the timer) and report their rate over it as
// x-bare; docs/performance.md has the targets.
//
// Like CompareRelay, it keeps a 64 MiB ballast so that the GC runs in
// proportion to allocation in every case (see CompareOptions.Ballast).
func BenchmarkRelay(b *testing.B) {
	ctx := context.Background()
	ballast := make([]byte, 64<<20)
	defer runtime.KeepAlive(ballast)
	openers := map[string]*Opener{}
	for _, mode := range []string{"norec", "rec"} {
		srv, err := StartServer(ctx, ServerOptions{DisableRecording: mode == "norec"})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := srv.Close(ctx); err != nil {
				b.Errorf("close server: %v", err)
			}
		})
		if openers[mode], err = NewOpener(ctx, srv.Target); err != nil {
			b.Fatal(err)
		}
	}
	for _, readers := range []int{1, 2, 8} {
		opts := RelayOptions{Readers: readers, Size: 1024}
		b.Run(fmt.Sprintf("readers=%d/bare", readers), func(b *testing.B) {
			relay, err := StartBareRelay()
			if err != nil {
				b.Fatal(err)
			}
			defer relay.Close()
			f, err := openBare(ctx, relay, readers)
			if err != nil {
				b.Fatal(err)
			}
			defer f.close(ctx)
			benchFanout(b, f, opts)
		})
		for _, mode := range []string{"norec", "rec"} {
			b.Run(fmt.Sprintf("readers=%d/tandem-%s", readers, mode), func(b *testing.B) {
				f, err := openTandem(ctx, openers[mode], readers, false)
				if err != nil {
					b.Fatal(err)
				}
				defer f.close(ctx)
				res := benchFanout(b, f, opts)
				bare := opts
				bare.Events = b.N
				base, err := MeasureBare(ctx, bare)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(res.EventsPerSec()/base.EventsPerSec(), "x-bare")
			})
		}
	}
}

// benchFanout streams b.N events through f under the benchmark's timer.
func benchFanout(b *testing.B, f *fanout, opts RelayOptions) RelayResult {
	b.Helper()
	opts.Events = b.N
	opts.setDefaults()
	b.SetBytes(int64(opts.Size * len(f.readers)))
	b.ResetTimer()
	res, err := measure(context.Background(), f, opts)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.EventsPerSec(), "events/s")
	return res
}
