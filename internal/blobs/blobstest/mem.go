package blobstest

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// MemStore is a blobs.Store in memory, for tests of other packages that
// store many blobs (dirblobs syncs each one to disk). It passes Run.
type MemStore struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

var _ blobs.Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{blobs: map[string][]byte{}} }

// Put reads r whole and then keeps it under key.
func (s *MemStore) Put(ctx context.Context, key string, r io.Reader) error {
	if err := blobs.ValidKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.blobs[key] = data
	s.mu.Unlock()
	return nil
}

// Get returns a reader of the blob under key.
func (s *MemStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blobs.ValidKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	data, ok := s.blobs[key]
	s.mu.Unlock()
	if !ok {
		return nil, tandem.Errorf(tandem.ENotFound, "no blob %q", key)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// List returns the keys that start with prefix, sorted.
func (s *MemStore) List(ctx context.Context, prefix string) ([]string, error) {
	if err := blobs.ValidPrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var keys []string
	for k := range s.blobs {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	s.mu.Unlock()
	slices.Sort(keys)
	return keys, nil
}

// Delete forgets the blob under key.
func (s *MemStore) Delete(ctx context.Context, key string) error {
	if err := blobs.ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.blobs, key)
	s.mu.Unlock()
	return nil
}
