package blobstest

import (
	"context"
	"io"
	"sync"

	"github.com/tandemhq/tandem/internal/blobs"
)

// HeldStore is a blobs.Store that can hold back the Gets of one key until
// released, for tests of what a reader does before a slow blob arrives.
// Set Store to the store it wraps before use; its zero hold holds nothing.
type HeldStore struct {
	blobs.Store

	mu      sync.Mutex
	key     string
	held    bool
	waiting chan struct{} // closed when a Get of key first waits
	release chan struct{} // closed by Release
}

// Hold makes Gets of key wait until Release, or until their context ends.
// The channel it returns is closed once a Get of key is waiting. A Hold
// replaces the one before, whose Gets stay held until Release.
func (s *HeldStore) Hold(key string) (waiting <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.held, s.waiting, s.release = key, true, make(chan struct{}), make(chan struct{})
	return s.waiting
}

// Release lets the held Gets go on, and the Gets after it pass.
func (s *HeldStore) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		close(s.release)
		s.held = false
	}
}

// Get is the wrapped store's Get, after the hold when key is held.
func (s *HeldStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	s.mu.Lock()
	held, waiting, release := s.held && key == s.key, s.waiting, s.release
	if held {
		select {
		case <-waiting:
		default:
			close(waiting)
		}
	}
	s.mu.Unlock()
	if held {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Store.Get(ctx, key)
}
