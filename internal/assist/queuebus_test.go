package assist

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/local"
	"github.com/tandemhq/tandem/internal/bus/natsbus"
	"github.com/tandemhq/tandem/internal/natstest"
)

// queueWatcher is a queue watcher, its first signal (the list sent on
// connect) taken.
func queueWatcher(t *testing.T, s *Service) <-chan struct{} {
	t.Helper()
	changed, stop := s.SubscribeQueue()
	t.Cleanup(stop)
	<-changed
	return changed
}

// signalled waits for a queue watcher's signal.
func signalled(t *testing.T, ctx context.Context, changed <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatalf("the queue watcher was not told %s", what)
	}
}

// secondNode starts another Service on h's store, as another node would,
// on bus b.
func secondNode(t *testing.T, h *harness, b bus.Bus) *Service {
	t.Helper()
	s := New(Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Bus: b}, h.store, h.blobs, nil)
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// A request filed on one node, and its accept there, reach the queue
// watchers of another node on the same bus.
func TestQueueChangesReachOtherNodes(t *testing.T) {
	b := local.New()
	h := newHarness(t, Config{Bus: b}, nil)
	other := secondNode(t, h, b)
	changed := queueWatcher(t, other)

	st := h.request()
	signalled(t, h.ctx, changed, "of a request on the other node")
	if _, err := h.s.Accept(h.ctx, h.agent, st.Assist.ID); err != nil {
		t.Fatal(err)
	}
	signalled(t, h.ctx, changed, "of an accept on the other node")
	// The shutdown of a node ends its assists: the others hear it.
	if err := h.s.Shutdown(h.ctx); err != nil {
		t.Fatal(err)
	}
	signalled(t, h.ctx, changed, "of the assists a shutdown ended")
}

// droppingBus is an in-process bus whose subscriptions report the drops a
// test sets: a drop cannot be caused on purpose while the reader keeps up.
type droppingBus struct {
	*local.Bus
	dropped atomic.Uint64
}

func (b *droppingBus) Subscribe(ctx context.Context, s bus.Subject, buffer int) (bus.Subscription, error) {
	sub, err := b.Bus.Subscribe(ctx, s, buffer)
	if err != nil {
		return nil, err
	}
	return droppingSub{sub, &b.dropped}, nil
}

type droppingSub struct {
	bus.Subscription
	dropped *atomic.Uint64
}

func (s droppingSub) Dropped() uint64 { return s.Subscription.Dropped() + s.dropped.Load() }

// A node whose subscription dropped announcements lists again, though what
// it received was its own announcement.
func TestQueueListsAgainAfterADrop(t *testing.T) {
	b := &droppingBus{Bus: local.New()}
	h := newHarness(t, Config{Bus: b}, nil)
	changed := queueWatcher(t, h.s)
	b.dropped.Add(1)
	// An announcement of this node's own comes back: alone, it would
	// change nothing here.
	if err := b.Publish(h.ctx, bus.Queues(), bus.QueueChange{Node: h.s.busNode}.Encode()); err != nil {
		t.Fatal(err)
	}
	signalled(t, h.ctx, changed, "that announcements were dropped")
}

// After the bus was cut off (the NATS server restarted), a node lists the
// queue again: the other nodes' changes meanwhile were lost to it.
func TestQueueListsAgainAfterTheBusReconnects(t *testing.T) {
	srv := natstest.Start(t, natstest.Auth{})
	up := make(chan bool, 4)
	b, err := natsbus.Open(t.Context(), srv.URL(), natsbus.WithConnState(func(c bool) { up <- c }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	h := newHarness(t, Config{Bus: b}, nil)
	changed := queueWatcher(t, h.s)
	srv.Stop()
	waitUp(t, up, false)
	srv.Start()
	waitUp(t, up, true)
	signalled(t, h.ctx, changed, "that the bus reconnected")
}

func waitUp(t *testing.T, up <-chan bool, want bool) {
	t.Helper()
	select {
	case got := <-up:
		if got != want {
			t.Fatalf("the bus's connection is %v, want %v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the bus's connection did not become %v", want)
	}
}
