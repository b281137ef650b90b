package assist

import (
	"sync"
	"sync/atomic"
	"time"
)

// outboundCapacity bounds the control frames waiting for one channel; data
// frames to agents wait in the hub's reader queue instead.
const outboundCapacity = 64

// CloseError asks the transport to close a channel with Code and Reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return e.Reason }

// conn is what person and agent channels share: the control frames waiting
// for the transport, and why the channel must close once it must.
//
// Nothing here ever waits for the transport. The transport gives Start a
// wake function, which is called whenever there may be something new to
// send; it then takes frames with Next until there is none. So a channel
// with nothing to send needs no goroutine of the transport's parked on it:
// an idle assist costs only its readers.
type conn struct {
	wake atomic.Pointer[func()]

	mu     sync.Mutex
	out    [][]byte      // control frames waiting, oldest first
	closed *CloseError   // set once: the channel must close
	done   chan struct{} // if made, closed when closed is set
}

// Start tells the channel how to wake its transport, and wakes it for the
// frames queued while connecting. It is called once, before any Next.
func (c *conn) Start(wake func()) {
	c.wake.Store(&wake)
	wake()
}

// notify wakes the transport. It takes no lock, so that the hub may call it
// while holding its own.
func (c *conn) notify() {
	if w := c.wake.Load(); w != nil {
		(*w)()
	}
}

// send queues a control frame. A channel that cannot keep up with control
// frames is closed as slow rather than allowed to hold anything up.
func (c *conn) send(frame []byte) {
	c.mu.Lock()
	switch {
	case c.closed != nil:
	case len(c.out) >= outboundCapacity:
		c.closeLocked(CloseSlow, "too far behind", nil)
	default:
		c.out = append(c.out, frame)
	}
	c.mu.Unlock()
	c.notify()
}

// finish closes the channel after one last frame: what was still waiting
// is dropped, the last frame goes out, then the close.
func (c *conn) finish(last []byte, code int, reason string) {
	c.mu.Lock()
	c.closeLocked(code, reason, last)
	c.mu.Unlock()
	c.notify()
}

// close closes the channel with code and reason; the first close wins.
func (c *conn) close(code int, reason string) { c.finish(nil, code, reason) }

// Abort closes the channel with code and reason unless it is closing
// already. The transport calls it when Handle refused a frame, and then
// sends what Next still returns: if the assist closed the channel first
// (it ended, or a newer connection replaced this one), its last frame and
// close go out rather than the refusal, which only followed from them.
func (c *conn) Abort(code int, reason string) { c.close(code, reason) }

// closeErr returns the close the channel is set to, or nil.
func (c *conn) closeErr() *CloseError {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *conn) closeLocked(code int, reason string, last []byte) {
	if c.closed != nil {
		return
	}
	c.closed = &CloseError{Code: code, Reason: reason}
	if c.done != nil {
		close(c.done)
	}
	c.out = nil
	if last != nil {
		c.out = append(c.out, last)
	}
}

// popLocked takes the oldest waiting control frame, or returns the close
// error once nothing is left before it. Both are nil when there is nothing
// to do. c.mu is held.
func (c *conn) popLocked() ([]byte, error) {
	if len(c.out) > 0 {
		f := c.out[0]
		c.out[0] = nil
		c.out = c.out[1:]
		if len(c.out) == 0 {
			c.out = nil
		}
		return f, nil
	}
	if c.closed != nil {
		return nil, c.closed
	}
	return nil, nil
}

// PersonConn is the person's channel to an assist.
type PersonConn struct {
	conn
	s *Service
	l *live

	ackTimer   *time.Timer // (conn.mu) made on the first ack
	ackPending bool        // (conn.mu) ackTimer is armed
	ackDue     bool        // (conn.mu) an ack should go out now
}

// ackDelay coalesces acks: the SDK only needs them to trim its resend
// buffer, and one per frame would double the messages on a busy channel.
const ackDelay = 100 * time.Millisecond

// scheduleAck makes an ack go out within ackDelay, once for many frames.
func (c *PersonConn) scheduleAck() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ackPending {
		return
	}
	c.ackPending = true
	if c.ackTimer == nil {
		c.ackTimer = time.AfterFunc(ackDelay, c.ackNow)
	} else {
		c.ackTimer.Reset(ackDelay)
	}
}

// ackNow makes the scheduled ack due and wakes the transport to send it.
func (c *PersonConn) ackNow() {
	c.mu.Lock()
	c.ackPending, c.ackDue = false, true
	c.mu.Unlock()
	c.notify()
}
