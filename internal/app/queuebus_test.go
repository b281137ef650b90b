package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/backendtest"
	"github.com/tandemhq/tandem/internal/natstest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// twoNodes starts two nodes on one store and blob storage and one NATS
// server; the first has the test site.
func twoNodes(t *testing.T) (a, b *apptest.TestServer) {
	t.Helper()
	dir := t.TempDir()
	storeURL, blobsURL := backendtest.URLs(t, dir)
	busURL := natstest.URL(t)
	cfg := func(name string) app.Config {
		return app.Config{StoreURL: storeURL, BlobsURL: blobsURL, BusURL: busURL, DataDir: filepath.Join(dir, name), ICE: app.ICEConfig{TURNAddr: "off"}}
	}
	return apptest.Start(t, cfg("a"), faultOrigin), apptest.Start(t, cfg("b"), "")
}

// queueState is an assist as a queue frame shows it.
type queueState struct{ ID, State string }

// queueOn opens an agent's queue channel on node ts and returns a function
// that reads queue frames until one satisfies ok.
func queueOn(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent) func(what string, ok func([]queueState) bool) {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/queue/ws",
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {ts.URL()}}})
	if err != nil {
		t.Fatalf("open the queue channel: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return func(what string, ok func([]queueState) bool) {
		t.Helper()
		for {
			_, body, err := simclient.ReadUntil(ctx, ws, "queue")
			if err != nil {
				t.Fatalf("waiting for a queue that %s: %v", what, err)
			}
			var q struct{ Assists []queueState }
			if err := json.Unmarshal(body, &q); err != nil {
				t.Fatalf("queue frame %s: %v", body, err)
			}
			if ok(q.Assists) {
				return
			}
		}
	}
}

// The queue is live on every node: a help request filed on node A shows in
// the queue of an agent whose console is on node B at once, and leaves B's
// queue of waiting requests when an agent on A accepts it.
func TestQueueIsLiveOnEveryNode(t *testing.T) {
	a, b := twoNodes(t)
	// Well under the sweeps and graces: only a notification can be in time.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	onB, err := b.Login(ctx, b.AgentEmail, b.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	queueB := queueOn(t, ctx, b, onB)
	queueB("is empty", func(q []queueState) bool { return len(q) == 0 })

	p := a.Person(faultOrigin)
	if err := p.RequestHelp(ctx, faultOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	queueB("shows the request filed on A", func(q []queueState) bool {
		return slices.Contains(q, queueState{p.AssistID, "waiting"})
	})

	onA, err := a.Login(ctx, a.AgentEmail, a.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := onA.Accept(ctx, p.AssistID); err != nil {
		t.Fatal(err)
	}
	queueB("no longer shows the request accepted on A as waiting", func(q []queueState) bool {
		return !slices.Contains(q, queueState{p.AssistID, "waiting"})
	})
}
