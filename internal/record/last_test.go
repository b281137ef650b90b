package record

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A recording taken over by another owner continues in that owner's epoch,
// after the stored chunks; a chunk the previous owner stores late goes in
// its own range and replaces nothing. LastFrame reads the frame that ends
// the stored recording.
func TestTakeoverContinuesInItsEpoch(t *testing.T) {
	store, _ := newStore(t)
	ctx := t.Context()
	if f, _, err := LastFrame(ctx, store, "a"); err != nil || f != nil {
		t.Fatalf("LastFrame of no recording = %q, %v; want none", f, err)
	}
	t0 := time.UnixMilli(1_700_000_000_000)
	write := func(w *Writer, from, to int) {
		t.Helper()
		for i := from; i <= to; i++ {
			if err := w.WriteFrame(t0.Add(time.Duration(i)*time.Millisecond), fmt.Appendf(nil, `{"k":"ev","s":%d}`+"\n[%d]", i, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	first := NewWriter(store, "a", WriterOptions{New: true, ChunkBytes: 40, FirstChunk: Epoch(1)})
	write(first, 1, 5)
	if err := first.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	f, at, err := LastFrame(ctx, store, "a")
	if err != nil || string(f) != `{"k":"ev","s":5}`+"\n[5]" || !at.Equal(t0.Add(5*time.Millisecond)) {
		t.Fatalf("LastFrame = %q at %v, %v; want frame 5", f, at, err)
	}
	stored := len(chunkKeys(t, store, "a"))

	next := NewWriter(store, "a", WriterOptions{ChunkBytes: 40, FirstChunk: Epoch(2)})
	write(next, 6, 7)
	if err := next.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The first owner, not knowing it lost the session, stores one more
	// chunk late.
	write(first, 99, 99)
	closeWriter(t, first)
	closeWriter(t, next)

	keys := chunkKeys(t, store, "a")
	if len(keys) != stored+2 || keys[stored] != fmt.Sprintf("recordings/a/%08d.gz", stored) || keys[stored+1] != "recordings/a/4294967296.gz" {
		t.Errorf("chunks = %q; want the late chunk after the %d stored, then the next owner's from 2^32", keys, stored)
	}
	var seqs []int
	rc, err := Open(ctx, store, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	err = ReadFrames(rc, func(_ time.Time, frame []byte) error {
		var s int
		_, err := fmt.Sscanf(string(frame), `{"k":"ev","s":%d}`, &s)
		seqs = append(seqs, s)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The late chunk overwrote none: it is numbered after the first
	// owner's (00000005), before the second's.
	if wantSeqs := []int{1, 2, 3, 4, 5, 99, 6, 7}; !slices.Equal(seqs, wantSeqs) {
		t.Errorf("recorded frames %v, want %v", seqs, wantSeqs)
	}
	if f, _, err := LastFrame(ctx, store, "a"); err != nil || string(f) != `{"k":"ev","s":7}`+"\n[7]" {
		t.Errorf("LastFrame after the takeover = %q, %v; want frame 7", f, err)
	}
}

// An abandoned Writer stores nothing more: what was stored stays, what was
// only written is dropped and counted.
func TestAbandon(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "a", WriterOptions{New: true, FlushInterval: time.Hour})
	if _, err := w.Write([]byte("stored,")); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("dropped")); err != nil {
		t.Fatal(err)
	}
	if n := w.Abandon(); n != int64(len("dropped")) {
		t.Errorf("Abandon dropped %d bytes, want %d", n, len("dropped"))
	}
	if err := w.Close(t.Context()); err == nil {
		t.Error("Close after Abandon succeeded")
	}
	if _, err := w.Write([]byte("more")); err == nil {
		t.Error("Write after Abandon succeeded")
	}
	if got := readAll(t, store, "a"); got != "stored," {
		t.Errorf("recording %q, want only what was stored before", got)
	}
}
