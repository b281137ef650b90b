// Package record keeps append-only, compressed recordings of a session's
// byte stream on a blobs.Store, and reads them back for replay.
//
// A recording is a series of chunks stored as
// recordings/<sessionID>/<NNNNNNNN>.gz. Each chunk is a complete gzip member,
// so the chunks concatenated in order form one valid gzip stream: a terminal
// session's asciicast file can be read with `cat *.gz | zcat`.
//
// Terminal sessions record their bytes as they are; web assists record
// framed entries (AppendFrame, Writer.WriteFrame) that keep each frame's
// receive time, read back with ReadFrames.
package record

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// root is the key prefix under which every recording is kept.
const root = "recordings/"

// chunkKey returns the key of chunk n of a session.
func chunkKey(sessionID string, n uint64) string {
	return fmt.Sprintf("%s%s/%08d.gz", root, sessionID, n)
}

// validSessionID rejects ids that would not make one key segment.
func validSessionID(id string) error {
	if strings.Contains(id, "/") {
		return tandem.Errorf(tandem.EInvalid, "bad session id %q", id)
	}
	if err := blobs.ValidKey(id); err != nil {
		return tandem.Errorf(tandem.EInvalid, "bad session id %q", id)
	}
	return nil
}

// chunks returns the numbers of a session's stored chunks in order. Keys
// that are not chunks are ignored.
func chunks(ctx context.Context, store blobs.Store, sessionID string) ([]uint64, error) {
	prefix := root + sessionID + "/"
	keys, err := store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("listing recording %s: %w", sessionID, err)
	}
	var nums []uint64
	for _, k := range keys {
		if n, ok := chunkNumber(prefix, k); ok {
			nums = append(nums, n)
		}
	}
	// Keys sort as strings; past 10^8 chunks the numbers have more digits.
	slices.Sort(nums)
	return nums, nil
}

// chunkNumber returns the number of the chunk key names under prefix (a
// session's), or false when key is not a chunk.
func chunkNumber(prefix, key string) (uint64, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return 0, false
	}
	name, ok := strings.CutSuffix(rest, ".gz")
	if !ok || len(name) < 8 || strings.Contains(name, "/") {
		return 0, false
	}
	n, err := strconv.ParseUint(name, 10, 64)
	return n, err == nil
}

// Sessions returns the ids of the recorded sessions, sorted.
func Sessions(ctx context.Context, store blobs.Store) ([]string, error) {
	keys, err := store.List(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("listing recordings: %w", err)
	}
	var ids []string
	for _, k := range keys {
		id, _, ok := strings.Cut(strings.TrimPrefix(k, root), "/")
		if ok && (len(ids) == 0 || ids[len(ids)-1] != id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
