package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/backendtest"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/simclient"
)

const takeoverOrigin = "https://shop.example"

// assistNodes are two nodes on one store and one bucket (SQLite and a
// directory, or PostgreSQL and S3 with TANDEM_TEST_BACKENDS=postgres+s3),
// with a site and an agent, and the bucket opened for the test to read.
type assistNodes struct {
	a, b    *Server
	siteKey string
	// open reads the sequence numbers recorded for an assist.
	open func(id string) []uint64
}

func startAssistNodes(t *testing.T) *assistNodes {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	storeURL, blobsURL := backendtest.URLs(t, dir)
	start := func(name string) *Server {
		srv, err := Start(ctx, Config{
			Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: "off", DataDir: filepath.Join(dir, name),
			StoreURL: storeURL, BlobsURL: blobsURL,
			ICE:      ICEConfig{TURNAddr: "off"},
			LeaseTTL: testLeaseTTL,
			Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close(context.Background()) })
		return srv
	}
	n := &assistNodes{a: start("a")}
	n.b = start("b")
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{takeoverOrigin}}
	if err := n.a.Store().CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	n.siteKey = site.Key
	hash, err := password.HashWith(password.TestParams(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.a.Store().CreateUser(ctx, &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: hash, Role: tandem.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	bs, err := backend.OpenBlobs(ctx, blobsURL)
	if err != nil {
		t.Fatal(err)
	}
	n.open = func(id string) []uint64 {
		t.Helper()
		rc, err := record.Open(ctx, bs, id)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var seqs []uint64
		if err := record.ReadFrames(rc, func(_ time.Time, f []byte) error {
			h, err := hub.ParseHeader(f)
			seqs = append(seqs, h.Seq)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	return n
}

// liveOnA makes a live assist on node A, whose agent watches it there.
func (n *assistNodes) liveOnA(t *testing.T, ctx context.Context) (*simclient.Person, *websocket.Conn) {
	t.Helper()
	agentA := n.login(t, n.a)
	p := &simclient.Person{Base: n.a.URL(), Origin: takeoverOrigin, SiteKey: n.siteKey}
	if err := p.GoLive(ctx, agentA, takeoverOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	watchA, err := agentA.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	return p, watchA
}

func (n *assistNodes) login(t *testing.T, srv *Server) *simclient.Agent {
	t.Helper()
	ag, err := simclient.Login(t.Context(), srv.URL(), "alex@example.com", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	return ag
}

// readStored reads the person's channel until an ack says stored reached want.
func readStored(t *testing.T, ctx context.Context, p *simclient.Person, want uint64) {
	t.Helper()
	for {
		h, _, err := p.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for frame %d to be stored: %v", want, err)
		}
		if (h.Kind == "ack" || h.Kind == "welcome") && h.Stored >= want {
			return
		}
	}
}

// sendFrames sends the page's meta and snapshot, then events up to seq last.
func sendFrames(t *testing.T, ctx context.Context, p *simclient.Person, from, last uint64) {
	t.Helper()
	p.SetNextSeq(from)
	for seq := from; seq <= last; seq++ {
		var err error
		switch seq {
		case 1:
			_, err = p.SendData(ctx, "meta", "a", "", []byte(`{"url":"https://shop.example/cart","title":"Cart","pageId":"a"}`))
		case 2:
			_, err = p.SendData(ctx, "snap", "a", "h1", []byte(`[{"type":4},{"type":2}]`))
		default:
			_, err = p.SendData(ctx, "ev", "a", "", []byte(`[{"type":3,"data":{"source":1},"timestamp":1}]`))
		}
		if err != nil {
			t.Fatalf("frame %d: %v", seq, err)
		}
	}
}

// closeCodeOf reads ws until it closes and returns the close code.
func closeCodeOf(ctx context.Context, ws *websocket.Conn) (websocket.StatusCode, []hub.Header) {
	var hs []hub.Header
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err), hs
		}
		if h, err := hub.ParseHeader(msg); err == nil {
			hs = append(hs, h)
		}
	}
}

// A node dies (its heartbeat stops, its clients lose it): within the lease
// its person reconnects to the other node, which takes the assist over;
// the SDK resumes from what was stored, the agent there gets a sync and the
// fresh snapshot the person is asked for, and the recording holds every
// frame acked as stored exactly once.
func TestAssistSurvivesItsNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	n := startAssistNodes(t)
	p, watchA := n.liveOnA(t, ctx)
	id := p.AssistID
	sendFrames(t, ctx, p, 1, 10)
	readStored(t, ctx, p, 10) // acked as stored before the kill
	sendFrames(t, ctx, p, 11, 12)

	n.a.stopNode() // node A dies: no more renewals, and its clients lose it
	p.WS.CloseNow()
	watchA.CloseNow()
	for {
		l, err := n.b.Store().LeaseOf(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !l.Live() {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("node A's lease did not lapse: %+v", l)
		case <-time.After(testLeaseTTL / 10):
		}
	}

	// The agent comes back on node B, from the last frame it applied.
	agentB := n.login(t, n.b)
	watchB, err := agentB.Watch(ctx, id, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer watchB.CloseNow()
	if _, _, err := simclient.ReadUntil(ctx, watchB, "you"); err != nil {
		t.Fatalf("the agent on node B: %v", err)
	}
	p.Base = n.b.URL()
	welcome, _, err := p.Connect(ctx)
	if err != nil {
		t.Fatalf("the person on node B: %v", err)
	}
	if welcome.Ack < 10 || welcome.Ack > 12 || welcome.Stored != welcome.Ack {
		t.Fatalf("the welcome on node B: ack %d stored %d; want from 10 (stored on A) to 12", welcome.Ack, welcome.Stored)
	}
	if _, _, err := simclient.ReadUntil(ctx, p.WS, "snapshot"); err != nil {
		t.Fatalf("the person was not asked for a snapshot: %v", err)
	}
	// The SDK resends what was not stored, then the snapshot asked for.
	resume := welcome.Ack + 1
	sendFrames(t, ctx, p, resume, 12)
	p.SetNextSeq(13)
	if _, err := p.SendData(ctx, "snap", "a", "h2", []byte(`[{"type":4},{"type":2,"marker":"after"}]`)); err != nil {
		t.Fatal(err)
	}
	// The agent applied up to 12: node B, which has only what was stored,
	// tells it to rebuild from the next frame (a sync), unless it has all
	// of that; either way the fresh snapshot follows, and nothing it has
	// comes again.
	var got []uint64
	for {
		_, msg, err := watchB.Read(ctx)
		if err != nil {
			t.Fatalf("the agent on node B, after %v: %v", got, err)
		}
		h, err := hub.ParseHeader(msg)
		if err != nil {
			t.Fatal(err)
		}
		if h.Kind == "sync" && h.From != welcome.Ack+1 {
			t.Errorf("the agent's sync is from %d, want %d", h.From, welcome.Ack+1)
		}
		if h.Seq > 0 {
			got = append(got, h.Seq)
		}
		if h.Kind == "snap" {
			break
		}
	}
	if got[len(got)-1] != 13 {
		t.Errorf("the agent on node B got frames %v; want up to the fresh snapshot, 13", got)
	}
	if err := agentB.Do(ctx, "POST", "/api/v1/assists/"+id+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	want := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
	if got := n.open(id); !slices.Equal(got, want) {
		t.Errorf("recorded %v, want %v", got, want)
	}
}

// A draining node stores what it has, acks it, hands its assists over and
// closes its clients with 1013; the person reconnects to the other node,
// which resumes after the last frame; the assist does not end, and the
// recording is complete.
func TestAssistDrainsToAnotherNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	n := startAssistNodes(t)
	p, watchA := n.liveOnA(t, ctx)
	id := p.AssistID
	sendFrames(t, ctx, p, 1, 8)
	// Frame 8 is accepted once the agent sees it.
	for {
		h, _, err := simclient.ReadUntil(ctx, watchA, "ev")
		if err != nil {
			t.Fatal(err)
		}
		if h.Seq == 8 {
			break
		}
	}
	if err := n.a.assists.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	code, hs := closeCodeOf(ctx, p.WS)
	if code != websocket.StatusTryAgainLater || len(hs) == 0 || hs[len(hs)-1].Kind != "ack" || hs[len(hs)-1].Stored != 8 {
		t.Errorf("the person's channel on the draining node: %v after %+v; want an ack of 8 stored, then 1013", code, hs)
	}
	if code, _ := closeCodeOf(ctx, watchA); code != websocket.StatusTryAgainLater {
		t.Errorf("the agent's channel on the draining node closed with %v, want 1013", code)
	}
	if err := n.a.assists.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if a, err := n.b.Store().AssistByID(ctx, id); err != nil || a.State != tandem.AssistLive {
		t.Fatalf("after the drain the assist is %+v, %v; want live", a, err)
	}
	p.Base = n.b.URL()
	welcome, _, err := p.Connect(ctx)
	if err != nil || welcome.Ack != 8 || welcome.Stored != 8 {
		t.Fatalf("the person on node B: %+v, %v; want ack and stored 8", welcome, err)
	}
	agentB := n.login(t, n.b)
	watchB, err := agentB.Watch(ctx, id, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer watchB.CloseNow()
	sendFrames(t, ctx, p, 9, 9)
	if h, _, err := simclient.ReadUntil(ctx, watchB, "ev"); err != nil || h.Seq != 9 {
		t.Fatalf("the agent on node B: %+v, %v; want frame 9", h, err)
	}
	if err := agentB.Do(ctx, "POST", "/api/v1/assists/"+id+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := n.open(id), []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(got, want) {
		t.Errorf("recorded %v, want %v", got, want)
	}
}
