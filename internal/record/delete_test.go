package record

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// Delete removes every chunk of one recording (and stray keys under it),
// leaves other recordings alone, and deleting again is not an error.
func TestDelete(t *testing.T) {
	store, _ := newStore(t)
	for _, id := range []string{"a", "ab", "b"} {
		w := NewWriter(store, id, WriterOptions{ChunkBytes: 64, FlushInterval: time.Millisecond})
		for range 20 {
			if _, err := w.Write([]byte(strings.Repeat(id, 50))); err != nil {
				t.Fatal(err)
			}
		}
		closeWriter(t, w)
	}
	if err := store.Put(t.Context(), "recordings/a/notes.txt", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if n := len(chunkKeys(t, store, "a")); n < 3 {
		t.Fatalf("recording a has %d keys, want several chunks", n)
	}
	want := len(chunkKeys(t, store, "a"))

	n, err := Delete(t.Context(), store, "a")
	if err != nil || n != want {
		t.Fatalf("Delete(a) = %d, %v; want %d, nil", n, err, want)
	}
	if keys := chunkKeys(t, store, "a"); len(keys) != 0 {
		t.Errorf("after Delete, recording a still has %q", keys)
	}
	if _, err := Open(t.Context(), store, "a"); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("Open after Delete = %v, want %s", err, tandem.ENotFound)
	}
	// "ab" shares a prefix with "a" but is another recording.
	for _, id := range []string{"ab", "b"} {
		if got := readAll(t, store, id); got != strings.Repeat(id, 50*20) {
			t.Errorf("recording %s changed by deleting a: %d bytes", id, len(got))
		}
	}
	if n, err := Delete(t.Context(), store, "a"); n != 0 || err != nil {
		t.Errorf("second Delete = %d, %v; want 0, nil", n, err)
	}
	if n, err := Delete(t.Context(), store, "never"); n != 0 || err != nil {
		t.Errorf("Delete of a session never recorded = %d, %v; want 0, nil", n, err)
	}
}

func TestDeleteBadSessionID(t *testing.T) {
	store, _ := newStore(t)
	if err := store.Put(t.Context(), "recordings/x/00000001.gz", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "x/..", "..", "/abs", "x/00000001.gz"} {
		if _, err := Delete(t.Context(), store, id); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Delete(%q) = %v, want %s", id, err, tandem.EInvalid)
		}
	}
	if keys, _ := store.List(t.Context(), ""); len(keys) != 1 {
		t.Errorf("bad ids deleted something: left %q", keys)
	}
}

// failingDeletes fails every Delete after the first ok ones.
type failingDeletes struct {
	blobs.Store
	ok int
}

func (s *failingDeletes) Delete(ctx context.Context, key string) error {
	if s.ok == 0 {
		return errOutage
	}
	s.ok--
	return s.Store.Delete(ctx, key)
}

// A delete that fails half-way says so; run again, it finishes.
func TestDeleteRetried(t *testing.T) {
	base, _ := newStore(t)
	for _, k := range []string{"00000001.gz", "00000002.gz", "00000003.gz"} {
		if err := base.Put(t.Context(), "recordings/s/"+k, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	store := &failingDeletes{Store: base, ok: 1}
	n, err := Delete(t.Context(), store, "s")
	if !errors.Is(err, errOutage) || n != 1 {
		t.Fatalf("Delete with storage failing = %d, %v; want 1, the outage", n, err)
	}
	if keys := chunkKeys(t, base, "s"); len(keys) != 2 {
		t.Fatalf("after a failed Delete: %q, want two chunks left", keys)
	}
	store.ok = 10
	if n, err := Delete(t.Context(), store, "s"); n != 2 || err != nil {
		t.Fatalf("retried Delete = %d, %v; want 2, nil", n, err)
	}
	if keys := chunkKeys(t, base, "s"); len(keys) != 0 {
		t.Errorf("after the retry: %q left", keys)
	}
}
