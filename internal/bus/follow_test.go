package bus_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/local"
	"github.com/tandemhq/tandem/internal/bus/natsbus"
	"github.com/tandemhq/tandem/internal/natstest"
)

// timeout bounds every wait: past it, what the test waits for will not
// come.
const timeout = 10 * time.Second

// followEnv is a real bus for one test, and how to cut it off and bring
// it back.
type followEnv struct {
	bus    bus.Bus
	outage func(t *testing.T) // returns once the bus is back
}

// backends are the buses Follow is checked on.
var backends = []struct {
	name string
	open func(t *testing.T) followEnv
}{
	{"local", openLocal},
	{"nats", openNATS},
}

// openLocal is the in-process bus. It is never cut off, so its outage is
// told through Outages, as a networked bus would tell it.
func openLocal(t *testing.T) followEnv {
	b := &outageBus{Bus: local.New()}
	t.Cleanup(func() { b.Close(context.Background()) })
	return followEnv{bus: b, outage: func(*testing.T) { b.reconnect() }}
}

// openNATS is natsbus on a real NATS server of the test's own, whose
// outage is a restart of the server.
func openNATS(t *testing.T) followEnv {
	srv := natstest.Start(t, natstest.Auth{})
	up := make(chan bool, 16)
	b, err := natsbus.Open(t.Context(), srv.URL(),
		natsbus.WithLogger(slog.New(slog.DiscardHandler)), natsbus.WithConnState(func(c bool) { up <- c }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		b.Close(ctx)
	})
	wait := func(t *testing.T, want bool) {
		t.Helper()
		select {
		case got := <-up:
			if got != want {
				t.Fatalf("connection state %v, want %v", got, want)
			}
		case <-time.After(timeout):
			t.Fatalf("the connection state did not become %v", want)
		}
	}
	return followEnv{bus: b, outage: func(t *testing.T) {
		srv.Stop()
		wait(t, false)
		srv.Start()
		wait(t, true)
	}}
}

// outageBus is an in-process bus that tells of reconnections when a test
// asks.
type outageBus struct {
	*local.Bus
	mu  sync.Mutex
	fns map[*func()]struct{}
}

func (b *outageBus) OnReconnect(f func()) (stop func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fns == nil {
		b.fns = map[*func()]struct{}{}
	}
	b.fns[&f] = struct{}{}
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.fns, &f)
	}
}

func (b *outageBus) reconnect() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for f := range b.fns {
		(*f)()
	}
}

// refusingBus refuses the first refusals subscriptions.
type refusingBus struct {
	bus.Bus
	refusals atomic.Int32
}

func (b *refusingBus) Subscribe(ctx context.Context, s bus.Subject, buffer int) (bus.Subscription, error) {
	if b.refusals.Add(-1) >= 0 {
		return nil, tandem.Errorf(tandem.EUnavailable, "bus: refused on purpose")
	}
	return b.Bus.Subscribe(ctx, s, buffer)
}

// recorder is a Follower that tells each call as an event: "apply <data>"
// or "reload". Apply waits while hold is set.
type recorder struct {
	events chan string
	hold   chan struct{} // nil: Apply does not wait
}

func newRecorder() *recorder { return &recorder{events: make(chan string, 64)} }

func (r *recorder) follower(s bus.Subject) bus.Follower {
	return bus.Follower{
		Subject: s,
		Apply: func(ctx context.Context, m bus.Message) {
			r.events <- "apply " + string(m.Data)
			if r.hold != nil {
				select {
				case <-r.hold:
				case <-ctx.Done():
				}
			}
		},
		Reload: func(context.Context) { r.events <- "reload" },
	}
}

// expect waits for the next events, failing unless they are want.
func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-r.events:
			if got != w {
				t.Fatalf("event %q, want %q", got, w)
			}
		case <-time.After(timeout):
			t.Fatalf("no event %q in %v", w, timeout)
		}
	}
}

// start runs Follow on a goroutine; done is closed when run returns.
func start(ctx context.Context, b bus.Bus, f bus.Follower) (done <-chan struct{}) {
	run := bus.Follow(ctx, b, f)
	c := make(chan struct{})
	go func() {
		defer close(c)
		run()
	}()
	return c
}

func returned(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(timeout):
		t.Fatalf("the follow did not return in %v", timeout)
	}
}

func publish(t *testing.T, b bus.Bus, s bus.Subject, data string) {
	t.Helper()
	if err := b.Publish(t.Context(), s, []byte(data)); err != nil {
		t.Fatalf("Publish(%q): %v", data, err)
	}
}

func TestFollow(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, env followEnv, s bus.Subject)
	}{
		{"MessagesApplied", testFollowApply},
		{"DroppedGrowthReloads", testFollowDropped},
		{"ReconnectReloads", testFollowReconnect},
		{"RefusalRetried", testFollowRefused},
		{"ContextEndStops", testFollowContextEnd},
		{"ContextEndStopsRetries", testFollowContextEndRefused},
		{"BusCloseStops", testFollowClose},
	}
	for _, be := range backends {
		for i, tt := range tests {
			t.Run(be.name+"/"+tt.name, func(t *testing.T) {
				s, err := bus.Control(fmt.Sprintf("sess_follow%d", i))
				if err != nil {
					t.Fatal(err)
				}
				tt.fn(t, be.open(t), s)
			})
		}
	}
}

// Each message is applied, in order, and nothing is reloaded while none
// is lost.
func testFollowApply(t *testing.T, env followEnv, s bus.Subject) {
	r := newRecorder()
	start(t.Context(), env.bus, r.follower(s))
	for _, d := range []string{"a", "b", "c"} {
		publish(t, env.bus, s, d)
	}
	r.expect(t, "apply a", "apply b", "apply c")
	if n := len(r.events); n != 0 {
		t.Errorf("%d more events: %q", n, <-r.events)
	}
}

// Messages a full buffer lost make the receiver reload before it applies
// the next one it gets.
func testFollowDropped(t *testing.T, env followEnv, s bus.Subject) {
	r := newRecorder()
	r.hold = make(chan struct{})
	f := r.follower(s)
	f.Buffer = 1
	start(t.Context(), env.bus, f)
	// Every message the witness got was offered to the follower too.
	witness, err := env.bus.Subscribe(t.Context(), s, 16)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, env.bus, s, "0")
	r.expect(t, "apply 0") // and Apply waits: the buffer holds one more
	for i := 1; i <= 5; i++ {
		publish(t, env.bus, s, fmt.Sprint(i))
	}
	for range 6 {
		select {
		case <-witness.C():
		case <-time.After(timeout):
			t.Fatal("the witness missed a message")
		}
	}
	close(r.hold)
	r.expect(t, "reload", "apply 1")
	// Nothing more was lost: the next message is applied alone.
	publish(t, env.bus, s, "6")
	r.expect(t, "apply 6")
}

// A bus back after an outage makes the receiver reload, and messages are
// applied after it.
func testFollowReconnect(t *testing.T, env followEnv, s bus.Subject) {
	r := newRecorder()
	start(t.Context(), env.bus, r.follower(s))
	env.outage(t)
	r.expect(t, "reload")
	publish(t, env.bus, s, "after")
	r.expect(t, "apply after")
}

// A refused subscription is made again after the pause, and what was not
// heard meanwhile is reloaded; each refusal is told.
func testFollowRefused(t *testing.T, env followEnv, s bus.Subject) {
	b := &refusingBus{Bus: env.bus}
	b.refusals.Store(3)
	r := newRecorder()
	f := r.follower(s)
	f.Retry = time.Millisecond
	var refused atomic.Int32
	f.Refused = func(err error) {
		if tandem.ErrorCode(err) != tandem.EUnavailable {
			t.Errorf("Refused(%v), want the bus's error", err)
		}
		refused.Add(1)
	}
	start(t.Context(), b, f)
	r.expect(t, "reload") // subscribed: messages are heard from now on
	if n := refused.Load(); n != 3 {
		t.Errorf("Refused was told %d refusals, want 3", n)
	}
	publish(t, env.bus, s, "a")
	r.expect(t, "apply a")
}

// The end of ctx stops the follow: run returns.
func testFollowContextEnd(t *testing.T, env followEnv, s bus.Subject) {
	ctx, cancel := context.WithCancel(t.Context())
	r := newRecorder()
	done := start(ctx, env.bus, r.follower(s))
	publish(t, env.bus, s, "a")
	r.expect(t, "apply a")
	cancel()
	returned(t, done)
}

// The end of ctx stops a follow that waits to subscribe again, and no
// refusal is told after it.
func testFollowContextEndRefused(t *testing.T, env followEnv, s bus.Subject) {
	b := &refusingBus{Bus: env.bus}
	b.refusals.Store(1 << 30)
	ctx, cancel := context.WithCancel(t.Context())
	refusals := make(chan error, 1)
	f := newRecorder().follower(s)
	f.Retry = time.Hour // the first try is the one before run
	f.Refused = func(err error) { refusals <- err }
	done := start(ctx, b, f)
	select {
	case <-refusals:
	case <-time.After(timeout):
		t.Fatal("the refusal was not told")
	}
	cancel()
	returned(t, done)
}

// A closed bus ends the follow.
func testFollowClose(t *testing.T, env followEnv, s bus.Subject) {
	r := newRecorder()
	done := start(t.Context(), env.bus, r.follower(s))
	if err := env.bus.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	returned(t, done)
}
