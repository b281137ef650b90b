package hub

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

// queued returns descriptions of the frames waiting for r, and "closed"
// when it has ended.
func queued(r *testReader) []string {
	var got []string
	for {
		fr, done := r.Next()
		switch {
		case fr != nil:
			got = append(got, desc(fr))
		case done:
			return append(got, "closed")
		default:
			return got
		}
	}
}

// testReader is a Reader whose wake signals ready, so that a test can wait
// for its frames as a socket writer would.
type testReader struct {
	*Reader
	ready chan struct{}
}

func subscribeWaiting(h *Hub, from uint64) (*testReader, error) {
	ready := make(chan struct{}, 1)
	r, err := h.Subscribe(from, func() {
		select {
		case ready <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	return &testReader{r, ready}, nil
}

// frames yields r's frames as they come, until it ends.
func (r *testReader) frames() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for {
			fr, done := r.Next()
			switch {
			case fr != nil:
				if !yield(fr) {
					return
				}
			case done:
				return
			default:
				<-r.ready
			}
		}
	}
}

// pending is how many frames wait for r.
func (r *testReader) pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue) - r.head
}

// ended reports whether r has ended.
func (r *testReader) ended() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Reader.ended
}

func subscribe(t *testing.T, h *Hub, from uint64) *testReader {
	t.Helper()
	r, err := subscribeWaiting(h, from)
	if err != nil {
		t.Fatalf("Subscribe(%d): %v", from, err)
	}
	t.Cleanup(r.Close)
	return r
}

// Backlog and live frames meet without a gap or a repeat, however many
// frames the backlog holds (more than the reader's queue here).
func TestBacklogThenLive(t *testing.T) {
	h := New(Options{ReaderQueue: 4})
	publishAll(t, h, "snap:1:a:h")
	for i := 2; i <= 50; i++ {
		publishAll(t, h, fmt.Sprintf("ev:%d:a", i))
	}
	r := subscribe(t, h, 0)
	for i := 51; i <= 54; i++ {
		publishAll(t, h, fmt.Sprintf("ev:%d:a", i))
	}
	got := queued(r)
	if len(got) != 55 || got[0] != "sync:from=1" || got[1] != "snap:1" {
		t.Fatalf("got %d frames starting %q", len(got), got[:min(3, len(got))])
	}
	for i, d := range got[2:] {
		if want := fmt.Sprintf("ev:%d", i+2); d != want {
			t.Fatalf("frame %d = %s, want %s", i+2, d, want)
		}
	}
	if r.Err() != nil {
		t.Errorf("reader within its queue was cut: %v", r.Err())
	}
}

func TestSlowReaderCut(t *testing.T) {
	h := New(Options{ReaderQueue: 4})
	publishAll(t, h, "snap:1:a:h")
	slow := subscribe(t, h, 1) // resumes with an empty backlog; never reads

	fast := subscribe(t, h, 1)
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for fr := range fast.frames() {
			got = append(got, desc(fr))
			if len(got) == 20 {
				return
			}
		}
	}()
	for i := 2; i <= 21; i++ {
		// Publish never waits; pace the writer only so that the fast
		// reader, not the hub, decides whether it keeps up.
		publishAll(t, h, fmt.Sprintf("ev:%d:a", i))
		for fast.pending() > 2 {
			time.Sleep(time.Millisecond)
		}
	}
	<-done

	if !slow.ended() {
		t.Fatal("slow reader was not cut off")
	}
	if tandem.ErrorCode(slow.Err()) != tandem.ESlowConsumer {
		t.Errorf("slow reader Err = %v, want %s", slow.Err(), tandem.ESlowConsumer)
	}
	// What it had queued is dropped: it must resync anyway.
	if q := queued(slow); !slices.Equal(q, []string{"closed"}) {
		t.Errorf("slow reader's queue = %q, want only its end", q)
	}
	if len(got) != 20 || got[0] != "ev:2" || got[19] != "ev:21" {
		t.Errorf("fast reader got %d frames %q...", len(got), got[:min(2, len(got))])
	}
	if fast.Err() != nil {
		t.Errorf("fast reader cut: %v", fast.Err())
	}
	st := h.Stats()
	if st.SlowReadersCut != 1 || st.Readers != 1 || st.FramesIn != 21 {
		t.Errorf("Stats = %+v, want 1 cut, 1 reader, 21 frames", st)
	}
	// The cut reader reconnects and resumes where it stopped.
	again := subscribe(t, h, 5)
	if q := queued(again); len(q) != 16 || q[0] != "ev:6" || q[15] != "ev:21" {
		t.Errorf("resumed reader got %q", q)
	}
}

func TestReaderClose(t *testing.T) {
	h := New(Options{})
	r := subscribe(t, h, 0)
	other := subscribe(t, h, 0)
	if h.Readers() != 2 {
		t.Fatalf("Readers = %d, want 2", h.Readers())
	}
	r.Close()
	r.Close()
	if h.Readers() != 1 {
		t.Errorf("Readers after Close = %d, want 1", h.Readers())
	}
	if !r.ended() {
		t.Error("reader not ended by Close")
	}
	if r.Err() != nil {
		t.Errorf("Err after Close = %v, want nil", r.Err())
	}
	publishAll(t, h, "ev:1")
	if got := queued(other); !slices.Equal(got, []string{"sync:from=1", "ev:1"}) {
		t.Errorf("other reader got %q", got)
	}
}

// A reader is woken for every frame queued and for its end, and after the
// hub closes it still yields what was queued before telling it is done.
func TestReaderWakeAndDrain(t *testing.T) {
	h := New(Options{})
	publishAll(t, h, "snap:1:a:h")
	var wakes atomic.Int32
	r, err := h.Subscribe(1, func() { wakes.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if fr, done := r.Next(); fr != nil || done {
		t.Fatalf("Next on an up-to-date reader = %q, %v", fr, done)
	}
	publishAll(t, h, "ev:2:a", "ev:3:a")
	if n := wakes.Load(); n != 2 {
		t.Errorf("woken %d times for 2 frames, want 2", n)
	}
	h.Close(errors.New("over"))
	if n := wakes.Load(); n != 3 {
		t.Errorf("woken %d times after close, want 3", n)
	}
	var got []string
	for {
		fr, done := r.Next()
		if done {
			break
		}
		if fr == nil {
			t.Fatal("Next returned nothing before done")
		}
		got = append(got, desc(fr))
	}
	if !slices.Equal(got, []string{"ev:2", "ev:3"}) {
		t.Errorf("frames after close = %q", got)
	}
}

// A drained reader does not keep a burst's queue: an idle reader holds
// (almost) nothing, however far behind it once was.
func TestReaderQueueShrinks(t *testing.T) {
	h := New(Options{ReaderQueue: 1000})
	r := subscribe(t, h, 0)
	queued(r)
	for i := 1; i <= 500; i++ {
		publishAll(t, h, fmt.Sprintf("ev:%d", i))
	}
	if got := queued(r); len(got) != 500 {
		t.Fatalf("got %d frames, want 500", len(got))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := cap(r.queue); c > idleQueue {
		t.Errorf("drained reader keeps a queue of capacity %d, want at most %d", c, idleQueue)
	}
}
