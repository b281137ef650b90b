package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/backendtest"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/natsbus"
	"github.com/tandemhq/tandem/internal/natstest"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/simclient"
)

// Drain says "stopping" on /readyz first of all, while /healthz still
// answers, and waits the drain delay for the load balancers, within its
// context.
func TestDrainSaysStoppingFirst(t *testing.T) {
	ts := apptest.Start(t, app.Config{DrainDelay: time.Hour}, faultOrigin)
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get(ts.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/readyz"); got != http.StatusOK {
		t.Fatalf("GET /readyz before Drain = %d", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := ts.Drain(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Drain with its context ended during the delay: %v, want it cancelled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Drain took %v with its context ended", d)
	}
	if got := get("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz after Drain began = %d, want 503", got)
	}
	if got := get("/healthz"); got != http.StatusOK {
		t.Errorf("GET /healthz while draining = %d, want 200", got)
	}
}

// closedWith reads ws until it closes and returns the close code.
func closedWith(ctx context.Context, ws *websocket.Conn) websocket.StatusCode {
	for {
		if _, _, err := ws.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// A node that drains (SIGTERM) hands its live assist over instead of
// ending it: its person and agent are told to reconnect (1013), the lease
// is handed over and announced on the bus, the Close that follows ends
// nothing, and the person carries on through another node, which takes
// the assist over.
func TestDrainHandsTheAssistsOverThenCloseEndsNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	storeURL, blobsURL := backendtest.URLs(t, dir)
	busURL := natstest.URL(t)
	b := apptest.Start(t, app.Config{StoreURL: storeURL, BlobsURL: blobsURL, BusURL: busURL, DataDir: filepath.Join(dir, "b")}, faultOrigin)
	a, err := app.Start(ctx, app.Config{
		Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: "127.0.0.1:0", ICE: app.ICEConfig{TURNAddr: "off"},
		StoreURL: storeURL, BlobsURL: blobsURL, BusURL: busURL, DataDir: filepath.Join(dir, "a"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			a.Close(context.Background())
		}
	}()
	leases, err := natsbus.Open(ctx, busURL)
	if err != nil {
		t.Fatal(err)
	}
	defer leases.Close(context.Background())
	changes, err := leases.Subscribe(ctx, bus.Leases(), 0)
	if err != nil {
		t.Fatal(err)
	}

	agent, err := simclient.Login(ctx, a.URL(), b.AgentEmail, b.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	p := &simclient.Person{Base: a.URL(), Origin: faultOrigin, SiteKey: b.Site.Key}
	if err := p.GoLive(ctx, agent, faultOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	watch, err := agent.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.CloseNow()

	if err := a.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if code := closedWith(ctx, p.WS); code != protocol.CloseTryAgain {
		t.Errorf("the person's channel closed with %d, want %d (reconnect)", code, protocol.CloseTryAgain)
	}
	if code := closedWith(ctx, watch); code != protocol.CloseTryAgain {
		t.Errorf("the agent's channel closed with %d, want %d (reconnect)", code, protocol.CloseTryAgain)
	}
	select {
	case m := <-changes.C():
		c, err := bus.DecodeLeaseChange(m.Data)
		if err != nil || c.Event != bus.LeaseHandedOver || c.Session != p.AssistID {
			t.Errorf("lease change %+v, %v; want the assist handed over", c, err)
		}
	case <-ctx.Done():
		t.Error("the hand-over was not announced on the bus")
	}
	closed = true
	if err := a.Close(ctx); err != nil {
		t.Fatalf("Close after Drain: %v", err)
	}
	got, err := b.Store().AssistByID(ctx, p.AssistID)
	if err != nil || got.State != tandem.AssistLive {
		t.Fatalf("after the drained node closed, the assist is %+v, %v; want still live", got, err)
	}
	if l, err := b.Store().LeaseOf(ctx, p.AssistID); err != nil || l.Live() {
		t.Errorf("the assist's lease after the drain: %+v, %v; want handed over", l, err)
	}

	// The person comes back through the other node, which takes over.
	p.Base = b.URL()
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatalf("the person reconnecting to the other node: %v", err)
	}
	defer p.WS.CloseNow()
	if got, err := b.Store().AssistByID(ctx, p.AssistID); err != nil || got.State != tandem.AssistLive {
		t.Errorf("after the takeover the assist is %+v, %v; want live", got, err)
	}
}
