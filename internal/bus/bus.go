// Package bus carries small notifications between the nodes of one Tandem
// installation: a help request queued or taken on a site, a control message
// for the node that owns a session, a lease that changed hands. It never
// carries frames: those go from a node to the owner of their session over
// its own connection.
//
// # Delivery
//
// A Bus delivers each message at most once to each subscription of its
// subject, on every node, the publishing node included. Messages of one
// publisher (one Bus) on one subject arrive in the order they were
// published; nothing orders messages of different publishers. A message may
// be lost: while a node is cut off from the others (the NATS server
// restarting), or when a subscriber is slow. Notifications are hints to look
// again at the store, which stays the authority.
//
// A subscription buffers a bounded number of messages for its receiver. When
// the buffer is full, a new message is dropped for that subscription alone
// and counted (Subscription.Dropped): a slow subscriber never blocks the
// publisher nor the other subscribers. A receiver that sees Dropped grow
// reloads what it follows from the store.
package bus

import (
	"context"
	"fmt"

	"github.com/tandemhq/tandem"
)

// Bus publishes notifications and subscribes to them. Its implementations
// are local (one process) and natsbus (many nodes on NATS); both pass the
// bustest conformance suite.
type Bus interface {
	// Publish sends data to every subscription of subject. It never waits
	// for a subscriber. It refuses an invalid subject (tandem.EInvalid)
	// and data over MaxData bytes (tandem.ETooLarge), delivering nothing;
	// after Close it fails with tandem.EUnavailable. The bus keeps its own
	// copy of data.
	Publish(ctx context.Context, subject Subject, data []byte) error
	// Subscribe returns a subscription that receives the messages
	// published on subject from the time Subscribe returns until ctx
	// ends or the bus closes; then its channel is closed (messages still
	// buffered can be read first). buffer is how many messages may wait
	// for the receiver: 0 for DefaultBuffer, at most MaxBuffer.
	Subscribe(ctx context.Context, subject Subject, buffer int) (Subscription, error)
	// Close ends every subscription and releases the bus. A networked bus
	// first delivers what it has received and sends what was published
	// (drains), within ctx. Closing twice does nothing.
	Close(ctx context.Context) error
}

// Outages is implemented by a bus that can be cut off from the other nodes
// (natsbus, while its server is out of reach): what they publish meanwhile
// is lost to this node, without counting in Dropped. A receiver that
// follows such a bus reloads what it follows from the store when the bus
// is back. The in-process bus is never cut off and does not implement it.
type Outages interface {
	// OnReconnect calls f each time the bus is back after an outage, once
	// this node's subscriptions are active again, until stop is called.
	// f runs on the bus's own goroutine: it must not block.
	OnReconnect(f func()) (stop func())
}

// Subscription is a stream of messages on one subject.
type Subscription interface {
	// C is where the messages arrive; it is closed when the subscription
	// ends.
	C() <-chan Message
	// Dropped counts the messages this subscription lost because its
	// buffer was full.
	Dropped() uint64
}

// Message is one notification. Data is shared by every subscription of the
// node: read it, never modify it.
type Message struct {
	Subject Subject
	Data    []byte
}

// Limits of messages and subscriptions.
const (
	// MaxData is the largest payload a message may carry: notifications
	// say what changed, the store says the rest.
	MaxData = 16 << 10
	// DefaultBuffer is a subscription's buffer unless Subscribe asks for
	// another.
	DefaultBuffer = 256
	// MaxBuffer is the largest buffer a subscription may have, so that a
	// node's memory for the bus stays bounded.
	MaxBuffer = 1 << 16
)

// Check reports what is wrong with a message before it is published, with
// the error Publish returns: implementations call it first.
func Check(subject Subject, data []byte) error {
	if err := subject.Valid(); err != nil {
		return err
	}
	if len(data) > MaxData {
		return tandem.Errorf(tandem.ETooLarge, "bus: a message carries at most %d bytes, not %d", MaxData, len(data))
	}
	return nil
}

// BufferSize returns the buffer a subscription asking for n gets, or an
// error for a size out of range.
func BufferSize(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultBuffer, nil
	case n < 0 || n > MaxBuffer:
		return 0, tandem.Errorf(tandem.EInvalid, "bus: a subscription buffers 1 to %d messages, not %d", MaxBuffer, n)
	}
	return n, nil
}

// ErrClosed is returned by a bus used after Close.
var ErrClosed error = tandem.Errorf(tandem.EUnavailable, "bus: closed")

// CheckSubscribe reports what is wrong with a subscription request before
// it is made, and the buffer it gets: implementations call it first.
func CheckSubscribe(ctx context.Context, subject Subject, buffer int) (int, error) {
	if err := subject.Valid(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		// The subscription would end at once.
		return 0, fmt.Errorf("bus: subscribe: %w", err)
	}
	return BufferSize(buffer)
}
