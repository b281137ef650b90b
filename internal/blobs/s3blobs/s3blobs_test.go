package s3blobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/blobstest"
	"github.com/tandemhq/tandem/internal/s3test"
)

// open opens a store on rawURL and closes it when the test ends.
func open(t *testing.T, rawURL string) *Store {
	t.Helper()
	s, err := Open(t.Context(), rawURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	blobstest.Run(t, func(t *testing.T) blobs.Store { return open(t, s3test.URL(t)) })
}

func TestMaxParallel(t *testing.T) {
	s := open(t, s3test.URL(t))
	if got := s.MaxParallel(); got < 8 {
		t.Errorf("MaxParallel() = %d, want a gate wide enough for object storage (>= 8)", got)
	}
}

// unsized hides every method but Read, like a pipe from a video encoder.
type unsized struct{ r io.Reader }

func (u unsized) Read(p []byte) (int, error) { return u.r.Read(p) }

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i>>13)
	}
	return b
}

func getAll(t *testing.T, s *Store, key string) []byte {
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
	return b
}

// An empty blob is sent without the streaming signature's chunk framing:
// versitygw leaves the framing's last chunk unread on the connection, and
// the next request on it was answered 400.
func TestEmptyBlobLeavesConnectionUsable(t *testing.T) {
	s := open(t, s3test.URL(t))
	for i := range 5 {
		if err := s.Put(t.Context(), "empty", bytes.NewReader(nil)); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
		if got := getAll(t, s, "empty"); len(got) != 0 {
			t.Fatalf("Get %d = %d bytes, want 0", i, len(got))
		}
	}
}

// A reader of unknown length longer than a part is uploaded in parts (the
// ETag of a multipart object ends in -N) and reads back whole.
func TestUnsizedReaderUploadsInParts(t *testing.T) {
	s := open(t, s3test.URL(t))
	data := pattern(2*PartSize + 12345)
	if err := s.Put(t.Context(), "video/1.webm", unsized{bytes.NewReader(data)}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got := getAll(t, s, "video/1.webm"); !bytes.Equal(got, data) {
		t.Fatalf("round trip: got %d bytes, want %d (equal lengths: contents differ)", len(got), len(data))
	}
	info, err := s.client.StatObject(t.Context(), s.bucket, "video/1.webm", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(info.ETag, "-3") {
		t.Errorf("ETag %q: want a multipart object of 3 parts", info.ETag)
	}
	// A short unsized blob takes one request: a plain ETag.
	if err := s.Put(t.Context(), "small", unsized{strings.NewReader("tiny")}); err != nil {
		t.Fatal(err)
	}
	if info, err := s.client.StatObject(t.Context(), s.bucket, "small", minio.StatObjectOptions{}); err != nil || strings.Contains(info.ETag, "-") {
		t.Errorf("small unsized blob: ETag %q, %v; want a single-part object", info.ETag, err)
	}
}

// failAfter yields n bytes and then fails.
type failAfter struct {
	n   int
	err error
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	return n, nil
}

// incomplete lists the bucket's unfinished multipart uploads.
func incomplete(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	for up := range s.client.ListIncompleteUploads(t.Context(), s.bucket, "", true) {
		if up.Err != nil {
			t.Fatalf("listing uploads: %v", up.Err)
		}
		keys = append(keys, up.Key)
	}
	return keys
}

// A reader that fails after a part was uploaded aborts the upload: the key
// keeps its old blob and no parts stay behind on the server.
func TestReaderFailingMidUploadKeepsOld(t *testing.T) {
	s := open(t, s3test.URL(t))
	if err := s.Put(t.Context(), "k", strings.NewReader("old")); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("encoder crashed")
	err := s.Put(t.Context(), "k", &failAfter{n: PartSize + 1<<20, err: broken})
	if !errors.Is(err, broken) {
		t.Fatalf("Put = %v, want it to wrap %v", err, broken)
	}
	if got := getAll(t, s, "k"); string(got) != "old" {
		t.Errorf("after failed Put: %d bytes, want the old blob", len(got))
	}
	if ups := incomplete(t, s); len(ups) != 0 {
		t.Errorf("unfinished uploads left: %q", ups)
	}
}

// A caller who gives up mid-upload (its context canceled) gets
// context.Canceled, and the upload is still aborted.
func TestCanceledMidUploadAborts(t *testing.T) {
	s := open(t, s3test.URL(t))
	ctx, cancel := context.WithCancel(t.Context())
	part := bytes.Repeat([]byte("z"), PartSize)
	r := io.MultiReader(bytes.NewReader(part), readFunc(func(p []byte) (int, error) {
		cancel()         // the first part is uploaded: give up
		return 0, io.EOF // on to the next reader
	}), bytes.NewReader(part))
	if err := s.Put(ctx, "k", unsized{r}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if ups := incomplete(t, s); len(ups) != 0 {
		t.Errorf("unfinished uploads left: %q", ups)
	}
	if keys, err := s.List(t.Context(), ""); err != nil || len(keys) != 0 {
		t.Errorf("List = %q, %v; want nothing stored", keys, err)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
