package hub_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
)

// BenchmarkFanout publishes 1 KB frames from one writer to N readers that
// drain in their own goroutines, as the WebSocket handlers will; a reader
// that is cut off reconnects from its last frame, as the console does. It
// reports delivered events per second (timed until every reader has the
// last frame) and readers cut per million frames.
func BenchmarkFanout(b *testing.B) {
	for _, readers := range []int{1, 2, 8} {
		for _, rec := range []bool{false, true} {
			name := fmt.Sprintf("readers=%d", readers)
			if rec {
				name += "/record"
			}
			b.Run(name, func(b *testing.B) { benchFanout(b, readers, rec) })
		}
	}
}

func benchFanout(b *testing.B, readers int, rec bool) {
	var needSnap atomic.Bool
	opts := hub.Options{OnNeedSnapshot: func() { needSnap.Store(true) }}
	var w *record.Writer
	if rec {
		store, err := dirblobs.New(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		w = record.NewWriter(store, "bench", record.WriterOptions{})
		opts.Sink = w
	}
	h := hub.New(opts)
	payload := eventsPayload(1024 - 40)
	publish := func(seq uint64) {
		hd := hub.Header{Kind: hub.KindEv, Seq: seq, Page: "page-1"}
		if seq == 1 || needSnap.Swap(false) {
			hd.Kind, hd.Hash = hub.KindSnap, fmt.Sprint(seq)
		}
		frame := hub.EncodeFrame(hd, payload)
		for {
			_, err := h.Publish(frame)
			if w != nil && errors.Is(err, record.ErrBufferFull) {
				// The writer outran compression: wait for the recording
				// to catch up, as a person's SDK would resend.
				if err := w.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
				continue
			}
			if err != nil {
				b.Fatal(err)
			}
			return
		}
	}
	publish(1)

	var wg sync.WaitGroup
	var last atomic.Uint64 // the final seq, once the writer is done
	for range readers {
		wg.Go(func() {
			var seen uint64 = 1
			for {
				ready := make(chan struct{}, 1)
				r, err := h.Subscribe(seen, func() {
					select {
					case ready <- struct{}{}:
					default:
					}
				})
				if err != nil {
					b.Error(err)
					return
				}
				for {
					fr, done := r.Next()
					if fr == nil {
						if done {
							break
						}
						<-ready
						continue
					}
					hd, err := hub.ParseHeader(fr)
					if err != nil {
						b.Error(err)
						return
					}
					if hd.Seq > 0 {
						seen = hd.Seq
					}
					if l := last.Load(); l != 0 && seen == l {
						r.Close()
						return
					}
				}
				r.Close() // cut off: reconnect from seen
			}
		})
	}

	b.ReportAllocs()
	start := time.Now()
	seq := uint64(1)
	for b.Loop() {
		seq++
		publish(seq)
	}
	last.Store(seq + 1)
	publish(seq + 1) // wakes readers to see last
	wg.Wait()
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(b.N*readers)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(h.Stats().SlowReadersCut)*1e6/float64(b.N), "cuts/Mframe")
	if w != nil {
		if err := w.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// eventsPayload returns about n bytes shaped like a batch of rrweb mouse
// move events, with varying numbers so that it compresses like real ones.
func eventsPayload(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := []byte("[")
	for len(b) < n-120 {
		b = fmt.Appendf(b, `{"type":3,"data":{"source":1,"positions":[{"x":%d,"y":%d,"id":%d,"timeOffset":-%d}]},"timestamp":%d},`,
			rng.IntN(2000), rng.IntN(1000), rng.IntN(500), rng.IntN(50), 1700000000000+rng.IntN(1e6))
	}
	return append(b[:len(b)-1], ']')
}

// BenchmarkIdleHubMemory reports the heap held by an idle hub: one page
// with a meta frame and a 1 KiB snapshot (included), no readers.
func BenchmarkIdleHubMemory(b *testing.B) {
	const hubs = 10_000
	payload := make([]byte, 1024)
	var perHub float64
	for b.Loop() {
		all := make([]*hub.Hub, hubs)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range all {
			h := hub.New(hub.Options{})
			for _, frame := range [][]byte{
				hub.EncodeFrame(hub.Header{Kind: hub.KindMeta, Seq: 1, Page: "p1"}, []byte(`{"url":"https://example.com/"}`)),
				hub.EncodeFrame(hub.Header{Kind: hub.KindSnap, Seq: 2, Page: "p1", Hash: "abcdef"}, payload),
			} {
				if _, err := h.Publish(frame); err != nil {
					b.Fatal(err)
				}
			}
			all[i] = h
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perHub = float64(after.HeapAlloc-before.HeapAlloc) / hubs
		runtime.KeepAlive(all)
	}
	b.ReportMetric(perHub, "bytes/hub")
}
