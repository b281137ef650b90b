package bus

import (
	"context"
	"time"
)

// DefaultRetry is the pause before subscribing again after the bus refused
// a subscription, unless a Follower asks for another.
const DefaultRetry = time.Second

// Follower is what a receiver does with the messages of one subject. A bus
// may lose messages (see Delivery in the package doc): the receiver applies
// each message it gets, and reads again from the store, which stays the
// authority, whenever some may have been lost.
type Follower struct {
	// Subject is what is followed.
	Subject Subject
	// Buffer is the subscription's buffer: 0 for DefaultBuffer.
	Buffer int
	// Apply handles one message. Calls come one at a time, in the order
	// the messages arrive, on the goroutine that runs the follow.
	Apply func(ctx context.Context, m Message)
	// Reload reads again what the receiver follows, because messages may
	// have been lost: the subscription's Dropped grew (Reload comes before
	// the message that showed it is applied), the bus is back after an
	// outage (Outages), or the subscription was made again after the bus
	// refused it. It runs on the same goroutine as Apply.
	Reload func(ctx context.Context)
	// Retry is the pause before subscribing again after a refusal: 0 for
	// DefaultRetry.
	Retry time.Duration
	// Refused is told each refusal of the subscription while ctx lasts,
	// to log it; nil ignores them. The follow goes on: it retries.
	Refused func(err error)
}

// Follow subscribes to f.Subject now, so that what is published once it
// returns is heard (unless the bus refused: then run subscribes again after
// f.Retry, and reloads). It returns run, which applies the messages and
// reloads as Follower documents until ctx ends or the bus closes, then
// returns. Call run once, usually on a goroutine of its own.
func Follow(ctx context.Context, b Bus, f Follower) (run func()) {
	if f.Retry <= 0 {
		f.Retry = DefaultRetry
	}
	fl := &following{b: b, f: f, reconnected: make(chan struct{}, 1)}
	stop := func() {}
	if o, ok := b.(Outages); ok {
		// Registered before subscribing: an outage in between is not
		// missed.
		stop = o.OnReconnect(func() {
			select {
			case fl.reconnected <- struct{}{}:
			default: // a reload is pending already
			}
		})
	}
	fl.sub = fl.subscribe(ctx)
	return func() {
		defer stop()
		fl.run(ctx)
	}
}

// following is the state of one Follow.
type following struct {
	b           Bus
	f           Follower
	sub         Subscription  // nil while the bus refuses
	seen        uint64        // sub.Dropped() when last looked at
	reconnected chan struct{} // a reconnection not yet reloaded for
}

// subscribe subscribes to the subject; nil when the bus refuses.
func (fl *following) subscribe(ctx context.Context) Subscription {
	sub, err := fl.b.Subscribe(ctx, fl.f.Subject, fl.f.Buffer)
	if err != nil {
		if ctx.Err() == nil && fl.f.Refused != nil {
			fl.f.Refused(err)
		}
		return nil
	}
	return sub
}

// run applies messages and reloads until ctx ends or the bus closes.
func (fl *following) run(ctx context.Context) {
	for {
		if fl.sub == nil && !fl.resubscribe(ctx) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-fl.reconnected:
			fl.f.Reload(ctx)
		case m, ok := <-fl.sub.C():
			if !ok {
				return // the bus closed (or ctx ended): nothing more will come
			}
			if d := fl.sub.Dropped(); d != fl.seen {
				fl.seen = d
				fl.f.Reload(ctx)
			}
			fl.f.Apply(ctx, m)
		}
	}
}

// resubscribe subscribes again, pausing f.Retry before each try, and
// reloads what was not heard meanwhile. It reports false when ctx ended
// first.
func (fl *following) resubscribe(ctx context.Context) bool {
	t := time.NewTimer(fl.f.Retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		if fl.sub = fl.subscribe(ctx); fl.sub != nil {
			fl.seen = 0
			fl.f.Reload(ctx)
			return true
		}
		t.Reset(fl.f.Retry)
	}
}
