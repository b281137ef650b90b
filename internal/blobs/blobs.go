// Package blobs declares the interface to Tandem's object storage: recordings
// and exported videos are kept as blobs under slash-separated keys. Backends
// live in sub-packages (blobs/dirblobs, later an S3-compatible one) and are
// checked by the shared suite in blobs/blobstest.
package blobs

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
)

// Store keeps blobs under keys such as "recordings/abc123/00000001.gz".
//
// Every method rejects an invalid key (see ValidKey) with a *tandem.Error of
// code tandem.EInvalid, whatever the backend.
type Store interface {
	// Put stores everything r yields under key, replacing any blob there.
	// When Put returns nil the blob is durable; when it fails, the key holds
	// its old blob (or none), never a partial one.
	Put(ctx context.Context, key string, r io.Reader) error
	// Get opens the blob under key. A missing key is a *tandem.Error with
	// code tandem.ENotFound. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// List returns the keys that start with prefix, sorted. The empty prefix
	// lists every key; a prefix that matches nothing gives an empty list.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes the blob under key. Deleting a missing key is not an
	// error, so that retried deletes succeed.
	Delete(ctx context.Context, key string) error
}

// Limits on keys, chosen so that a key fits both a file system path segment
// by segment and an S3 object key.
const (
	MaxKeyBytes     = 1024
	MaxSegmentBytes = 255
)

// ValidKey reports why key cannot name a blob, or nil if it can. A key is a
// relative slash-separated path of non-empty segments; no segment may start
// with "." (which rules out "." and ".." and leaves dot names free for a
// backend's own temporary files), and a key holds no backslash, NUL or
// invalid UTF-8, so that it means the same thing on every backend.
func ValidKey(key string) error {
	switch {
	case key == "":
		return tandem.Errorf(tandem.EInvalid, "empty blob key")
	case len(key) > MaxKeyBytes:
		return tandem.Errorf(tandem.EInvalid, "blob key longer than %d bytes", MaxKeyBytes)
	case key[0] == '/':
		return tandem.Errorf(tandem.EInvalid, "blob key %q is absolute", key)
	case !utf8.ValidString(key):
		return tandem.Errorf(tandem.EInvalid, "blob key %q is not valid UTF-8", key)
	case strings.ContainsAny(key, "\\\x00"):
		return tandem.Errorf(tandem.EInvalid, "blob key %q holds a backslash or NUL", key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return tandem.Errorf(tandem.EInvalid, "blob key %q has an empty segment", key)
		case seg[0] == '.':
			return tandem.Errorf(tandem.EInvalid, "blob key %q has a segment starting with a dot", key)
		case len(seg) > MaxSegmentBytes:
			return tandem.Errorf(tandem.EInvalid, "blob key %q has a segment longer than %d bytes", key, MaxSegmentBytes)
		}
	}
	return nil
}

// ValidPrefix reports why prefix cannot be given to List, or nil if it can:
// the empty prefix, or a valid key optionally followed by one slash.
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := ValidKey(strings.TrimSuffix(prefix, "/")); err != nil {
		return tandem.Errorf(tandem.EInvalid, "bad blob prefix %q: %s", prefix, tandem.ErrorMessage(err))
	}
	return nil
}

// Parallel is implemented by a Store that serves several requests at once
// well: a remote bucket, whose requests wait on the network, wants many in
// flight, where a local directory is best written one file at a time.
// Recording sizes how many chunks it stores at once by it; a Store without
// it gets one.
type Parallel interface {
	// MaxParallel returns how many Puts are worth running at once (≥ 1).
	MaxParallel() int
}

// MaxParallel returns how many Puts s serves well at once: its
// Parallel's answer, or 1 for a Store without one.
func MaxParallel(s Store) int {
	if p, ok := s.(Parallel); ok {
		return max(p.MaxParallel(), 1)
	}
	return 1
}

// Gathering is implemented by a Store each of whose Puts is a costly
// request (object storage: a round trip, server work, often a bill), which
// writers that may wait should batch into fewer, larger blobs. A web
// assist's recording may: the person's SDK keeps every frame until the
// server says it is stored, so a longer interval costs the page buffer,
// never the recording.
type Gathering interface {
	// GatherFor returns how long such a writer may gather before storing.
	GatherFor() time.Duration
}

// GatherFor returns how long a writer that may wait gathers before storing
// on s: its Gathering's answer, or def.
func GatherFor(s Store, def time.Duration) time.Duration {
	if g, ok := s.(Gathering); ok && g.GatherFor() > 0 {
		return g.GatherFor()
	}
	return def
}
