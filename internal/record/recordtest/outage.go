// Package recordtest helps test what recording does when blob storage
// fails: a blobs.Store that can be taken down, failing or hanging, and
// brought back.
package recordtest

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/tandemhq/tandem/internal/blobs"
)

// ErrOutage is what Puts return while an Outage fails them.
var ErrOutage = errors.New("storage outage")

// Outage wraps a blobs.Store whose Puts can be made to fail (Fail) or hang
// until the outage ends or their context does (Hang), like a bucket that
// refuses connections or one that stopped answering. Recover ends either.
// Reads, lists and deletes are passed through: a recording is written
// during the outage and read once it is over.
type Outage struct {
	blobs.Store

	mu      sync.Mutex
	state   int           // up, failing or hanging
	over    chan struct{} // closed by Recover
	refused int           // Puts failed or cut short by the outage
	hit     chan struct{} // closed and replaced when refused grows
}

const (
	up = iota
	failing
	hanging
)

// NewOutage wraps store, up.
func NewOutage(store blobs.Store) *Outage {
	return &Outage{Store: store, over: make(chan struct{}), hit: make(chan struct{})}
}

// Fail makes every Put fail at once with ErrOutage until Recover.
func (o *Outage) Fail() { o.set(failing) }

// Hang makes every Put wait, storing nothing, until Recover (then it
// stores) or its context ends (then it fails).
func (o *Outage) Hang() { o.set(hanging) }

// Recover ends the outage.
func (o *Outage) Recover() { o.set(up) }

func (o *Outage) set(state int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != up && state == up {
		close(o.over)
		o.over = make(chan struct{})
	}
	o.state = state
}

// Refused returns how many Puts the outage failed so far.
func (o *Outage) Refused() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refused
}

// WaitRefused returns once at least n Puts were failed by the outage, or
// with ctx's error.
func (o *Outage) WaitRefused(ctx context.Context, n int) error {
	for {
		o.mu.Lock()
		got, hit := o.refused, o.hit
		o.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-hit:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (o *Outage) refuse() {
	o.mu.Lock()
	o.refused++
	close(o.hit)
	o.hit = make(chan struct{})
	o.mu.Unlock()
}

// Put stores unless the store is down.
func (o *Outage) Put(ctx context.Context, key string, r io.Reader) error {
	o.mu.Lock()
	state, over := o.state, o.over
	o.mu.Unlock()
	switch state {
	case failing:
		o.refuse()
		return ErrOutage
	case hanging:
		select {
		case <-over:
		case <-ctx.Done():
			o.refuse()
			return ctx.Err()
		}
	}
	return o.Store.Put(ctx, key, r)
}

// MaxParallel passes on the wrapped store's blobs.Parallel, if any.
func (o *Outage) MaxParallel() int { return blobs.MaxParallel(o.Store) }
