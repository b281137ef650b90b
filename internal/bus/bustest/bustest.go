// Package bustest is the conformance suite every bus.Bus must pass. A
// backend's test calls Run with a function that makes the buses of nodes
// that share one network.
package bustest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
)

// Nodes returns n buses that reach each other, as those of n nodes of one
// installation would; they are fresh (no other test's messages reach
// them) and closed when t ends. An in-process bus returns the same bus n
// times.
type Nodes func(t *testing.T, n int) []bus.Bus

// timeout bounds every wait of the suite: past it, what the test waits for
// will not come.
const timeout = 10 * time.Second

// Run checks that buses made by nodes behave as bus.Bus documents.
func Run(t *testing.T, nodes Nodes) {
	tests := []struct {
		name string
		fn   func(t *testing.T, nodes Nodes)
	}{
		{"Delivery", testDelivery},
		{"SubjectsApart", testSubjectsApart},
		{"FanOut", testFanOut},
		{"OrderPerPublisher", testOrderPerPublisher},
		{"UnsubscribeOnContextEnd", testUnsubscribe},
		{"SlowSubscriberDoesNotBlock", testSlowSubscriber},
		{"InvalidSubject", testInvalidSubject},
		{"MessageSizeLimit", testSizeLimit},
		{"BufferSize", testBufferSize},
		{"Close", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, nodes) })
	}
}

func control(t *testing.T, id string) bus.Subject {
	t.Helper()
	s, err := bus.Control(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func subscribe(t *testing.T, ctx context.Context, b bus.Bus, s bus.Subject, buffer int) bus.Subscription {
	t.Helper()
	sub, err := b.Subscribe(ctx, s, buffer)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", s, err)
	}
	return sub
}

func publish(t *testing.T, b bus.Bus, s bus.Subject, data string) {
	t.Helper()
	if err := b.Publish(t.Context(), s, []byte(data)); err != nil {
		t.Fatalf("Publish(%s, %q): %v", s, data, err)
	}
}

// next returns the next message of sub, failing the test if none comes or
// the subscription ends.
func next(t *testing.T, sub bus.Subscription) bus.Message {
	t.Helper()
	select {
	case m, ok := <-sub.C():
		if !ok {
			t.Fatal("the subscription ended")
		}
		return m
	case <-time.After(timeout):
		t.Fatalf("no message in %v", timeout)
	}
	panic("unreachable")
}

// expect reads the next message of sub and checks it.
func expect(t *testing.T, sub bus.Subscription, s bus.Subject, data string) {
	t.Helper()
	m := next(t, sub)
	if m.Subject != s || string(m.Data) != data {
		t.Fatalf("got %q on %s, want %q on %s", m.Data, m.Subject, data, s)
	}
}

// ended waits for sub's channel to close, skipping messages still
// buffered.
func ended(t *testing.T, sub bus.Subscription) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-sub.C():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("the subscription did not end in %v", timeout)
		}
	}
}

func testDelivery(t *testing.T, nodes Nodes) {
	b := nodes(t, 2)
	s := control(t, "sess_a")
	sub := subscribe(t, t.Context(), b[1], s, 0)
	data := []byte("control 1")
	if err := b[0].Publish(t.Context(), s, data); err != nil {
		t.Fatal(err)
	}
	copy(data, "XXXXXXX") // the bus kept its own copy
	publish(t, b[0], s, "")
	publish(t, b[0], s, "control 2")
	expect(t, sub, s, "control 1")
	expect(t, sub, s, "")
	expect(t, sub, s, "control 2")
	if n := sub.Dropped(); n != 0 {
		t.Errorf("Dropped() = %d, want 0", n)
	}
	// Queue, lease and site changes have subjects of their own, without
	// an id.
	leases := subscribe(t, t.Context(), b[0], bus.Leases(), 0)
	queues := subscribe(t, t.Context(), b[0], bus.Queues(), 0)
	sites := subscribe(t, t.Context(), b[0], bus.Sites(), 0)
	publish(t, b[1], bus.Leases(), "session x owned by node 2")
	publish(t, b[1], bus.Queues(), "request 2 waiting")
	publish(t, b[1], bus.Sites(), "site s1 edited")
	expect(t, leases, bus.Leases(), "session x owned by node 2")
	expect(t, queues, bus.Queues(), "request 2 waiting")
	expect(t, sites, bus.Sites(), "site s1 edited")
}

// A subscription receives its subject alone: not another session's, nor
// another kind's.
func testSubjectsApart(t *testing.T, nodes Nodes) {
	b := nodes(t, 2)
	mine := control(t, "sess_a")
	sub := subscribe(t, t.Context(), b[1], mine, 0)
	publish(t, b[0], control(t, "sess_b"), "other session")
	publish(t, b[0], control(t, "sess_a2"), "other session, same start")
	publish(t, b[0], bus.Queues(), "queue")
	publish(t, b[0], bus.Leases(), "lease")
	publish(t, b[0], bus.Sites(), "site")
	// Messages of one publisher keep their order: had any of those been
	// delivered, it would come before this one.
	publish(t, b[0], mine, "mine")
	expect(t, sub, mine, "mine")
}

// Every subscription of a subject gets every message, on every node, the
// publishing node included, and two on one node both get it.
func testFanOut(t *testing.T, nodes Nodes) {
	b := nodes(t, 3)
	s := control(t, "sess1")
	subs := []bus.Subscription{
		subscribe(t, t.Context(), b[0], s, 0),
		subscribe(t, t.Context(), b[1], s, 0),
		subscribe(t, t.Context(), b[2], s, 0),
		subscribe(t, t.Context(), b[2], s, 0),
	}
	const n = 20
	for i := range n {
		publish(t, b[0], s, fmt.Sprint(i))
	}
	for j, sub := range subs {
		for i := range n {
			if m := next(t, sub); string(m.Data) != fmt.Sprint(i) {
				t.Fatalf("subscription %d: message %d is %q", j, i, m.Data)
			}
		}
	}
}

// Two publishers at once: each one's messages arrive in its order.
func testOrderPerPublisher(t *testing.T, nodes Nodes) {
	b := nodes(t, 3)
	s := control(t, "sess_busy")
	const n = 200
	sub := subscribe(t, t.Context(), b[2], s, 2*n)
	errs := make(chan error, 2)
	for p := range 2 {
		go func() {
			for i := range n {
				if err := b[p].Publish(t.Context(), s, fmt.Appendf(nil, "%d %d", p, i)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	nextOf := [2]int{}
	for range 2 * n {
		m := next(t, sub)
		var p, i int
		if _, err := fmt.Sscanf(string(m.Data), "%d %d", &p, &i); err != nil || p < 0 || p > 1 {
			t.Fatalf("unexpected message %q", m.Data)
		}
		if i != nextOf[p] {
			t.Fatalf("publisher %d: got message %d, want %d", p, i, nextOf[p])
		}
		nextOf[p]++
	}
}

// When its context ends, a subscription's channel closes; the others of
// the subject go on, and the subject can be subscribed again.
func testUnsubscribe(t *testing.T, nodes Nodes) {
	b := nodes(t, 2)
	s := control(t, "sess_a")
	ctx, cancel := context.WithCancel(t.Context())
	gone := subscribe(t, ctx, b[1], s, 0)
	stays := subscribe(t, t.Context(), b[1], s, 0)
	publish(t, b[0], s, "before")
	expect(t, gone, s, "before")
	cancel()
	ended(t, gone)
	publish(t, b[0], s, "after")
	expect(t, stays, s, "before")
	expect(t, stays, s, "after")

	// The last subscription of a subject ends, then a new one starts.
	ctx2, cancel2 := context.WithCancel(t.Context())
	other := control(t, "sess_b")
	last := subscribe(t, ctx2, b[1], other, 0)
	cancel2()
	ended(t, last)
	again := subscribe(t, t.Context(), b[1], other, 0)
	publish(t, b[0], other, "again")
	expect(t, again, other, "again")

	// A context that has ended is refused: the subscription would be
	// over before it began.
	if _, err := b[1].Subscribe(ctx, s, 0); err == nil {
		t.Error("Subscribe with an ended context succeeded")
	}
}

// A subscriber that does not read loses what its buffer cannot hold, and
// counts it; the publisher and the other subscribers go on.
func testSlowSubscriber(t *testing.T, nodes Nodes) {
	b := nodes(t, 2)
	s := control(t, "sess_slow")
	const buffer, n = 4, 1000
	slow := subscribe(t, t.Context(), b[1], s, buffer)
	witness := subscribe(t, t.Context(), b[1], s, n+1)
	published := make(chan error, 1)
	go func() {
		for i := range n {
			if err := b[0].Publish(t.Context(), s, []byte(fmt.Sprint(i))); err != nil {
				published <- err
				return
			}
		}
		published <- b[0].Publish(t.Context(), s, []byte("end"))
	}()
	select {
	case err := <-published:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(timeout):
		// Unblock it, so that the bus can close, then fail.
		go func() {
			for range slow.C() {
			}
		}()
		<-published
		t.Fatalf("the publisher was blocked by a subscriber that does not read")
	}
	for i := range n {
		expect(t, witness, s, fmt.Sprint(i))
	}
	expect(t, witness, s, "end")
	// Every message before "end" has been offered to slow by now.
	for i := range buffer {
		expect(t, slow, s, fmt.Sprint(i))
	}
	if d := slow.Dropped(); d < n-buffer || d > n-buffer+1 {
		t.Errorf("Dropped() = %d, want %d (or one more for the last message)", d, n-buffer)
	}
	if d := witness.Dropped(); d != 0 {
		t.Errorf("the subscriber that reads dropped %d messages", d)
	}
	// Once it reads again, it receives again.
	publish(t, b[0], s, "later")
	if m := next(t, slow); string(m.Data) == "end" {
		expect(t, slow, s, "later")
	} else if string(m.Data) != "later" {
		t.Fatalf("got %q, want %q", m.Data, "later")
	}
}

func testInvalidSubject(t *testing.T, nodes Nodes) {
	for _, id := range []string{"", "a.b", "a*", ">", "*", "a b", "a\x00", "a\n", "é", "a/b", strings.Repeat("a", bus.MaxID+1)} {
		if s, err := bus.Control(id); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Control(%q) = %v, %v; want an invalid error", id, s, err)
		}
	}
	for _, id := range []string{"site_01abc", "ABC-def_9", strings.Repeat("x", bus.MaxID)} {
		if _, err := bus.Control(id); err != nil {
			t.Errorf("Control(%q): %v", id, err)
		}
	}
	b := nodes(t, 1)[0]
	if err := b.Publish(t.Context(), bus.Subject{}, []byte("x")); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Errorf("Publish on the zero subject: %v, want an invalid error", err)
	}
	if _, err := b.Subscribe(t.Context(), bus.Subject{}, 0); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Errorf("Subscribe to the zero subject: %v, want an invalid error", err)
	}
}

// A message of MaxData bytes goes through whole; one byte more is refused
// and not delivered.
func testSizeLimit(t *testing.T, nodes Nodes) {
	b := nodes(t, 2)
	s := control(t, "sess_big")
	sub := subscribe(t, t.Context(), b[1], s, 0)
	big := make([]byte, bus.MaxData+1)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	if err := b[0].Publish(t.Context(), s, big); tandem.ErrorCode(err) != tandem.ETooLarge {
		t.Fatalf("Publish of %d bytes: %v, want a too-large error", len(big), err)
	}
	publish(t, b[0], s, string(big[:bus.MaxData]))
	expect(t, sub, s, string(big[:bus.MaxData]))
}

func testBufferSize(t *testing.T, nodes Nodes) {
	b := nodes(t, 1)[0]
	s := control(t, "sess_a")
	for _, n := range []int{-1, bus.MaxBuffer + 1} {
		if _, err := b.Subscribe(t.Context(), s, n); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Subscribe with a buffer of %d: %v, want an invalid error", n, err)
		}
	}
	if c := cap(subscribe(t, t.Context(), b, s, 0).C()); c != bus.DefaultBuffer {
		t.Errorf("default buffer %d, want %d", c, bus.DefaultBuffer)
	}
	if c := cap(subscribe(t, t.Context(), b, s, 7).C()); c != 7 {
		t.Errorf("buffer %d, want 7", c)
	}
}

// Close ends the subscriptions; the bus refuses what comes after, and a
// second Close does nothing.
func testClose(t *testing.T, nodes Nodes) {
	b := nodes(t, 1)[0]
	s := control(t, "sess_a")
	sub := subscribe(t, t.Context(), b, s, 0)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ended(t, sub)
	if err := b.Publish(t.Context(), s, []byte("x")); tandem.ErrorCode(err) != tandem.EUnavailable {
		t.Errorf("Publish after Close: %v, want an unavailable error", err)
	}
	if _, err := b.Subscribe(t.Context(), s, 0); tandem.ErrorCode(err) != tandem.EUnavailable {
		t.Errorf("Subscribe after Close: %v, want an unavailable error", err)
	}
	if err := b.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
