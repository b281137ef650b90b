// Package blobstest is the conformance suite every blobs.Store backend must
// pass. A backend's test calls Run with a function that makes an empty store.
package blobstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// Run checks that stores made by newStore behave as blobs.Store documents.
// newStore is called once per subtest and must return an empty store; it
// registers its own cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) blobs.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blobs.Store)
	}{
		{"PutGet", testPutGet},
		{"Overwrite", testOverwrite},
		{"GetMissing", testGetMissing},
		{"InvalidKeys", testInvalidKeys},
		{"List", testList},
		{"Delete", testDelete},
		{"LargeBlob", testLargeBlob},
		{"FailedPutKeepsOld", testFailedPutKeepsOld},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentPuts", testConcurrentPuts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func put(t *testing.T, s blobs.Store, key, data string) {
	t.Helper()
	if err := s.Put(t.Context(), key, bytes.NewReader([]byte(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, s blobs.Store, key string) string {
	t.Helper()
	rc, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return string(b)
}

func list(t *testing.T, s blobs.Store, prefix string) []string {
	t.Helper()
	keys, err := s.List(t.Context(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func testPutGet(t *testing.T, s blobs.Store) {
	blobs := map[string]string{
		"a":                          "alpha",
		"empty":                      "",
		"recordings/s1/00000000.gz":  "chunk zero",
		"deep/ly/nested/path/to/key": "deep",
	}
	for k, v := range blobs {
		put(t, s, k, v)
	}
	for k, v := range blobs {
		if got := get(t, s, k); got != v {
			t.Errorf("Get(%q) = %q, want %q", k, got, v)
		}
	}
}

func testOverwrite(t *testing.T, s blobs.Store) {
	put(t, s, "k", "first, and longer than the second")
	put(t, s, "k", "second")
	if got := get(t, s, "k"); got != "second" {
		t.Errorf("after overwrite Get = %q, want %q", got, "second")
	}
	if got := list(t, s, ""); !slices.Equal(got, []string{"k"}) {
		t.Errorf("List after overwrite = %q, want [k]", got)
	}
}

func testGetMissing(t *testing.T, s blobs.Store) {
	put(t, s, "dir/file", "x")
	for _, key := range []string{"missing", "dir", "dir/file/below", "dir/other"} {
		rc, err := s.Get(t.Context(), key)
		if err == nil {
			rc.Close()
		}
		if tandem.ErrorCode(err) != tandem.ENotFound {
			t.Errorf("Get(%q) = %v, want code %s", key, err, tandem.ENotFound)
		}
	}
}

func testInvalidKeys(t *testing.T, s blobs.Store) {
	ctx := t.Context()
	for _, key := range []string{"", "/abs", "a/../b", "..", "a//b", "a/", "./a", "a\\b"} {
		if err := s.Put(ctx, key, bytes.NewReader(nil)); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Put(%q) = %v, want code %s", key, err, tandem.EInvalid)
		}
		rc, err := s.Get(ctx, key)
		if err == nil {
			rc.Close()
		}
		if tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Get(%q) = %v, want code %s", key, err, tandem.EInvalid)
		}
		if err := s.Delete(ctx, key); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Delete(%q) = %v, want code %s", key, err, tandem.EInvalid)
		}
	}
	for _, prefix := range []string{"/", "../", "a//", "/abs"} {
		if _, err := s.List(ctx, prefix); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("List(%q) = %v, want code %s", prefix, err, tandem.EInvalid)
		}
	}
	if got := list(t, s, ""); len(got) != 0 {
		t.Errorf("invalid puts left keys behind: %q", got)
	}
}

func testList(t *testing.T, s blobs.Store) {
	keys := []string{"b", "a/2", "a/10", "a/1", "a.b", "ab/c", "rec/s1/0", "rec/s2/0", "rec/s2/1"}
	for _, k := range keys {
		put(t, s, k, k)
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a.b", "a/1", "a/10", "a/2", "ab/c", "b", "rec/s1/0", "rec/s2/0", "rec/s2/1"}},
		{"a/", []string{"a/1", "a/10", "a/2"}},
		{"a", []string{"a.b", "a/1", "a/10", "a/2", "ab/c"}},
		{"a/1", []string{"a/1", "a/10"}},
		{"rec/", []string{"rec/s1/0", "rec/s2/0", "rec/s2/1"}},
		{"rec/s2/", []string{"rec/s2/0", "rec/s2/1"}},
		{"rec/s3/", nil},
		{"nothing/", nil},
		{"b/", nil},
	}
	for _, tt := range tests {
		if got := list(t, s, tt.prefix); !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func testDelete(t *testing.T, s blobs.Store) {
	ctx := t.Context()
	put(t, s, "x/1", "one")
	put(t, s, "x/2", "two")
	if err := s.Delete(ctx, "x/1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, "x/1"); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("Get after Delete = %v, want %s", err, tandem.ENotFound)
	}
	if got := list(t, s, ""); !slices.Equal(got, []string{"x/2"}) {
		t.Errorf("List after Delete = %q, want [x/2]", got)
	}
	if err := s.Delete(ctx, "x/1"); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
	if err := s.Delete(ctx, "never/was"); err != nil {
		t.Errorf("Delete of missing key = %v, want nil", err)
	}
	if err := s.Delete(ctx, "x/2"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := list(t, s, ""); len(got) != 0 {
		t.Errorf("List after deleting all = %q, want none", got)
	}
	// The key space must be usable again after the last key under a
	// prefix went away.
	put(t, s, "x/3", "three")
	if got := get(t, s, "x/3"); got != "three" {
		t.Errorf("Get after re-put = %q", got)
	}
}

func testLargeBlob(t *testing.T, s blobs.Store) {
	data := make([]byte, 5<<20+123)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	if err := s.Put(t.Context(), "big", bytes.NewReader(data)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got := get(t, s, "big"); got != string(data) {
		t.Errorf("large blob differs after round trip (len %d, want %d)", len(got), len(data))
	}
}

// failingReader yields some bytes and then an error, like a connection
// that drops in the middle of an upload.
type failingReader struct{ n int }

var errBroken = errors.New("broken reader")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errBroken
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'z'
	}
	r.n -= n
	return n, nil
}

func testFailedPutKeepsOld(t *testing.T, s blobs.Store) {
	put(t, s, "k", "old")
	err := s.Put(t.Context(), "k", &failingReader{n: 100 << 10})
	if !errors.Is(err, errBroken) {
		t.Fatalf("Put with failing reader = %v, want it to wrap %v", err, errBroken)
	}
	if got := get(t, s, "k"); got != "old" {
		t.Errorf("after failed Put Get = %q, want the old blob", got)
	}
	if err := s.Put(t.Context(), "new", &failingReader{n: 10}); err == nil {
		t.Fatal("Put with failing reader succeeded")
	}
	if got := list(t, s, ""); !slices.Equal(got, []string{"k"}) {
		t.Errorf("List after failed Puts = %q, want [k]", got)
	}
}

func testCanceledContext(t *testing.T, s blobs.Store) {
	put(t, s, "k", "v")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Put(ctx, "k2", bytes.NewReader([]byte("v"))); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with canceled context = %v, want context.Canceled", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("List with canceled context = %v, want context.Canceled", err)
	}
	if got := list(t, s, ""); !slices.Equal(got, []string{"k"}) {
		t.Errorf("List after canceled Put = %q, want [k]", got)
	}
}

func testConcurrentPuts(t *testing.T, s blobs.Store) {
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("c/%02d", i)
			errs <- s.Put(t.Context(), key, bytes.NewReader([]byte(key)))
			// Every writer also races on one shared key; one of them wins whole.
			errs <- s.Put(t.Context(), "c/shared", bytes.NewReader(bytes.Repeat([]byte{byte('a' + i)}, 4096)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Put: %v", err)
		}
	}
	if got := list(t, s, "c/"); len(got) != n+1 {
		t.Errorf("List after concurrent puts has %d keys, want %d: %q", len(got), n+1, got)
	}
	shared := get(t, s, "c/shared")
	if len(shared) != 4096 || shared != strings.Repeat(shared[:1], 4096) {
		t.Errorf("shared key holds a mix of writers' bytes (len %d)", len(shared))
	}
}
