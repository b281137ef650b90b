package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/natstest"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/s3test"
	"github.com/tandemhq/tandem/internal/simclient"
)

const faultOrigin = "https://shop.example"

// liveAssist is an assist a person and an agent are in, live, with the
// agent's channel attached and the page's snapshot sent.
type liveAssist struct {
	agent  *simclient.Agent
	person *simclient.Person
	watch  *websocket.Conn
}

func startLiveAssist(t *testing.T, ctx context.Context, ts *apptest.TestServer) *liveAssist {
	t.Helper()
	agent, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	p := ts.Person(faultOrigin)
	if err := p.GoLive(ctx, agent, faultOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	watch, err := agent.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { watch.CloseNow() })
	la := &liveAssist{agent: agent, person: p, watch: watch}
	la.send(t, ctx, "meta", "", `{"url":"https://shop.example/cart","title":"Cart","pageId":"a","viewport":{"width":800,"height":600,"dpr":1}}`)
	la.send(t, ctx, "snap", "h1", `[{"type":4},{"type":2,"marker":"snapshot-before"}]`)
	return la
}

func (la *liveAssist) send(t *testing.T, ctx context.Context, kind, hash, payload string) {
	t.Helper()
	if _, err := la.person.SendData(ctx, kind, "a", hash, []byte(payload)); err != nil {
		t.Fatalf("the person's %s frame: %v", kind, err)
	}
}

// relay sends n events marked with label and checks the agent receives
// every one of them, in order, before anything else happens.
func (la *liveAssist) relay(t *testing.T, ctx context.Context, label string, n int) {
	t.Helper()
	for i := range n {
		la.send(t, ctx, "ev", "", fmt.Sprintf(`[{"type":3,"mark":"%s-%d"}]`, label, i))
	}
	for i := range n {
		want := fmt.Sprintf("%s-%d", label, i)
		for {
			_, body, err := simclient.ReadUntil(ctx, la.watch, "ev")
			if err != nil {
				t.Fatalf("the agent waiting for %s: %v", want, err)
			}
			if bytes.Contains(body, []byte(want)) {
				break
			}
		}
	}
}

// end has the person end the assist and waits until the agent is told,
// which is once its recording is stored.
func (la *liveAssist) end(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := la.person.Send(ctx, simclient.Header{Kind: "end"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := simclient.ReadUntil(ctx, la.watch, "ended"); err != nil {
		t.Fatal(err)
	}
}

// recording returns the assist's recording as the API answers it.
func (la *liveAssist) recording(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", la.agent.Base+"/api/v1/assists/"+la.person.AssistID+"/recording", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := la.agent.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("recording: %d %s", resp.StatusCode, body.Bytes())
	}
	return body.Bytes()
}

// The blob storage goes away for 30 seconds in the middle of an assist.
// Relaying does not wait for it: every frame sent meanwhile reaches the
// agent while the storage is still down. Once it is back, the recording
// holds every frame, those of the outage included.
func TestBucketDownMidAssist(t *testing.T) {
	const outage = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s3 := s3test.Start(t)
	ts := apptest.Start(t, app.Config{
		StoreURL: backend.SQLiteURL(filepath.Join(t.TempDir(), "tandem.db")),
		BlobsURL: s3.URL(),
	}, faultOrigin)
	la := startLiveAssist(t, ctx, ts)
	la.relay(t, ctx, "before", 20)

	s3.Stop()
	down := time.Now()
	relayCtx, cancelRelay := context.WithTimeout(ctx, outage-5*time.Second)
	la.relay(t, relayCtx, "during", 200)
	cancelRelay()
	// The outage lasts its whole length, with frames going on through it.
	for time.Since(down) < outage {
		la.relay(t, ctx, "late", 5)
		time.Sleep(time.Second)
	}
	s3.Start()

	la.relay(t, ctx, "after", 20)
	la.end(t, ctx)
	// The chunks the outage sent to the spool are stored at its next try,
	// which backs off to 15 s while the storage is down: the recording is
	// whole within that, not at once.
	labels := []string{"snapshot-before", "before-19", "during-0", "during-199", "late-0", "after-0", "after-19"}
	var missing []string
	for deadline := time.Now().Add(45 * time.Second); ; {
		rec := la.recording(t, ctx)
		missing = missing[:0]
		for _, label := range labels {
			if !bytes.Contains(rec, []byte(label)) {
				missing = append(missing, label)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Errorf("the recording lacks %q", missing)
	}
}

// PostgreSQL restarts in the middle of an assist. The live assist goes on
// (relaying does not touch the database); what needs the database while it
// is down fails with a clear 503, and once it is back Tandem serves again
// without being restarted: new help requests, the agent's API, and the end
// of the assist, whose recording holds every frame.
func TestPostgresRestartMidAssist(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pg := pgtest.Start(t)
	ts := apptest.Start(t, app.Config{
		StoreURL: pg.URL(),
		BlobsURL: backend.FileURL(filepath.Join(t.TempDir(), "blobs")),
	}, faultOrigin)
	la := startLiveAssist(t, ctx, ts)
	la.relay(t, ctx, "before", 20)

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	la.relay(t, ctx, "during", 50)
	// Load balancers hear it: not ready, though alive.
	if status, body := get(t, ts.URL()+"/readyz", ""); status != http.StatusServiceUnavailable || !strings.Contains(body, "the store cannot be reached") {
		t.Errorf("/readyz with the database down: %d %s", status, body)
	}
	if status, _ := get(t, ts.URL()+"/healthz", ""); status != http.StatusOK {
		t.Errorf("/healthz with the database down: %d, want 200 (the process is alive)", status)
	}
	var list struct{}
	err := la.agent.Do(ctx, "GET", "/api/v1/assists", nil, &list)
	if apiErr, ok := err.(*simclient.APIError); !ok || apiErr.Status != http.StatusServiceUnavailable || apiErr.Code != "unavailable" {
		t.Errorf("listing assists with the database down: %v; want 503 unavailable", err)
	}
	other := ts.Person(faultOrigin)
	err = other.RequestHelp(ctx, faultOrigin+"/help")
	if apiErr, ok := err.(*simclient.APIError); !ok || apiErr.Status != http.StatusServiceUnavailable {
		t.Errorf("a help request with the database down: %v; want 503", err)
	}

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	// The pool may hand out a connection from before the restart once.
	if err := other.RequestHelp(ctx, faultOrigin+"/help"); err != nil {
		if err := other.RequestHelp(ctx, faultOrigin+"/help"); err != nil {
			t.Fatalf("a help request once the database is back: %v", err)
		}
	}
	if err := la.agent.Do(ctx, "GET", "/api/v1/assists", nil, &list); err != nil {
		t.Errorf("listing assists once the database is back: %v", err)
	}
	if status, body := get(t, ts.URL()+"/readyz", ""); status != http.StatusOK {
		t.Errorf("/readyz once the database is back: %d %s", status, body)
	}
	la.relay(t, ctx, "after", 20)
	la.end(t, ctx)
	rec := la.recording(t, ctx)
	for _, label := range []string{"snapshot-before", "before-19", "during-0", "during-49", "after-19"} {
		if !bytes.Contains(rec, []byte(label)) {
			t.Errorf("the recording lacks %q", label)
		}
	}
}

// The NATS server goes away: /readyz says the bus cannot be reached (the
// process is alive), and once the server is back and the bus reconnected,
// the node is ready again.
func TestReadyFollowsTheBus(t *testing.T) {
	nats := natstest.Start(t, natstest.Auth{})
	ts := apptest.Start(t, app.Config{BusURL: nats.URL()}, "")
	if status, body := get(t, ts.URL()+"/readyz", ""); status != http.StatusOK {
		t.Fatalf("/readyz with the bus up: %d %s", status, body)
	}
	nats.Stop()
	waitReady(t, ts.URL(), http.StatusServiceUnavailable, "the bus cannot be reached")
	if status, _ := get(t, ts.URL()+"/healthz", ""); status != http.StatusOK {
		t.Errorf("/healthz with the bus down: %d, want 200", status)
	}
	nats.Start()
	waitReady(t, ts.URL(), http.StatusOK, "ready")
}

// waitReady polls /readyz until it answers status with want in its body:
// the bus notices a lost server, and reconnects, on its own schedule.
func waitReady(t *testing.T, base string, status int, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, body := get(t, base+"/readyz", "")
		if got == status && strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %d %s; want %d with %q", got, body, status, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
