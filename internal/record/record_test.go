package record

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
)

func newStore(t testing.TB) (*dirblobs.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := dirblobs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func readAll(t *testing.T, store blobs.Store, id string) string {
	t.Helper()
	rc, err := Open(t.Context(), store, id)
	if err != nil {
		t.Fatalf("Open(%q): %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", id, err)
	}
	return string(b)
}

func chunkKeys(t *testing.T, store blobs.Store, id string) []string {
	t.Helper()
	keys, err := store.List(t.Context(), "recordings/"+id+"/")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func closeWriter(t *testing.T, w *Writer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
	}{
		{"one write", []string{"hello, world\n"}},
		{"several", []string{"a", "bb", "", "ccc\r\n", "\x1b[31mred\x1b[0m"}},
		{"binary", []string{"\x00\x01\x02\xff\xfe", strings.Repeat("\x00", 1000)}},
		{"large", []string{strings.Repeat("0123456789", 100_000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _ := newStore(t)
			w := NewWriter(store, "s1", WriterOptions{})
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			closeWriter(t, w)
			if got, want := readAll(t, store, "s1"), strings.Join(tt.writes, ""); got != want {
				t.Errorf("read back %d bytes, want %d (%.40q vs %.40q)", len(got), len(want), got, want)
			}
		})
	}
}

// Chunks come back in order, each holding only whole writes, and together
// they are one gzip stream that the system's gzip reads.
func TestManyChunksInOrder(t *testing.T) {
	store, dir := newStore(t)
	w := NewWriter(store, "term", WriterOptions{ChunkBytes: 2048, FlushInterval: time.Millisecond})
	var want strings.Builder
	for i := range 3000 {
		line := fmt.Sprintf("write %d %s\n", i, strings.Repeat("x", i%97))
		want.WriteString(line)
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		if i%500 == 0 {
			// A Flush cuts a small chunk between the full ones.
			if err := w.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
	}
	closeWriter(t, w)

	keys := chunkKeys(t, store, "term")
	if len(keys) < 10 {
		t.Fatalf("got %d chunks, want many", len(keys))
	}
	for i, k := range keys {
		if want := fmt.Sprintf("recordings/term/%08d.gz", i); k != want {
			t.Fatalf("chunk %d is %q, want %q", i, k, want)
		}
		rc, err := store.Get(t.Context(), k)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(rc)
		if err != nil {
			t.Fatalf("chunk %s is not gzip: %v", k, err)
		}
		b, err := io.ReadAll(zr)
		rc.Close()
		if err != nil {
			t.Fatalf("chunk %s: %v", k, err)
		}
		if !bytes.HasPrefix(b, []byte("write ")) || !bytes.HasSuffix(b, []byte("\n")) {
			t.Fatalf("chunk %s splits a write: starts %.20q, ends %.20q", k, b, b[max(0, len(b)-20):])
		}
	}
	if got := readAll(t, store, "term"); got != want.String() {
		t.Fatalf("Open returned %d bytes, want %d", len(got), want.Len())
	}

	// The shell way: cat the chunks in order and gunzip.
	args := []string{"-c", "cat " + filepath.Join(dir, "recordings", "term") + "/*.gz | gzip -dc"}
	out, err := exec.Command("sh", args...).Output()
	if err != nil {
		t.Fatalf("cat | gzip -dc: %v", err)
	}
	if string(out) != want.String() {
		t.Fatalf("gzip -dc of the chunks gave %d bytes, want %d", len(out), want.Len())
	}
}

// What Close stored is on disk: a new store on the same directory, as after
// a restart, reads it all.
func TestCloseDurable(t *testing.T) {
	store, dir := newStore(t)
	w := NewWriter(store, "s", WriterOptions{FlushInterval: time.Hour})
	want := strings.Repeat("durable bytes ", 1000)
	if _, err := w.Write([]byte(want)); err != nil {
		t.Fatal(err)
	}
	closeWriter(t, w)
	reopened, err := dirblobs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, reopened, "s"); got != want {
		t.Errorf("after reopen read %d bytes, want %d", len(got), len(want))
	}
}

func TestFlush(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "s", WriterOptions{FlushInterval: time.Hour})
	defer closeWriter(t, w)
	if err := w.Flush(t.Context()); err != nil {
		t.Fatalf("Flush of nothing: %v", err)
	}
	if keys := chunkKeys(t, store, "s"); len(keys) != 0 {
		t.Fatalf("Flush of nothing stored %q", keys)
	}
	for _, s := range []string{"first ", "second"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	if got := readAll(t, store, "s"); got != "first second" {
		t.Errorf("after Flush read %q", got)
	}
	if keys := chunkKeys(t, store, "s"); len(keys) != 2 {
		t.Errorf("two flushes made %d chunks, want 2", len(keys))
	}
}

// Without Flush or Close, written bytes reach storage within the interval.
func TestFlushInterval(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "s", WriterOptions{FlushInterval: 20 * time.Millisecond})
	defer closeWriter(t, w)
	if _, err := w.Write([]byte("tick")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(chunkKeys(t, store, "s")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no chunk stored without Flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := readAll(t, store, "s"); got != "tick" {
		t.Errorf("read %q", got)
	}
}

// A second Writer for the same session, as after a restart, appends.
func TestAppendAfterRestart(t *testing.T) {
	store, _ := newStore(t)
	for _, s := range []string{"one,", "two,", "three"} {
		w := NewWriter(store, "s", WriterOptions{})
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		closeWriter(t, w)
	}
	if got := readAll(t, store, "s"); got != "one,two,three" {
		t.Errorf("read %q, want all three writers' bytes in order", got)
	}
	want := []string{"recordings/s/00000000.gz", "recordings/s/00000001.gz", "recordings/s/00000002.gz"}
	if got := chunkKeys(t, store, "s"); !slices.Equal(got, want) {
		t.Errorf("chunks = %q, want %q", got, want)
	}
}

func TestConcurrentWrites(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "s", WriterOptions{ChunkBytes: 512, FlushInterval: time.Millisecond})
	const writers, lines = 8, 200
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				if _, err := fmt.Fprintf(w, "<%d:%d>\n", g, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	closeWriter(t, w)
	got := strings.Split(strings.TrimSuffix(readAll(t, store, "s"), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("read %d lines, want %d", len(got), writers*lines)
	}
	next := make([]int, writers)
	for _, line := range got {
		var g, i int
		if _, err := fmt.Sscanf(line, "<%d:%d>", &g, &i); err != nil {
			t.Fatalf("mangled line %q", line)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d came where %d was due", g, i, next[g])
		}
		next[g]++
	}
}

func TestWriteAfterClose(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "s", WriterOptions{})
	closeWriter(t, w)
	if _, err := w.Write([]byte("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := w.WriteFrame(time.Now(), []byte("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteFrame after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(t.Context()); err != nil {
		t.Errorf("second Close = %v, want the first one's nil", err)
	}
}

func TestBadSessionID(t *testing.T) {
	store, _ := newStore(t)
	for _, id := range []string{"", "a/b", "..", ".hidden", "/abs"} {
		w := NewWriter(store, id, WriterOptions{})
		if _, err := w.Write([]byte("x")); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Write for session %q = %v, want %s", id, err, tandem.EInvalid)
		}
		if err := w.Close(t.Context()); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Close for session %q = %v, want %s", id, err, tandem.EInvalid)
		}
		if _, err := Open(t.Context(), store, id); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Open(%q) = %v, want %s", id, err, tandem.EInvalid)
		}
	}
	if keys, _ := store.List(t.Context(), ""); len(keys) != 0 {
		t.Errorf("bad session ids stored %q", keys)
	}
}

func TestOpenMissing(t *testing.T) {
	store, _ := newStore(t)
	if _, err := Open(t.Context(), store, "nobody"); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("Open of unknown session = %v, want %s", err, tandem.ENotFound)
	}
}

func TestOpenCorruptChunk(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "s", WriterOptions{})
	if _, err := w.Write([]byte("good part")); err != nil {
		t.Fatal(err)
	}
	closeWriter(t, w)
	tests := []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("this is not gzip at all")},
		{"truncated", func() []byte {
			gz, err := compress([]byte(strings.Repeat("lost ", 1000)))
			if err != nil {
				t.Fatal(err)
			}
			return gz[:len(gz)/2]
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := store.Put(t.Context(), "recordings/s/00000001.gz", bytes.NewReader(tt.data)); err != nil {
				t.Fatal(err)
			}
			rc, err := Open(t.Context(), store, "s")
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err == nil {
				t.Fatal("reading a corrupt chunk gave no error")
			}
			if !strings.HasPrefix(string(got), "good part") {
				t.Errorf("lost the good chunk before the corrupt one: %q", got)
			}
		})
	}
}

func TestSessions(t *testing.T) {
	store, _ := newStore(t)
	ids, err := Sessions(t.Context(), store)
	if err != nil || len(ids) != 0 {
		t.Fatalf("Sessions of empty store = %q, %v", ids, err)
	}
	for _, id := range []string{"zeta", "alpha", "mid"} {
		w := NewWriter(store, id, WriterOptions{ChunkBytes: 1})
		for range 3 {
			if _, err := w.Write([]byte(id)); err != nil {
				t.Fatal(err)
			}
		}
		closeWriter(t, w)
	}
	// Other blobs in the store are not recordings.
	if err := store.Put(t.Context(), "videos/alpha.mp4", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	ids, err = Sessions(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alpha", "mid", "zeta"}; !slices.Equal(ids, want) {
		t.Errorf("Sessions = %q, want %q", ids, want)
	}
}

// flakyStore is a blobs.Store whose Puts fail while fail is set, like object
// storage during an outage, and also the first failFirst Puts.
type flakyStore struct {
	blobs.Store
	fail      atomic.Bool
	failFirst int64
	puts      atomic.Int64 // attempts, failed or not
}

var errOutage = errors.New("storage outage")

func (s *flakyStore) Put(ctx context.Context, key string, r io.Reader) error {
	if n := s.puts.Add(1); s.fail.Load() || n <= s.failFirst {
		return errOutage
	}
	return s.Store.Put(ctx, key, r)
}

func TestFailingStore(t *testing.T) {
	base, _ := newStore(t)
	store := &flakyStore{Store: base}
	store.fail.Store(true)
	w := NewWriter(store, "s", WriterOptions{
		ChunkBytes:     256,
		FlushInterval:  time.Millisecond,
		MaxBufferBytes: 4096,
	})

	// Writes are accepted, without blocking, until the buffer is full.
	var accepted strings.Builder
	var fullErr error
	for i := range 1000 {
		line := fmt.Sprintf("line %04d\n", i)
		if _, err := w.Write([]byte(line)); err != nil {
			fullErr = err
			break
		}
		accepted.WriteString(line)
	}
	if !errors.Is(fullErr, ErrBufferFull) || tandem.ErrorCode(fullErr) != tandem.EUnavailable {
		t.Fatalf("Write with storage down = %v, want ErrBufferFull (%s)", fullErr, tandem.EUnavailable)
	}
	if accepted.Len() > 4096 || accepted.Len() < 4096-len("line 0000\n") {
		t.Errorf("accepted %d bytes before refusing, want about MaxBufferBytes", accepted.Len())
	}

	// The writer keeps retrying on its own (however slowly a loaded machine
	// schedules it); a Flush that runs out of time says why.
	waitFor(t, func() bool { return store.puts.Load() >= 2 }, func() string {
		return fmt.Sprintf("only %d Put attempts while failing, want retries", store.puts.Load())
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	err := w.Flush(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), errOutage.Error()) {
		t.Errorf("Flush with storage down = %v, want a deadline error naming the outage", err)
	}

	// Storage comes back: everything accepted is stored, in order, and
	// writing works again.
	store.fail.Store(false)
	if err := w.Flush(t.Context()); err != nil {
		t.Fatalf("Flush after recovery: %v", err)
	}
	if _, err := w.Write([]byte("after\n")); err != nil {
		t.Fatalf("Write after recovery: %v", err)
	}
	accepted.WriteString("after\n")
	closeWriter(t, w)
	if got := readAll(t, base, "s"); got != accepted.String() {
		t.Errorf("recording after outage has %d bytes, want the %d accepted", len(got), accepted.Len())
	}
}

// Close with storage down gives up when its context ends, says so, and
// leaves no goroutine retrying.
func TestCloseWithStorageDown(t *testing.T) {
	base, _ := newStore(t)
	store := &flakyStore{Store: base}
	store.fail.Store(true)
	w := NewWriter(store, "s", WriterOptions{FlushInterval: time.Millisecond})
	if _, err := w.Write([]byte("doomed")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	err := w.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "6 bytes not stored") {
		t.Fatalf("Close with storage down = %v, want deadline and a count of lost bytes", err)
	}
	select {
	case <-w.done:
	default:
		t.Fatal("storing goroutine still running after Close")
	}
	// Nothing can store any more: the flush timer firing now, or a Flush,
	// starts no storing goroutine (the unstored bytes would otherwise be
	// retried).
	n := store.puts.Load()
	w.timeUp()
	if err := w.Flush(t.Context()); err == nil {
		t.Error("Flush after a failed Close succeeded")
	}
	w.mu.Lock()
	running := w.running
	w.mu.Unlock()
	if running || store.puts.Load() != n {
		t.Errorf("after Close returned: storing goroutine running %v, %d more Puts", running, store.puts.Load()-n)
	}
}

func TestWriterFramesRoundTrip(t *testing.T) {
	store, _ := newStore(t)
	w := NewWriter(store, "assist", WriterOptions{ChunkBytes: 100, FlushInterval: time.Millisecond})
	t0 := time.UnixMilli(1_700_000_000_000)
	var want []string
	for i := range 500 {
		frame := fmt.Sprintf(`{"k":"ev","s":%d}`+"\n[%d]", i+1, i)
		want = append(want, frame)
		var err error
		if i%2 == 0 {
			err = w.WriteFrame(t0.Add(time.Duration(i)*time.Millisecond), []byte(frame))
		} else {
			err = AppendFrame(w, t0.Add(time.Duration(i)*time.Millisecond), []byte(frame))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	closeWriter(t, w)
	rc, err := Open(t.Context(), store, "assist")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	i := 0
	err = ReadFrames(rc, func(at time.Time, frame []byte) error {
		if i >= len(want) || string(frame) != want[i] {
			return fmt.Errorf("frame %d = %q", i, frame)
		}
		if at := at.UnixMilli(); at != t0.UnixMilli()+int64(i) {
			return fmt.Errorf("frame %d at %d", i, at)
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("ReadFrames read %d of %d frames: %v", i, len(want), err)
	}
}
