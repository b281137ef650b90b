package record

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs/blobstest"
	"github.com/tandemhq/tandem/internal/record/recordtest"
)

// spoolEvents counts what a Spool reports.
type spoolEvents struct {
	failed, spooled, unspooled atomic.Int64
	lost                       atomic.Int64
}

func (e *spoolEvents) StoreFailed()          { e.failed.Add(1) }
func (e *spoolEvents) Spooled(int64)         { e.spooled.Add(1) }
func (e *spoolEvents) Unspooled(int64, bool) { e.unspooled.Add(1) }
func (e *spoolEvents) Lost(n int64)          { e.lost.Add(n) }

func openSpool(t *testing.T, dir string, store *recordtest.Outage, ev *spoolEvents) *Spool {
	t.Helper()
	sp, err := OpenSpool(dir, store, SpoolOptions{RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, PutTimeout: 100 * time.Millisecond, Events: ev})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sp.Close)
	return sp
}

// writeLines writes lines from..to-1 and flushes them.
func writeLines(t *testing.T, ctx context.Context, w *Writer, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := fmt.Fprintf(w, "line %06d %s\n", i, strings.Repeat("x", 100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatalf("flush during the outage: %v", err)
	}
}

func wantLines(t *testing.T, got string, n int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("the recording has %d lines, want %d", len(lines), n)
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, fmt.Sprintf("line %06d ", i)) {
			t.Fatalf("line %d is %.20q", i, l)
		}
	}
}

// While the store fails (or hangs), chunks go to the spool and count as
// durable, so Flush and Close return; once it answers again, the spool
// stores them and the recording holds everything, in order.
func TestSpoolTakesChunksDuringOutage(t *testing.T) {
	for _, mode := range []string{"fail", "hang"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			store := recordtest.NewOutage(blobstest.NewMemStore())
			ev := &spoolEvents{}
			sp := openSpool(t, t.TempDir(), store, ev)
			w := NewWriter(store, "s1", WriterOptions{ChunkBytes: 4 << 10, Spool: sp})
			writeLines(t, ctx, w, 0, 100) // stored before the outage
			if store.Refused() != 0 {
				t.Fatal("the store refused a chunk before the outage")
			}
			if mode == "fail" {
				store.Fail()
			} else {
				store.Hang()
			}
			writeLines(t, ctx, w, 100, 1000)
			if err := w.Close(ctx); err != nil {
				t.Fatalf("close during the outage: %v", err)
			}
			if n, _ := sp.Pending(); n == 0 || ev.spooled.Load() == 0 || ev.failed.Load() == 0 {
				t.Fatalf("spool holds %d chunks; events %d spooled, %d failures", n, ev.spooled.Load(), ev.failed.Load())
			}
			if !sp.Down() {
				t.Fatal("the spool does not know the store is down")
			}
			store.Recover()
			if err := sp.Drained(ctx); err != nil {
				t.Fatal(err)
			}
			wantLines(t, readAll(t, store, "s1"), 1000)
			if sp.Down() || ev.lost.Load() != 0 || ev.unspooled.Load() != ev.spooled.Load() {
				t.Fatalf("after recovery: down %v, lost %d, spooled %d, unspooled %d", sp.Down(), ev.lost.Load(), ev.spooled.Load(), ev.unspooled.Load())
			}
			if _, err := os.Stat(filepath.Join(sp.dir, "recordings", "s1")); err == nil {
				entries, _ := os.ReadDir(filepath.Join(sp.dir, "recordings", "s1"))
				if len(entries) != 0 {
					t.Fatalf("the spool still has %d files", len(entries))
				}
			}
		})
	}
}

// A server stopped during an outage leaves its spool on disk; the next
// one stores it, and a Writer of the same session numbers its chunks
// after the spooled ones rather than overwrite them.
func TestSpoolStoredAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	dir := t.TempDir()
	mem := blobstest.NewMemStore()
	store := recordtest.NewOutage(mem)
	sp, err := OpenSpool(dir, store, SpoolOptions{RetryMin: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(store, "s1", WriterOptions{ChunkBytes: 4 << 10, Spool: sp})
	writeLines(t, ctx, w, 0, 50)
	store.Fail()
	writeLines(t, ctx, w, 50, 300)
	closeWriter(t, w)
	sp.Close()
	if n, _ := sp.Pending(); n == 0 {
		t.Fatal("nothing was spooled")
	}
	// A half-written file of the stopped server is removed.
	if err := os.WriteFile(filepath.Join(dir, "recordings", "s1", ".chunk-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The next run, with the store still down: a new Writer of s1 must
	// number after the spooled chunks.
	ev := &spoolEvents{}
	sp2 := openSpool(t, dir, store, ev)
	if !sp2.Down() {
		t.Fatal("a spool with leftovers should assume the store is down until it stores one")
	}
	w2 := NewWriter(store, "s1", WriterOptions{ChunkBytes: 4 << 10, Spool: sp2})
	writeLines(t, ctx, w2, 300, 400)
	closeWriter(t, w2)
	store.Recover()
	if err := sp2.Drained(ctx); err != nil {
		t.Fatal(err)
	}
	wantLines(t, readAll(t, store, "s1"), 400)
	if _, err := os.Stat(filepath.Join(dir, "recordings", "s1", ".chunk-123")); !os.IsNotExist(err) {
		t.Fatalf("the half-written file is still there: %v", err)
	}
}

// A full spool takes nothing more: the Writer keeps its chunks in memory
// and stores them once the store answers, as it does without a spool.
func TestSpoolFull(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	store := recordtest.NewOutage(blobstest.NewMemStore())
	sp, err := OpenSpool(t.TempDir(), store, SpoolOptions{MaxBytes: 1, RetryMin: 5 * time.Millisecond, RetryMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sp.Close)
	w := NewWriter(store, "s1", WriterOptions{ChunkBytes: 4 << 10, FlushInterval: 10 * time.Millisecond, Spool: sp})
	store.Fail()
	for i := range 200 {
		fmt.Fprintf(w, "line %06d %s\n", i, strings.Repeat("x", 100))
	}
	fctx, fcancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err = w.Flush(fctx)
	fcancel()
	if err == nil || !strings.Contains(err.Error(), "spool") && !strings.Contains(err.Error(), "outage") {
		t.Fatalf("flush with a full spool and the store down = %v, want a failure", err)
	}
	if n, _ := sp.Pending(); n != 0 {
		t.Fatalf("a spool of 1 byte took %d chunks", n)
	}
	store.Recover()
	closeWriter(t, w)
	wantLines(t, readAll(t, store, "s1"), 200)
}

// A recording deleted while chunks of it wait in the spool (its site's
// retention ran out during an outage) loses them there too: once the store
// answers again, nothing of it is stored, and the other recordings are.
func TestSpoolDiscard(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	store := recordtest.NewOutage(blobstest.NewMemStore())
	ev := &spoolEvents{}
	sp := openSpool(t, t.TempDir(), store, ev)
	store.Fail()
	for _, id := range []string{"doomed", "kept"} {
		w := NewWriter(store, id, WriterOptions{ChunkBytes: 4 << 10, Spool: sp})
		writeLines(t, ctx, w, 0, 300)
		if err := w.Close(ctx); err != nil {
			t.Fatalf("close %s during the outage: %v", id, err)
		}
	}
	before, _ := sp.Pending()
	n, err := sp.Discard("doomed")
	if err != nil || n == 0 {
		t.Fatalf("Discard = %d, %v; want the doomed recording's chunks", n, err)
	}
	if after, _ := sp.Pending(); after != before-n {
		t.Fatalf("%d chunks pending after discarding %d of %d", after, n, before)
	}
	if _, err := sp.Discard("../kept"); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("Discard of a bad id: %v; want invalid", err)
	}
	store.Recover()
	if err := sp.Drained(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := store.List(ctx, "recordings/doomed/")
	if err != nil || len(keys) != 0 {
		t.Fatalf("the discarded recording has %v stored (%v)", keys, err)
	}
	wantLines(t, readAll(t, store, "kept"), 300)
	if entries, _ := os.ReadDir(filepath.Join(sp.dir, "recordings", "doomed")); len(entries) != 0 {
		t.Fatalf("the spool still has %d files of the discarded recording", len(entries))
	}
}

// A new recording that starts while the store is down (nothing of it was
// ever stored, so there is nothing to list) still goes to the spool, and
// is complete once the store answers again.
func TestSpoolTakesANewRecordingStartedDuringOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	store := recordtest.NewOutage(blobstest.NewMemStore())
	sp := openSpool(t, t.TempDir(), store, &spoolEvents{})
	store.Fail()
	w := NewWriter(store, "born-in-outage", WriterOptions{New: true, ChunkBytes: 4 << 10, Spool: sp})
	writeLines(t, ctx, w, 0, 300)
	if err := w.Close(ctx); err != nil {
		t.Fatalf("close during the outage: %v", err)
	}
	if n, _ := sp.Pending(); n == 0 {
		t.Fatal("nothing in the spool")
	}
	store.Recover()
	if err := sp.Drained(ctx); err != nil {
		t.Fatal(err)
	}
	wantLines(t, readAll(t, store, "born-in-outage"), 300)
}
