package assist

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem/internal/protocol"
)

// Close code of a person who sends faster than the limit; see
// docs/protocol.md.
const CloseTooFast = protocol.CloseTooFast

// maxThrottle is the longest a frame waits for the rate limit. A frame
// that would wait longer is refused with CloseTooFast: the SDK waits and
// sends it again, rather than the server holding it (and the person's
// channel) for long.
const maxThrottle = 5 * time.Second

// bucket is a token bucket of bytes: it refills at rate bytes a second up
// to burst.
type bucket struct {
	rate, burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(rate, burst int, now time.Time) *bucket {
	return &bucket{rate: float64(rate), burst: float64(burst), tokens: float64(burst), last: now}
}

// take reserves n bytes at now. It returns how long the caller must wait
// before it uses them, or ok=false (and reserves nothing) when that wait
// would be longer than most. A full bucket lets any one frame through at
// once, however large: the debt is paid by the frames after it.
func (b *bucket) take(now time.Time, n int, most time.Duration) (wait time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= b.burst || b.tokens >= float64(n) {
		b.tokens -= float64(n)
		return 0, true
	}
	wait = time.Duration((float64(n) - b.tokens) / b.rate * float64(time.Second))
	if wait > most {
		return wait, false
	}
	b.tokens -= float64(n)
	return wait, true
}

// throttle holds a frame of n bytes until the assist's rate allows it, on
// the person's own goroutine: other channels are never held up. It
// returns a *CloseError when the frame would wait too long, or when the
// channel closed or ctx ended while it waited.
func (c *PersonConn) throttle(ctx context.Context, n int) error {
	if c.l.rate == nil {
		return nil
	}
	wait, ok := c.l.rate.take(c.s.cfg.Now(), n, maxThrottle)
	if !ok {
		return &CloseError{Code: CloseTooFast, Reason: fmt.Sprintf("sending faster than %d KiB/s; wait and send again", int(c.l.rate.rate)/1024)}
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-c.done:
		return c.closeErr()
	case <-ctx.Done():
		return &CloseError{Code: closeGoingAway, Reason: "server shutting down"}
	}
}
