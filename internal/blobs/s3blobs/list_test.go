package s3blobs

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/s3test"
)

// withPrefix puts a key prefix into an s3:// URL of s3test.
func withPrefix(t *testing.T, rawURL, prefix string) string {
	t.Helper()
	i := strings.IndexByte(rawURL, '?')
	if i < 0 {
		t.Fatalf("URL %q has no query", rawURL)
	}
	return rawURL[:i] + "/" + prefix + rawURL[i:]
}

// putMany stores keys with a few Puts at a time.
func putMany(t *testing.T, s blobs.Store, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(keys))
	gate := make(chan struct{}, 16)
	for _, k := range keys {
		wg.Go(func() {
			gate <- struct{}{}
			defer func() { <-gate }()
			errs <- s.Put(t.Context(), k, strings.NewReader(k))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// S3 answers at most 1,000 keys a request: List must follow the pages.
func TestListPastOneThousandKeys(t *testing.T) {
	t.Parallel()
	s := open(t, s3test.URL(t))
	var want, other []string
	for i := range 1100 {
		want = append(want, fmt.Sprintf("rec/s%d/%08d", i%3, i))
	}
	for i := range 20 {
		other = append(other, fmt.Sprintf("video/%d", i))
	}
	putMany(t, s, append(slices.Clone(want), other...))
	slices.Sort(want)
	got, err := s.List(t.Context(), "rec/")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("List(rec/) gave %d keys, want %d sorted (first %q, last %q)", len(got), len(want), got[:min(3, len(got))], got[max(0, len(got)-3):])
	}
	all, err := s.List(t.Context(), "")
	if err != nil || len(all) != len(want)+len(other) {
		t.Fatalf("List() = %d keys, %v; want %d", len(all), err, len(want)+len(other))
	}
}

// Two stores on one bucket under different prefixes see only their own
// keys, and keep them under the prefix in the bucket.
func TestPrefixIsolatesStores(t *testing.T) {
	u := s3test.URL(t)
	a := open(t, withPrefix(t, u, "tenant-a/blobs"))
	b := open(t, withPrefix(t, u, "tenant-b/"))
	root := open(t, u)
	putMany(t, a, []string{"k/1", "k/2"})
	putMany(t, b, []string{"k/1"})
	if got, err := a.List(t.Context(), ""); err != nil || !slices.Equal(got, []string{"k/1", "k/2"}) {
		t.Errorf("a.List = %q, %v", got, err)
	}
	if got, err := b.List(t.Context(), "k/"); err != nil || !slices.Equal(got, []string{"k/1"}) {
		t.Errorf("b.List = %q, %v", got, err)
	}
	if got, err := root.List(t.Context(), ""); err != nil || !slices.Equal(got, []string{"tenant-a/blobs/k/1", "tenant-a/blobs/k/2", "tenant-b/k/1"}) {
		t.Errorf("whole bucket = %q, %v", got, err)
	}
	if err := b.Delete(t.Context(), "k/2"); err != nil {
		t.Fatal(err)
	}
	if got := getAll(t, a, "k/2"); string(got) != "k/2" {
		t.Errorf("b's Delete reached a's blob: %q", got)
	}
	// The bucket's key limit counts the prefix.
	long := strings.Repeat("x/", blobs.MaxKeyBytes/2-4) + "x"
	if err := a.Put(t.Context(), long, strings.NewReader("")); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Errorf("Put of a key too long under the prefix = %v, want %s", err, tandem.EInvalid)
	}
}

// Objects another tool left in the bucket that no key could name (a
// "folder/" marker) are not listed as blobs.
func TestListSkipsForeignObjects(t *testing.T) {
	s := open(t, s3test.URL(t))
	putMany(t, s, []string{"a/1"})
	if _, err := s.client.PutObject(t.Context(), s.bucket, "a/.tmp", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(t.Context(), ""); err != nil || !slices.Equal(got, []string{"a/1"}) {
		t.Errorf("List = %q, %v; want [a/1]", got, err)
	}
}
