package assist

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/protocol"
)

// manualClock is Config.Now and Config.AfterFunc for tests that move time
// by hand: a timer's function runs when advance passes its time.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	c    *manualClock
	at   time.Time
	f    func()
	done bool // (c.mu) stopped or run
}

func newManualClock() *manualClock { return &manualClock{now: time.Unix(1_800_000_000, 0)} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	tm := &manualTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, tm)
	return tm
}

func (tm *manualTimer) Stop() bool {
	tm.c.mu.Lock()
	defer tm.c.mu.Unlock()
	was := tm.done
	tm.done = true
	return !was
}

// advance moves the clock on by d and runs the functions of the timers
// now due, unlocked; it returns how many ran.
func (c *manualClock) advance(d time.Duration) int {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*manualTimer
	for _, tm := range c.timers {
		if !tm.done && !tm.at.After(c.now) {
			tm.done = true
			due = append(due, tm)
		}
	}
	c.mu.Unlock()
	for _, tm := range due {
		tm.f()
	}
	return len(due)
}

// tabsList is a valid tabs payload whose one tab is titled title.
func tabsList(title string) string {
	return `{"tabs":[{"id":"a","title":"` + title + `","url":"/cart","front":true}]}`
}

// A flood of tabs frames from the person costs neither memory nor
// messages to the agents: at most one list goes to them per tabsInterval,
// the latest one, and an agent that did not read in between is not closed
// as slow; the same list again is not relayed at all.
func TestTabsFlood(t *testing.T) {
	clk := newManualClock()
	h := newHarness(t, Config{Now: clk.Now, AfterFunc: clk.AfterFunc}, nil)
	p, id := h.live()
	a, err := h.s.ConnectAgent(h.ctx, h.agent, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	drain(a)
	if err := p.Handle(h.ctx, tabsFrame(tabsList("first"))); err != nil {
		t.Fatal(err)
	}
	// Thousands of lists within one interval, the agent reading none.
	const flood = 5 * outboundCapacity * 10
	for i := range flood {
		if err := p.Handle(h.ctx, tabsFrame(tabsList(fmt.Sprint("n", i)))); err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
	}
	tabs, ce := agentTabs(a)
	if ce != nil || len(tabs) != 1 || tabs[0] != tabsList("first") {
		t.Fatalf("agent got %d tabs frames %.80q (close %v), want the first list only", len(tabs), tabs, ce)
	}
	clk.advance(tabsInterval)
	latest := tabsList(fmt.Sprint("n", flood-1))
	if tabs, ce = agentTabs(a); ce != nil || len(tabs) != 1 || tabs[0] != latest {
		t.Fatalf("after the interval the agent got %.80q (close %v), want the latest list once", tabs, ce)
	}
	// The same list again, however often and however late: nothing new.
	clk.advance(time.Minute)
	for range 100 {
		if err := p.Handle(h.ctx, tabsFrame(latest)); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(time.Minute)
	if tabs, _ = agentTabs(a); len(tabs) != 0 {
		t.Fatalf("the same list again was relayed %d times", len(tabs))
	}
	// After a quiet interval a change goes out at once.
	if err := p.Handle(h.ctx, tabsFrame(tabsList("later"))); err != nil {
		t.Fatal(err)
	}
	if tabs, _ = agentTabs(a); len(tabs) != 1 || tabs[0] != tabsList("later") {
		t.Fatalf("a change after a quiet interval: %.80q, want it at once", tabs)
	}
}

// agentTabs takes every frame the channel has now and returns the
// payloads of its tabs frames, and the close it is set to.
func agentTabs(c interface{ Next() ([]byte, error) }) ([]string, *CloseError) {
	var tabs []string
	for {
		f, err := c.Next()
		if err != nil {
			ce, _ := err.(*CloseError)
			return tabs, ce
		}
		if f == nil {
			return tabs, nil
		}
		if h, _ := hub.ParseHeader(f); h.Kind == protocol.KindTabs {
			tabs = append(tabs, string(payload(f)))
		}
	}
}
