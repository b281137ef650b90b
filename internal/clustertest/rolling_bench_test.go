package clustertest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bench"
	"github.com/tandemhq/tandem/internal/clustertest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// Sizes of the rolling restart.
const (
	rollingAssists   = 100
	rollingTerminals = 20
)

// BenchmarkRollingRestart restarts the three nodes one at a time (SIGTERM,
// which drains, then a fresh process on the same ports) while 100 live
// assists and 20 terminal sessions run through the balancers, and fails
// unless every one of them is still running after it: their people, agents
// and hosts reconnect as the SDK, the console and `tandem share` do. It
// reports how long the restart took and how many times clients were moved.
//
//	go test ./internal/clustertest -run '^$' -bench RollingRestart -benchtime 1x
func BenchmarkRollingRestart(b *testing.B) {
	c := clustertest.New(b, clustertest.Options{LeaseTTL: 10 * time.Second, Grace: 30 * time.Second})
	site := c.AddSite("Rolling shop")
	agent := c.AddAgent("rolling@example.com", "Rolling agent")
	_, authorized := helperKey(b, b.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	t := bench.Target{URL: c.PublicURL(), SiteKey: site.Key, Origin: site.URL, Email: agent.Email, Password: agent.Password}
	o, err := bench.NewOpener(ctx, t)
	if err != nil {
		b.Fatal(err)
	}
	as, err := bench.OpenMany(ctx, o, rollingAssists, 16, bench.OpenOptions{Watchers: 1, Snapshot: bench.SnapshotPayload(2048)})
	if err != nil {
		b.Fatal(err)
	}
	watcher, err := simclient.Login(ctx, c.PublicURL(), agent.Email, agent.Password)
	if err != nil {
		b.Fatal(err)
	}
	var moves atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 2*rollingAssists)
	for _, a := range as {
		for _, ws := range a.Agents {
			_ = ws.CloseNow() // the agents below reconnect as the console does
		}
		a.Detach() // the person below reconnects as the SDK does
		wg.Go(func() { errs <- keepPerson(ctx, a.Person, &moves) })
		wg.Go(func() { errs <- keepAgent(ctx, watcher, a.Person.AssistID, &moves) })
	}
	hosts := make([]*host, rollingTerminals)
	for i := range hosts {
		hosts[i] = share(b, c, b.TempDir(), authorized)
	}

	for range b.N {
		start := time.Now()
		for _, n := range c.Nodes {
			n.Stop()
			n.Restart()
			if err := c.HTTP.WaitReady(ctx, n); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(time.Since(start).Seconds(), "restart-s")
	}
	// Let the last node's clients settle before looking.
	time.Sleep(2 * time.Second)
	ended := 0
	for _, a := range as {
		got, err := c.Store().AssistByID(ctx, a.Person.AssistID)
		if err != nil {
			b.Fatal(err)
		}
		if got.State == tandem.AssistEnded {
			ended++
			b.Errorf("assist %s ended: %s", got.ID, got.EndReason)
		}
	}
	for _, h := range hosts {
		tm, err := c.Store().TerminalByID(ctx, h.id)
		if err != nil {
			b.Fatal(err)
		}
		if !tm.EndedAt.IsZero() || h.exited() {
			ended++
			b.Errorf("terminal session %s ended (%s); its host exited: %v", h.id, tm.EndReason, h.exited())
		}
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			b.Error(err)
		}
	}
	b.ReportMetric(float64(ended), "ended")
	b.ReportMetric(float64(moves.Load()), "reconnects")
	b.Logf("rolling restart of %d nodes with %d live assists and %d terminal sessions: %d ended, %d client reconnects",
		len(c.Nodes), rollingAssists, rollingTerminals, ended, moves.Load())
}

// keepPerson keeps a person's channel open as the SDK does: on a close it
// reconnects through the balancer, continues after the new welcome's ack
// and sends its page again when asked for a snapshot. It returns when ctx
// ends, or with the error of an assist that ended.
func keepPerson(ctx context.Context, p *simclient.Person, moves *atomic.Int64) error {
	for first := true; ; first = false {
		var welcome simclient.Header
		if err := retry(ctx, func() (err error) {
			welcome, _, err = p.Connect(ctx)
			return err
		}); err != nil {
			return err
		}
		if !first {
			moves.Add(1)
		}
		p.SetNextSeq(welcome.Ack + 1)
		if err := servePerson(ctx, p); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// servePerson reads the person's channel until it closes (nil: reconnect),
// sending the page again when the server asks for a snapshot.
func servePerson(ctx context.Context, p *simclient.Person) error {
	for {
		h, _, err := p.Read(ctx)
		if err != nil {
			return nil
		}
		switch h.Kind {
		case "ended":
			return fmt.Errorf("assist %s: the person was told it ended", p.AssistID)
		case "snapshot":
			if _, err := bench.SendPage(ctx, p, "https://shop.example.com/cart", bench.SnapshotPayload(2048)); err != nil {
				return nil // the channel closed under it: reconnect
			}
		}
	}
}

// keepAgent keeps an agent's channel of assist id open as the console
// does, reconnecting through the balancer after every close.
func keepAgent(ctx context.Context, agent *simclient.Agent, id string, moves *atomic.Int64) error {
	for first := true; ; first = false {
		var ws *websocket.Conn
		if err := retry(ctx, func() (err error) {
			ws, err = agent.Watch(ctx, id, 0)
			return err
		}); err != nil {
			return err
		}
		if !first {
			moves.Add(1)
		}
		_, _, err := simclient.ReadUntil(ctx, ws, "ended")
		ws.CloseNow()
		if err == nil {
			return fmt.Errorf("assist %s: the agent was told it ended", id)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
