package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/natstest"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/store"
)

// startBusNode starts a node on the SQLite store in dir and the NATS
// server at busURL.
func startBusNode(t *testing.T, dir, name, busURL string) *Server {
	t.Helper()
	srv, err := Start(t.Context(), Config{
		Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: "off", DataDir: dir, BusURL: busURL,
		RecordingSpoolDir: filepath.Join(dir, "spool-"+name),
		ICE:               ICEConfig{TURNAddr: "off"},
		LeaseTTL:          testLeaseTTL,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return srv
}

// nextLeaseChange reads the next lease change from sub.
func nextLeaseChange(t *testing.T, ctx context.Context, sub bus.Subscription) bus.LeaseChange {
	t.Helper()
	select {
	case m := <-sub.C():
		c, err := bus.DecodeLeaseChange(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		return c
	case <-ctx.Done():
		t.Fatal("no lease change on the bus")
	}
	return bus.LeaseChange{}
}

// When another node takes over a session whose owner still serves it (its
// heartbeat stalled past the lease's TTL), the takeover is announced on the
// bus and the old owner stops serving at once: its clients are told to
// reconnect, without waiting for a heartbeat that may not come. Lease
// changes name the new owner; a release is announced too.
func TestTakeoverStopsTheOldOwnerAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	dir, busURL := t.TempDir(), natstest.URL(t)
	a := startBusNode(t, dir, "a", busURL)
	assistID, token, _ := nodeSessions(t, a)
	person := &simclient.Person{Base: a.URL(), Origin: "https://shop.example", AssistID: assistID, Token: token}
	if _, _, err := person.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer person.WS.CloseNow()
	b := startBusNode(t, dir, "b", busURL)
	// Neither node renews nor sweeps any more: only the bus can tell A.
	a.stopNode()
	b.stopNode()
	changes, err := a.bus.Subscribe(ctx, bus.Leases(), 0)
	if err != nil {
		t.Fatal(err)
	}

	// B takes the lease once it lapsed (by the database's clock).
	var taken store.Lease
	for {
		taken, err = b.node.Acquire(ctx, assistID, store.LeaseAssist, nil)
		if tandem.ErrorCode(err) != tandem.EConflict {
			break
		}
		select {
		case <-time.After(taken.Remaining):
		case <-ctx.Done():
			t.Fatalf("node A's lease did not lapse: %+v", taken)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	want := bus.LeaseChange{Event: bus.LeaseTaken, Session: assistID, Kind: "assist", Node: b.node.ID(), NodeURL: b.node.URL(), Token: taken.Token}
	if got := nextLeaseChange(t, ctx, changes); got != want {
		t.Errorf("lease change %+v, want %+v", got, want)
	}

	// A's person is told to reconnect (to whichever node serves it now).
	for {
		if _, _, err = person.Read(ctx); err != nil {
			break
		}
	}
	if code := websocket.CloseStatus(err); code != 1013 {
		t.Fatalf("node A's person channel: %v; want close 1013 (try again)", err)
	}
	if a.node.Holds(assistID) {
		t.Error("node A still holds the lease another node took")
	}

	if err := b.node.Release(ctx, assistID); err != nil {
		t.Fatal(err)
	}
	want = bus.LeaseChange{Event: bus.LeaseReleased, Session: assistID, Node: b.node.ID(), Token: taken.Token}
	if got := nextLeaseChange(t, ctx, changes); got != want {
		t.Errorf("lease change %+v, want %+v", got, want)
	}
}
