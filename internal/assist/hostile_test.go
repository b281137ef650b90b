package assist

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
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

// Who may send each frame kind of internal/protocol/protocol.json: the
// routing of Handle must take exactly these from each side. Every other
// kind is the server's own (or the other side's), and is refused.
var (
	personSends = []string{
		protocol.KindPong, protocol.KindConsent, protocol.KindEnd, protocol.KindJoinAnswer, protocol.KindTabs,
		protocol.KindMeta, protocol.KindSnap, protocol.KindRef, protocol.KindEv, protocol.KindLeave,
		protocol.KindCallAnswer, protocol.KindCallLeave, protocol.KindRTC, protocol.KindCallMedia,
		protocol.KindControlAnswer, protocol.KindControlRevoke, protocol.KindOpResult, protocol.KindRepairAnswer,
	}
	agentSends = []string{
		protocol.KindPong, protocol.KindSnapshot, protocol.KindCall, protocol.KindCallJoin, protocol.KindCallLeave,
		protocol.KindRTC, protocol.KindCallMedia, protocol.KindPointer, protocol.KindDraw, protocol.KindControlRequest,
		protocol.KindControlRelease, protocol.KindControlHandover, protocol.KindOp, protocol.KindRepairRequest,
	}
	// serverOnly are the kinds only the server sends.
	serverOnly = []string{
		protocol.KindSync, protocol.KindWelcome, protocol.KindPrompt, protocol.KindState, protocol.KindAck,
		protocol.KindSite, protocol.KindPing, protocol.KindEnded, protocol.KindError, protocol.KindQueue,
		protocol.KindPresence, protocol.KindWatchers, protocol.KindJoinWait, protocol.KindHealth, protocol.KindYou,
		protocol.KindCallState, protocol.KindControlDenied, protocol.KindControlState,
	}
)

// Every kind of protocol.json is in one of the lists above, so that a new
// kind cannot be added without saying who may send it (and so without
// the tests below covering it).
func TestEveryKindHasSenders(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "protocol", "protocol.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FrameKinds []struct{ Kind string } `json:"frameKinds"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.FrameKinds) == 0 {
		t.Fatal("no frame kinds in protocol.json")
	}
	for _, k := range doc.FrameKinds {
		in := slices.Contains(personSends, k.Kind) || slices.Contains(agentSends, k.Kind)
		if in == slices.Contains(serverOnly, k.Kind) {
			t.Errorf("kind %q: in serverOnly = %v, sent by a client = %v; want exactly one", k.Kind, !in, in)
		}
	}
}

// hostilePayload is what an attacker would put in a frame of kind k: for
// site, settings that would open the site to another origin.
func hostilePayload(k string) string {
	if k == protocol.KindSite {
		return `{"name":"Evil","allowedOrigins":["https://evil.example"],"masking":"off"}`
	}
	return `{"state":"live","agents":[],"assists":[]}`
}

// The person's page sends every kind it may not (the server's own, and
// the agents' own): each is refused with 4400, reaches no agent, and
// changes neither the assist nor its site.
func TestPersonCannotSendOthersKinds(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	p, id := h.live()
	a, err := h.s.ConnectAgent(h.ctx, h.agent, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	drain(a)
	var kinds []string
	for _, k := range append(slices.Clone(serverOnly), agentSends...) {
		if !slices.Contains(personSends, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) {
			frame := []byte(`{"k":"` + k + `"}` + "\n" + hostilePayload(k))
			if err := p.Handle(h.ctx, frame); closeCode(err) != CloseBadFrame {
				t.Fatalf("%s from the person: %v, want 4400", k, err)
			}
			hs, ce := drain(a)
			if ce != nil {
				t.Fatalf("the agent's channel closed: %v", ce)
			}
			for _, hd := range hs {
				if hd.Kind == k {
					t.Fatalf("the agent got the person's %s frame", k)
				}
			}
			// The refusal closes the channel: the page reconnects.
			if p, err = h.s.ConnectPerson(h.ctx, id, h.s.personToken(id), testOrigin); err != nil {
				t.Fatal(err)
			}
			drain(p)
			drain(a) // the presence the reconnect announced
		})
	}
	h.s.mu.Lock()
	l := h.s.lives[id]
	h.s.mu.Unlock()
	l.mu.Lock()
	state, site := l.assist.State, l.site
	l.mu.Unlock()
	if state != tandem.AssistLive || site.Name != h.site.Name || site.AllowsOrigin("https://evil.example") {
		t.Fatalf("after the refused frames: state %s, site %q %v", state, site.Name, site.AllowedOrigins)
	}
	if _, err := h.s.ConnectPerson(h.ctx, id, h.s.personToken(id), "https://evil.example"); closeCode(err) != CloseForbidden {
		t.Fatalf("connect from the origin a site frame named: %v, want 4403", err)
	}
}

// An agent's channel (a stolen session) sends every kind it may not: the
// server's own and the person's own (consent, tabs, the page's data…).
// Each is refused with 4400 and reaches neither the person nor another
// agent.
func TestAgentCannotSendOthersKinds(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	p, id := h.live()
	other, err := h.s.ConnectAgent(h.ctx, h.agent, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	drain(other)
	var kinds []string
	for _, k := range append(slices.Clone(serverOnly), personSends...) {
		if !slices.Contains(agentSends, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) {
			a, err := h.s.ConnectAgent(h.ctx, h.agent, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			drain(a)
			drain(other)
			drain(p)
			frame := []byte(`{"k":"` + k + `"}` + "\n" + hostilePayload(k))
			if err := a.Handle(h.ctx, frame); closeCode(err) != CloseBadFrame {
				t.Fatalf("%s from an agent: %v, want 4400", k, err)
			}
			for name, c := range map[string]interface{ Next() ([]byte, error) }{"person": p, "other agent": other} {
				hs, ce := drain(c)
				if ce != nil {
					t.Fatalf("the %s's channel closed: %v", name, ce)
				}
				for _, hd := range hs {
					if hd.Kind == k {
						t.Fatalf("the %s got the agent's %s frame", name, k)
					}
				}
			}
			a.Close()
		})
	}
}
