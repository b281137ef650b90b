package hub

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStorm runs a writer, broadcasts, and readers that subscribe, resume,
// read a while, get cut off or leave, all at once (run it with -race).
// Every reader must see a gapless, repeat-free run of sequence numbers
// after its sync frame or its resume point.
func TestStorm(t *testing.T) {
	const frames = 20000
	var needSnap atomic.Bool
	h := New(Options{
		ReaderQueue:      32,
		MaxRetainedBytes: 32 << 10,
		OnNeedSnapshot:   func() { needSnap.Store(true) },
	})
	// When the writer is done it closes the hub, which ends every reader.
	finished := errors.New("writer finished")
	var wg sync.WaitGroup
	wg.Go(func() {
		defer h.Close(finished)
		for seq := uint64(1); seq <= frames; seq++ {
			var hd Header
			if seq == 1 || needSnap.Swap(false) {
				hd = Header{Kind: KindSnap, Seq: seq, Page: "a", Hash: fmt.Sprint(seq)}
			} else {
				hd = Header{Kind: KindEv, Seq: seq, Page: "a"}
			}
			if _, err := h.Publish(EncodeFrame(hd, make([]byte, 100))); err != nil {
				t.Errorf("Publish %d: %v", seq, err)
				return
			}
			if seq%100 == 0 {
				h.Broadcast(EncodeFrame(Header{Kind: "health"}, nil))
			}
			if seq%16 == 0 {
				runtime.Gosched() // let readers interleave on a small machine
			}
		}
	})

	var synced, resumed, cut atomic.Int64
	for id := range 6 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(id), 1))
			var last uint64 // last data frame this reader applied
			for {
				from := last
				if rng.IntN(4) == 0 {
					from = 0
				}
				r, err := subscribeWaiting(h, from)
				if errors.Is(err, finished) {
					return
				} else if err != nil {
					t.Errorf("Subscribe: %v", err)
					return
				}
				var next uint64 // the seq the next data frame must have; 0 until known
				if from > 0 {
					next = from + 1
				}
				first := true
				budget := rng.IntN(300)
				for fr := range r.frames() {
					hd, err := ParseHeader(fr)
					if err != nil {
						t.Errorf("reader got a bad frame: %v", err)
						return
					}
					switch {
					case hd.Kind == KindSync:
						if !first {
							t.Errorf("sync frame after the first frame")
						}
						next = hd.From
						synced.Add(1)
					case hd.Seq == 0: // a broadcast control frame
					case next != 0 && hd.Seq != next:
						t.Errorf("reader (from %d) expected seq %d, got %s", from, next, desc(fr))
						r.Close()
						return
					default:
						if first {
							resumed.Add(1)
						}
						next = hd.Seq + 1
						last = hd.Seq
					}
					first = false
					if budget--; budget == 0 {
						break
					}
				}
				switch err := r.Err(); {
				case errors.Is(err, finished):
					return
				case err != nil:
					cut.Add(1)
				}
				r.Close()
			}
		})
	}
	wg.Wait()
	if h.LastSeq() != frames {
		t.Fatalf("LastSeq = %d, want %d", h.LastSeq(), frames)
	}
	if synced.Load() == 0 || resumed.Load() == 0 {
		t.Errorf("storm did not exercise both paths: %d syncs, %d resumes", synced.Load(), resumed.Load())
	}
	t.Logf("%d syncs, %d resumes, %d readers cut, %d cut by hub", synced.Load(), resumed.Load(), cut.Load(), h.Stats().SlowReadersCut)
}
