package record

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/blobstest"
)

// memStore is a blobstest.MemStore (tests here store thousands of chunks,
// and dirblobs syncs each one to disk) that notes Puts that overlap, which
// the one storing goroutine of a Writer must never make.
type memStore struct {
	*blobstest.MemStore
	busy    atomic.Int32
	overlap atomic.Bool
}

func newMemStore() *memStore { return &memStore{MemStore: blobstest.NewMemStore()} }

func (s *memStore) Put(ctx context.Context, key string, r io.Reader) error {
	if s.busy.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.busy.Add(-1)
	runtime.Gosched() // widen the window in which a second Put would overlap
	return s.MemStore.Put(ctx, key, r)
}

// waitFor polls cond until it holds, failing with what() after a few
// seconds: goroutines end and timers fire when the scheduler lets them, so
// tests wait rather than assert timings.
func waitFor(t *testing.T, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// progress returns a Writer's durable and written byte counts.
func progress(w *Writer) (durable, written int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.durable, w.written
}

// consecutiveChunks checks that a session's chunks are numbered 0, 1, 2...
// with no gap, and that each holds whole frames, and returns how many there
// are.
func consecutiveChunks(t *testing.T, store blobs.Store, id string, framed bool) int {
	t.Helper()
	keys := chunkKeys(t, store, id)
	for i, k := range keys {
		if want := chunkKey(id, uint64(i)); k != want {
			t.Fatalf("chunk %d is %q, want %q", i, k, want)
		}
		if !framed {
			continue
		}
		rc, err := store.Get(t.Context(), k)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(rc)
		if err != nil {
			t.Fatalf("chunk %s is not gzip: %v", k, err)
		}
		err = ReadFrames(zr, func(time.Time, []byte) error { return nil })
		rc.Close()
		if err != nil {
			t.Fatalf("chunk %s does not hold whole frames: %v", k, err)
		}
	}
	return len(keys)
}

// inOrder checks that lines, each "g:i", hold lines 0 to each-1 of each of
// goroutines in order, interleaved in any way.
func inOrder(t *testing.T, lines []string, goroutines, each int) {
	t.Helper()
	if len(lines) != goroutines*each {
		t.Fatalf("read %d entries, want %d", len(lines), goroutines*each)
	}
	next := make([]int, goroutines)
	for _, line := range lines {
		var g, i int
		if _, err := fmt.Sscanf(line, "%d:%d", &g, &i); err != nil || g < 0 || g >= goroutines {
			t.Fatalf("mangled entry %q", line)
		}
		if i != next[g] {
			t.Fatalf("goroutine %d: entry %d came where %d was due", g, i, next[g])
		}
		next[g]++
	}
}

// An idle Writer keeps no goroutine: not after NewWriter, nor once what it
// was asked to store is stored, whichever way it was asked. A server holds
// thousands of idle sessions, and a goroutine each would cost their stacks.
func TestIdleWriterKeepsNoGoroutine(t *testing.T) {
	const writers = 200
	// Goroutines of the runtime or of earlier tests may come and go; a
	// goroutine per Writer would be far more.
	const slack = 10
	write := func(t *testing.T, w *Writer, s string) {
		t.Helper()
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	waitDurable := func(t *testing.T, w *Writer, n int64) {
		t.Helper()
		waitFor(t, func() bool { d, _ := progress(w); return d >= n },
			func() string { d, _ := progress(w); return fmt.Sprintf("%d bytes durable, want %d", d, n) })
	}
	tests := []struct {
		name    string
		id      string // a format for the session id of writer %d
		opts    WriterOptions
		use     func(t *testing.T, w *Writer)
		durable int64 // bytes to wait for until stored, after use
	}{
		{"new", "s%d", WriterOptions{FlushInterval: time.Hour}, func(*testing.T, *Writer) {}, 0},
		{"flushed", "s%d", WriterOptions{FlushInterval: time.Hour}, func(t *testing.T, w *Writer) {
			write(t, w, "flushed")
			if err := w.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"stored by the timer", "s%d", WriterOptions{FlushInterval: time.Millisecond}, func(t *testing.T, w *Writer) {
			write(t, w, "timed")
		}, int64(len("timed"))},
		{"full buffer stored", "s%d", WriterOptions{ChunkBytes: 8, FlushInterval: time.Hour}, func(t *testing.T, w *Writer) {
			// The second write queues the first, full buffer; its own
			// bytes wait for a timer that is hours away.
			write(t, w, "12345678")
			write(t, w, "rest")
		}, 8},
		{"bad session id", "bad/%d", WriterOptions{FlushInterval: time.Millisecond}, func(t *testing.T, w *Writer) {
			if _, err := w.Write([]byte("x")); err == nil {
				t.Fatal("Write with a bad session id succeeded")
			}
			if err := w.Flush(t.Context()); err == nil {
				t.Fatal("Flush with a bad session id succeeded")
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			baseline := runtime.NumGoroutine()
			ws := make([]*Writer, writers)
			for i := range ws {
				ws[i] = NewWriter(store, fmt.Sprintf(tt.id, i), tt.opts)
				tt.use(t, ws[i])
			}
			for _, w := range ws {
				waitDurable(t, w, tt.durable)
			}
			waitFor(t, func() bool { return runtime.NumGoroutine() <= baseline+slack },
				func() string {
					return fmt.Sprintf("%d goroutines with %d idle writers, %d before", runtime.NumGoroutine(), writers, baseline)
				})
			for _, w := range ws {
				if w.err == nil {
					closeWriter(t, w)
				}
			}
		})
	}
}

// Frames written from several goroutines while Flushes and the timer keep
// starting and ending the storing goroutine are stored as consecutive
// chunks of whole frames, by one goroutine at a time, and read back in
// order.
func TestConcurrentFramesConsecutiveChunks(t *testing.T) {
	tests := []struct {
		name string
		opts WriterOptions
	}{
		{"a chunk per frame", WriterOptions{ChunkBytes: 1, FlushInterval: time.Millisecond}},
		{"small chunks", WriterOptions{ChunkBytes: 200, FlushInterval: 100 * time.Microsecond}},
		{"shared gate", WriterOptions{ChunkBytes: 500, FlushInterval: time.Millisecond, Gate: NewGate(1)}},
	}
	const goroutines, frames = 6, 150
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			w := NewWriter(store, "s", tt.opts)
			var writing, flushing sync.WaitGroup
			for g := range goroutines {
				writing.Go(func() {
					for i := range frames {
						if err := w.WriteFrame(time.UnixMilli(int64(i)), fmt.Appendf(nil, "%d:%d", g, i)); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			var done atomic.Bool
			flushing.Go(func() {
				for !done.Load() {
					if err := w.Flush(t.Context()); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(100 * time.Microsecond)
				}
			})
			writing.Wait()
			done.Store(true)
			flushing.Wait()
			closeWriter(t, w)

			if store.overlap.Load() {
				t.Error("two Puts of one Writer overlapped")
			}
			if n := consecutiveChunks(t, store, "s", true); n < 2 {
				t.Errorf("%d chunks, want several", n)
			}
			rc, err := Open(t.Context(), store, "s")
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			var got []string
			if err := ReadFrames(rc, func(_ time.Time, frame []byte) error {
				got = append(got, string(frame))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			inOrder(t, got, goroutines, frames)
		})
	}
}

// When the first Puts fail, the storing goroutine retries with its backoff
// until they succeed: everything is stored in order, with no gap in the
// chunk numbers, and the failure is forgotten.
func TestStoreFailsFirstPuts(t *testing.T) {
	tests := []struct {
		name     string
		failures int64
		lines    int
		flush    bool // Flush before Close
	}{
		{"one failure, one chunk", 1, 1, false},
		{"several failures, many chunks", 4, 60, false},
		{"failures under Flush", 5, 30, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &flakyStore{Store: newMemStore(), failFirst: tt.failures}
			w := NewWriter(store, "s", WriterOptions{ChunkBytes: 64, FlushInterval: time.Millisecond})
			var want strings.Builder
			for i := range tt.lines {
				line := fmt.Sprintf("line %03d\n", i)
				want.WriteString(line)
				if _, err := w.Write([]byte(line)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.flush {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				err := w.Flush(ctx)
				cancel()
				if err != nil {
					t.Fatalf("Flush while the first Puts fail: %v", err)
				}
			}
			closeWriter(t, w)

			n := consecutiveChunks(t, store, "s", false)
			if got := readAll(t, store, "s"); got != want.String() {
				t.Errorf("read %q, want %q", got, want.String())
			}
			if puts := store.puts.Load(); puts != tt.failures+int64(n) {
				t.Errorf("%d Puts for %d chunks and %d failures", puts, n, tt.failures)
			}
			w.mu.Lock()
			lastErr := w.lastErr
			w.mu.Unlock()
			if lastErr != nil {
				t.Errorf("lastErr = %v after storing succeeded", lastErr)
			}
		})
	}
}

// A Flush whose request comes just as the storing goroutine decides to exit
// is served all the same: with a flush interval of a microsecond, every
// write starts the goroutine through the timer while Flush requests too.
// A lost request would leave a Flush waiting until its deadline.
func TestFlushAsGoroutineExits(t *testing.T) {
	tests := []struct {
		name       string
		goroutines int
		cycles     int
	}{
		{"one at a time", 1, 1000},
		{"several at once", 4, 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			w := NewWriter(store, "s", WriterOptions{FlushInterval: time.Microsecond})
			var wg sync.WaitGroup
			for g := range tt.goroutines {
				wg.Go(func() {
					for i := range tt.cycles {
						if _, err := fmt.Fprintf(w, "%d:%d\n", g, i); err != nil {
							t.Error(err)
							return
						}
						_, target := progress(w)
						ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
						err := w.Flush(ctx)
						cancel()
						if err != nil {
							t.Errorf("Flush %d of goroutine %d: %v", i, g, err)
							return
						}
						if durable, _ := progress(w); durable < target {
							t.Errorf("Flush %d of goroutine %d returned with %d bytes durable, want %d", i, g, durable, target)
							return
						}
					}
				})
			}
			wg.Wait()
			closeWriter(t, w)
			if store.overlap.Load() {
				t.Error("two Puts of one Writer overlapped")
			}
			consecutiveChunks(t, store, "s", false)
			inOrder(t, strings.Split(strings.TrimSuffix(readAll(t, store, "s"), "\n"), "\n"), tt.goroutines, tt.cycles)
		})
	}
}

// After a timed flush, the next buffer is made once at about the size of
// the chunk that flush stored, instead of growing from nothing again.
func TestBufferSizedLikeLastChunk(t *testing.T) {
	w := NewWriter(newMemStore(), "sized", WriterOptions{ChunkBytes: 1 << 20, FlushInterval: time.Hour})
	defer w.Close(context.Background())
	frame := bytes.Repeat([]byte("x"), 100)
	write := func(n int) {
		for range n {
			if err := w.WriteFrame(time.Now(), frame); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(200)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	stored := w.lastPartial
	w.mu.Unlock()
	if stored < 200*len(frame) {
		t.Fatalf("lastPartial = %d, want at least %d", stored, 200*len(frame))
	}
	write(1)
	w.mu.Lock()
	got := cap(w.buf)
	w.mu.Unlock()
	if got < stored {
		t.Errorf("buffer after a flush of %d bytes has capacity %d, want at least that", stored, got)
	}
}

// Before any timed flush has told it how much a chunk holds, a buffer grows
// by doubling, never by append's smaller steps that leave several times
// its size behind as garbage, and stops growing once it can hold a chunk.
func TestFirstBufferGrowsByDoubling(t *testing.T) {
	const chunk = 256 << 10
	w := NewWriter(newMemStore(), "growing", WriterOptions{ChunkBytes: chunk, FlushInterval: time.Hour})
	defer closeWriter(t, w)
	frame := bytes.Repeat([]byte("x"), 100)
	last, growths := 0, 0
	for i := 0; ; i++ {
		if err := w.WriteFrame(time.Now(), frame); err != nil {
			t.Fatal(err)
		}
		w.mu.Lock()
		c, full := cap(w.buf), len(w.full) > 0
		w.mu.Unlock()
		if full {
			break // the first buffer was full and queued
		}
		if c != last {
			growths++
			if last > 0 && c < 2*last && c < chunk {
				t.Fatalf("write %d grew the buffer from %d to %d bytes, want at least double", i, last, c)
			}
			last = c
		}
	}
	// From one frame to a chunk of 256 KiB by doubling.
	if growths > 13 {
		t.Errorf("the buffer grew %d times on its way to a chunk, want at most 13", growths)
	}
}

// A Flush that returns finds its bytes already reported to OnStored: what
// the assist acknowledges as stored after a Flush (a takeover, a drain) is
// never behind what was flushed.
func TestFlushReturnsAfterOnStored(t *testing.T) {
	for i := range 50 {
		var reported atomic.Int64
		w := NewWriter(newMemStore(), fmt.Sprint("s", i), WriterOptions{
			New: true, FlushInterval: time.Hour,
			OnStored: func(durable int64) {
				runtime.Gosched() // give a woken Flush the chance to return first
				reported.Store(durable)
			},
		})
		if err := w.WriteFrame(time.Unix(1, 0), []byte(`{"frame":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		_, written := progress(w)
		if got := reported.Load(); got < written {
			t.Fatalf("round %d: Flush returned with %d of %d bytes reported to OnStored", i, got, written)
		}
		if err := w.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}
