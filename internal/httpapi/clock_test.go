package httpapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/assist"
)

// testClock is the assists' clock in tests that move time by hand: Now
// and the grace periods' timers (app.Config.Now and AfterFunc).
type testClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*testTimer
	started chan *testTimer // every timer started, in order
}

func newTestClock() *testClock {
	return &testClock{now: time.Now(), started: make(chan *testTimer, 64)}
}

// testTimer is a timer of a testClock.
type testTimer struct {
	c    *testClock
	at   time.Time
	d    time.Duration
	f    func()
	done bool // (c.mu) stopped or run
	stop bool // (c.mu) stopped before it ran
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc starts a timer that runs f once Advance moves the clock d on.
func (c *testClock) AfterFunc(d time.Duration, f func()) assist.Timer {
	c.mu.Lock()
	tm := &testTimer{c: c, at: c.now.Add(d), d: d, f: f}
	c.timers = append(c.timers, tm)
	c.mu.Unlock()
	select {
	case c.started <- tm:
	default:
		panic("testClock: more timers started than anyone waited for")
	}
	return tm
}

func (tm *testTimer) Stop() bool {
	tm.c.mu.Lock()
	defer tm.c.mu.Unlock()
	if tm.done {
		return false
	}
	tm.done, tm.stop = true, true
	return true
}

// stopped reports whether the timer was stopped before it ran.
func (tm *testTimer) stopped() bool {
	tm.c.mu.Lock()
	defer tm.c.mu.Unlock()
	return tm.stop
}

// Advance moves the clock on by d and runs, before it returns and in the
// order they are due, the functions of the timers now due. It returns how
// many ran.
func (c *testClock) Advance(d time.Duration) int {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due, left []*testTimer
	for _, tm := range c.timers {
		switch {
		case tm.done:
		case !tm.at.After(c.now):
			tm.done = true
			due = append(due, tm)
		default:
			left = append(left, tm)
		}
	}
	c.timers = left
	c.mu.Unlock()
	for i := 1; i < len(due); i++ {
		for j := i; j > 0 && due[j].at.Before(due[j-1].at); j-- {
			due[j], due[j-1] = due[j-1], due[j]
		}
	}
	for _, tm := range due {
		tm.f()
	}
	return len(due)
}

// waitStarted waits for the next timer started that still runs, and
// returns it; timers stopped or run by then are passed over.
func (c *testClock) waitStarted(t *testing.T, ctx context.Context) *testTimer {
	t.Helper()
	for {
		select {
		case tm := <-c.started:
			c.mu.Lock()
			running := !tm.done
			c.mu.Unlock()
			if running {
				return tm
			}
		case <-ctx.Done():
			t.Fatalf("no timer started: %v", ctx.Err())
		}
	}
}
