// Package local is the in-process bus: the default of a single node, and
// the fan-out to one node's subscribers that natsbus builds on.
//
// Publish hands a message to each subscription of its subject with a send
// that never waits, in the publisher's goroutine: no goroutine per message,
// and no queue but each subscription's bounded buffer.
package local

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/tandemhq/tandem/internal/bus"
)

// Bus is an in-process bus.Bus. The zero value is not usable: call New.
type Bus struct {
	// mu is held for reading while a message is handed to subscriptions
	// and for writing while one is added or removed, so that a channel is
	// never closed under a send.
	mu     sync.RWMutex
	subs   map[bus.Subject]map[*subscription]struct{}
	closed bool
}

// New returns an empty bus.
func New() *Bus {
	return &Bus{subs: make(map[bus.Subject]map[*subscription]struct{})}
}

// subscription is one Subscribe's channel.
type subscription struct {
	c       chan bus.Message
	dropped atomic.Uint64
	stop    func() bool // stops the context.AfterFunc that removes it
}

func (s *subscription) C() <-chan bus.Message { return s.c }
func (s *subscription) Dropped() uint64       { return s.dropped.Load() }

// Publish implements bus.Bus.
func (b *Bus) Publish(ctx context.Context, subject bus.Subject, data []byte) error {
	if err := bus.Check(subject, data); err != nil {
		return err
	}
	// One copy, shared by the subscriptions: the publisher may reuse data.
	msg := bus.Message{Subject: subject, Data: append([]byte(nil), data...)}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return bus.ErrClosed
	}
	for s := range b.subs[subject] {
		select {
		case s.c <- msg:
		default:
			s.dropped.Add(1)
		}
	}
	return nil
}

// Subscribe implements bus.Bus.
func (b *Bus) Subscribe(ctx context.Context, subject bus.Subject, buffer int) (bus.Subscription, error) {
	n, err := bus.CheckSubscribe(ctx, subject, buffer)
	if err != nil {
		return nil, err
	}
	s := &subscription{c: make(chan bus.Message, n)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, bus.ErrClosed
	}
	set := b.subs[subject]
	if set == nil {
		set = make(map[*subscription]struct{})
		b.subs[subject] = set
	}
	set[s] = struct{}{}
	// Registered under mu: if ctx has ended meanwhile, the removal waits
	// for the lock and finds the subscription in place.
	s.stop = context.AfterFunc(ctx, func() { b.remove(subject, s) })
	return s, nil
}

// remove ends one subscription, if the bus has not ended it already.
func (b *Bus) remove(subject bus.Subject, s *subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	set := b.subs[subject]
	if _, ok := set[s]; !ok {
		return
	}
	delete(set, s)
	if len(set) == 0 {
		delete(b.subs, subject)
	}
	close(s.c)
}

// Close ends every subscription; the bus refuses what comes after.
func (b *Bus) Close(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	for _, set := range b.subs {
		for s := range set {
			s.stop()
			close(s.c)
		}
	}
	b.subs = nil
	return nil
}
