package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

const testLeaseTTL = 600 * time.Millisecond

// testGrace is how long the nodes' terminal hosts get to come back after
// a drop, and the surviving node's grace for assists: how long a person
// may take to come back, and so how long a dead node's assist waits for a
// takeover before a sweep ends it. (The other nodes keep the default
// assist grace, longer than the tests: the dead node's own timers would
// end its assists otherwise.)
const testGrace = 2 * testLeaseTTL

// startNodeAt starts a server (a node) on the SQLite store in dir, beside
// any other node already serving it.
func startNodeAt(t *testing.T, dir, name string) *Server {
	t.Helper()
	return startNodeGrace(t, dir, name, 0)
}

// startNodeGrace is startNodeAt with the assists' grace (0: the default).
func startNodeGrace(t *testing.T, dir, name string, grace time.Duration) *Server {
	t.Helper()
	srv, err := Start(t.Context(), Config{
		Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: "127.0.0.1:0", DataDir: dir,
		RecordingSpoolDir: filepath.Join(dir, "spool-"+name),
		ICE:               ICEConfig{TURNAddr: "off"},
		LeaseTTL:          testLeaseTTL,
		HostGrace:         testGrace,
		Grace:             grace,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return srv
}

// nodeSessions starts, on node a, a waiting assist and a live terminal
// session whose lease a holds.
func nodeSessions(t *testing.T, a *Server) (assistID, personToken, terminalID string) {
	t.Helper()
	ctx := t.Context()
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := a.Store().CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	started, err := a.assists.RequestHelp(ctx, assist.HelpRequest{
		SiteKey: site.Key, PageID: "p1", URL: "https://shop.example/cart", Origin: "https://shop.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	term := &store.Terminal{ID: sshrelay.NewSessionID(), HostKey: "ssh-ed25519 AAAA host", HostName: "build-01", CreatedAt: time.Now()}
	if _, err := a.node.Acquire(ctx, term.ID, store.LeaseTerminal, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Store().CreateTerminal(ctx, term); err != nil {
		t.Fatal(err)
	}
	return started.Assist.ID, started.PersonToken, term.ID
}

// A second node starting on the same store, and its sweeps while it runs,
// leave alone the assists and terminal sessions that a live node holds;
// a client who reaches the second node for one is told another node
// serves it, not that it ended.
func TestNodeStartKeepsAnotherNodesSessions(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	a := startNodeAt(t, dir, "a")
	assistID, token, termID := nodeSessions(t, a)
	first, err := a.Store().LeaseOf(ctx, assistID)
	if err != nil {
		t.Fatal(err)
	}

	b := startNodeAt(t, dir, "b")
	if a.node.ID() == b.node.ID() {
		t.Fatalf("two nodes share the id %s", a.node.ID())
	}
	checkOpen := func(when string) {
		t.Helper()
		if got, err := b.Store().AssistByID(ctx, assistID); err != nil || got.State != tandem.AssistWaiting {
			t.Fatalf("%s: node A's assist is %+v, %v; want waiting", when, got, err)
		}
		if got, err := b.Store().TerminalByID(ctx, termID); err != nil || !got.EndedAt.IsZero() {
			t.Fatalf("%s: node A's terminal session is %+v, %v; want live", when, got, err)
		}
	}
	checkOpen("after node B started")

	// Past the first lease's expiry, A's heartbeat has renewed it: B's
	// sweep must find it held.
	deadline := time.Now().Add(10 * testLeaseTTL)
	for {
		l, err := b.Store().LeaseOf(ctx, assistID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Node == a.node.ID() && l.Token == first.Token && l.ExpiresAt.After(first.ExpiresAt.Add(testLeaseTTL)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node A's lease was not renewed past its first expiry: %+v (first %+v)", l, first)
		}
		time.Sleep(testLeaseTTL / 10)
	}
	b.sweepNodes(ctx)
	checkOpen("after node B's sweep")

	_, err = b.assists.ConnectPerson(ctx, assistID, token, "https://shop.example")
	var ce *assist.CloseError
	if !errors.As(err, &ce) || ce.Code != assist.CloseTryAgain || ce.Reason != "this assist is served by another node" {
		t.Errorf("person on node B: %v; want close %d saying another node serves it", err, assist.CloseTryAgain)
	}
}

// A node that dies without a goodbye (its heartbeat stops) has its
// sessions ended by a surviving node, when no client brought them back,
// within the lease's TTL, the grace and the sweep interval, with the
// reason.
func TestDeadNodesSessionsEndOnSurvivor(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	a := startNodeAt(t, dir, "a")
	assistID, _, termID := nodeSessions(t, a)
	b := startNodeGrace(t, dir, "b", testGrace)

	a.stopNode() // node A stops renewing: as if killed
	stopped := time.Now()
	bound := 2*testLeaseTTL + testGrace + testLeaseTTL // TTL + sweep interval + grace, and slack
	for {
		ga, err := b.Store().AssistByID(ctx, assistID)
		if err != nil {
			t.Fatal(err)
		}
		gt, err := b.Store().TerminalByID(ctx, termID)
		if err != nil {
			t.Fatal(err)
		}
		// A sweep stores the end, then releases the lease: done when both.
		released := true
		for _, id := range []string{assistID, termID} {
			if l, err := b.Store().LeaseOf(ctx, id); err != nil || l.Live() {
				released = false
			}
		}
		if ga.State == tandem.AssistEnded && !gt.EndedAt.IsZero() && released {
			if ga.EndReason != assist.ReasonOwnerStopped || gt.EndReason != sshrelay.ReasonOwnerStopped {
				t.Errorf("ended with reasons %q and %q; want %q", ga.EndReason, gt.EndReason, assist.ReasonOwnerStopped)
			}
			break
		}
		if time.Since(stopped) > bound {
			t.Fatalf("%v after node A died, its assist is %s, its terminal ended at %v, leases released: %v", bound, ga.State, gt.EndedAt, released)
		}
		time.Sleep(testLeaseTTL / 20)
	}
	for _, id := range []string{assistID, termID} {
		audit, err := b.Store().AuditFor(ctx, id)
		if err != nil || len(audit) == 0 || audit[len(audit)-1].Action != "end" || audit[len(audit)-1].Detail != assist.ReasonOwnerStopped {
			for _, e := range audit {
				t.Logf("audit %s: %+v", id, *e)
			}
			t.Errorf("audit of %s: %+v, %v; want it to end with the reason", id, audit, err)
		}
		if l, err := b.Store().LeaseOf(ctx, id); err != nil || l.Live() {
			t.Errorf("lease of %s after the sweep: %+v, %v; want released", id, l, err)
		}
	}
}
