package assist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// gatherLong is blob storage on which recordings store a chunk only when
// flushed or closed, so that a test knows which frames are durable.
type gatherLong struct{ blobs.Store }

func (gatherLong) GatherFor() time.Duration { return time.Hour }

// cluster is several Services, as nodes, on one SQLite store and one blob
// directory, with a site and an agent.
type cluster struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	db    *sqlite.DB
	blobs blobs.Store
	site  *tandem.Site
	agent *tandem.User
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := dirblobs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, ctx: ctx, dir: dir, db: db, blobs: gatherLong{bs}}
	c.site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{testOrigin}}
	if err := db.CreateSite(ctx, c.site); err != nil {
		t.Fatal(err)
	}
	c.agent = &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: "x", Role: tandem.RoleAgent}
	if err := db.CreateUser(ctx, c.agent); err != nil {
		t.Fatal(err)
	}
	return c
}

// node starts a Service with a lease node of its own (its leases last ttl;
// no heartbeat runs: a test that wants one renewed renews it).
func (c *cluster) node(name string, ttl time.Duration, cfg Config) *Service {
	c.t.Helper()
	db, err := sqlite.Open(c.ctx, filepath.Join(c.dir, "tandem.db"))
	if err != nil {
		c.t.Fatal(err)
	}
	n, err := lease.New(db, "http://"+name+".internal", ttl, slog.New(slog.DiscardHandler))
	if err != nil {
		c.t.Fatal(err)
	}
	cfg.Node = n
	cfg.Secret = []byte("0123456789abcdef0123456789abcdef")
	s := New(cfg, db, c.blobs, nil)
	c.t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			c.t.Errorf("shutdown of %s: %v", name, err)
		}
		db.Close()
	})
	return s
}

// request files a help request on s.
func (c *cluster) request(s *Service) *Started {
	c.t.Helper()
	st, err := s.RequestHelp(c.ctx, HelpRequest{SiteKey: c.site.Key, PageID: "p1", URL: testOrigin + "/cart", Origin: testOrigin})
	if err != nil {
		c.t.Fatalf("request help: %v", err)
	}
	return st
}

// live makes a live assist on s with the person connected.
func (c *cluster) live(s *Service) (*PersonConn, *Started) {
	c.t.Helper()
	st := c.request(s)
	p, err := s.ConnectPerson(c.ctx, st.Assist.ID, st.PersonToken, testOrigin)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := s.Accept(c.ctx, c.agent, st.Assist.ID); err != nil {
		c.t.Fatal(err)
	}
	if err := p.Handle(c.ctx, []byte(`{"k":"consent"}`+"\n"+`{"allow":true}`)); err != nil {
		c.t.Fatal(err)
	}
	drain(p)
	return p, st
}

// kill plays the death of node s for assist id: it serves it no more and
// stores nothing more for it, as a process killed with kill -9.
func (c *cluster) kill(s *Service, id string) {
	s.cfg.Node.Forget(id)
	s.lost(id)
}

// waitLapsed waits until the lease of id has lapsed by the database's clock
// (the test cannot move it) for at least d.
func (c *cluster) waitLapsed(id string, d time.Duration) {
	c.t.Helper()
	for {
		l, err := c.db.LeaseOf(c.ctx, id)
		if err != nil {
			c.t.Fatal(err)
		}
		if l.Remaining <= -d {
			return
		}
		select {
		case <-c.ctx.Done():
			c.t.Fatalf("the lease of %s has not lapsed: %+v", id, l)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// recorded returns the sequence numbers in the recording of id, in order.
func (c *cluster) recorded(id string) []uint64 {
	c.t.Helper()
	rc, err := record.Open(c.ctx, c.blobs, id)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rc.Close()
	var seqs []uint64
	err = record.ReadFrames(rc, func(_ time.Time, frame []byte) error {
		h, err := hub.ParseHeader(frame)
		seqs = append(seqs, h.Seq)
		return err
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return seqs
}

func snapFrame(seq uint64) []byte {
	return hub.EncodeFrame(hub.Header{Kind: "snap", Seq: seq, Page: "p1", Hash: fmt.Sprint("h", seq)}, []byte(`[{"type":4,"data":{}},{"type":2,"data":{"node":{"type":0}}}]`))
}

func frames(c interface{ Next() ([]byte, error) }) ([]hub.Header, *CloseError) { return drain(c) }

func kinds(hs []hub.Header) []string {
	var ks []string
	for _, h := range hs {
		ks = append(ks, h.Kind)
	}
	return ks
}

// A node dies with an assist live: frames 1-3 stored, 4-5 accepted only.
// Its agent comes back to another node first, which takes the assist over
// from the store: the agent is told to wait for a snapshot (a sync), not
// refused; the person's SDK is acked from frame 3, resends 4-5, and is asked
// for a snapshot; the recording holds every frame once, continued in the
// new owner's chunks.
func TestTakeoverResumesFromTheRecording(t *testing.T) {
	c := newCluster(t)
	a := c.node("a", 50*time.Millisecond, Config{})
	b := c.node("b", time.Minute, Config{})
	p, st := c.live(a)
	id := st.Assist.ID
	for seq := range uint64(3) {
		if err := p.Handle(c.ctx, evFrame(seq+1)); err != nil {
			t.Fatal(err)
		}
	}
	a.mu.Lock()
	l := a.lives[id]
	a.mu.Unlock()
	if err := l.rec.Flush(c.ctx); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{4, 5} {
		if err := p.Handle(c.ctx, evFrame(seq)); err != nil {
			t.Fatal(err)
		}
	}
	if last, stored := l.acks(); last != 5 || stored != 3 {
		t.Fatalf("node A acked %d, stored %d; want 5 and 3", last, stored)
	}
	c.kill(a, id)
	c.waitLapsed(id, 0)

	ag, err := b.ConnectAgent(c.ctx, c.agent, id, 5)
	if err != nil {
		t.Fatalf("the agent on node B: %v", err)
	}
	hs, ce := frames(ag)
	if ce != nil || !slices.Contains(kinds(hs), "sync") {
		t.Fatalf("the agent on node B got %v, %v; want a sync", kinds(hs), ce)
	}
	for _, h := range hs {
		if h.Kind == "sync" && h.From != 4 {
			t.Errorf("the agent's sync is from %d, want 4", h.From)
		}
	}
	p2, err := b.ConnectPerson(c.ctx, id, st.PersonToken, testOrigin)
	if err != nil {
		t.Fatalf("the person on node B: %v", err)
	}
	hs, _ = frames(p2)
	if len(hs) == 0 || hs[0].Kind != "welcome" || hs[0].Ack != 3 || hs[0].Stored != 3 {
		t.Fatalf("the person's welcome on node B: %+v; want ack 3, stored 3", hs)
	}
	if !slices.Contains(kinds(hs), protocol.KindSnapshot) {
		t.Errorf("the person was not asked for a snapshot: %v", kinds(hs))
	}
	// The SDK resends from its stored ack (frame 3 is dropped as stored
	// already), then sends the snapshot asked for.
	for _, f := range [][]byte{evFrame(3), evFrame(4), evFrame(5), snapFrame(6)} {
		if err := p2.Handle(c.ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	hs, _ = frames(ag)
	var got []uint64
	for _, h := range hs {
		if h.Seq > 0 {
			got = append(got, h.Seq)
		}
	}
	if !slices.Equal(got, []uint64{4, 5, 6}) {
		t.Errorf("the agent on node B got frames %v, want 4 5 6", got)
	}
	if _, err := b.End(c.ctx, c.agent, id); err != nil {
		t.Fatal(err)
	}
	if seqs := c.recorded(id); !slices.Equal(seqs, []uint64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("recorded %v, want 1 to 6 once each", seqs)
	}
	keys, err := c.blobs.List(c.ctx, "recordings/"+id+"/")
	if err != nil || len(keys) < 2 || keys[len(keys)-1] < "recordings/"+id+"/4294967296" {
		t.Errorf("chunks %q, %v; want node B's in its epoch", keys, err)
	}
	audit, err := c.db.AuditFor(c.ctx, id)
	if err != nil || !slices.ContainsFunc(audit, func(e *tandem.AuditEntry) bool { return e.Action == "takeover" }) {
		t.Errorf("audit %v, %v; want the takeover", audit, err)
	}
}

// A waiting request whose node died is taken over by the first node a
// client reaches; of two nodes reached at once, and of several clients on
// one node, one takes it and the others are sent to it. The accepting
// agent's name and the prompt come back from the store.
func TestTakeoverOneNodeWins(t *testing.T) {
	c := newCluster(t)
	a := c.node("a", 50*time.Millisecond, Config{})
	b := c.node("b", time.Minute, Config{})
	d := c.node("d", time.Minute, Config{})
	st := c.request(a)
	id := st.Assist.ID
	if _, err := a.Accept(c.ctx, c.agent, id); err != nil {
		t.Fatal(err)
	}
	c.kill(a, id)
	c.waitLapsed(id, 0)

	type result struct {
		node *Service
		p    *PersonConn
		err  error
	}
	results := make(chan result, 6)
	var wg sync.WaitGroup
	for _, n := range []*Service{b, b, b, d, d, d} {
		wg.Go(func() {
			p, err := n.ConnectPerson(c.ctx, id, st.PersonToken, testOrigin)
			results <- result{n, p, err}
		})
	}
	wg.Wait()
	close(results)
	served := map[*Service]int{}
	for r := range results {
		switch {
		case r.err == nil:
			served[r.node]++
			// The last channel replaced the others (4409).
			if hs, ce := frames(r.p); ce == nil && !slices.Contains(kinds(hs), protocol.KindPrompt) {
				t.Errorf("a person served after the takeover got %v; want the prompt again", kinds(hs))
			}
		case closeCode(r.err) == CloseTryAgain:
		default:
			t.Errorf("a person's channel: %v; want served, or sent to the owner", r.err)
		}
	}
	if len(served) != 1 {
		t.Fatalf("served by %d nodes, want one", len(served))
	}
	owner := b
	if served[d] > 0 {
		owner = d
	}
	owner.mu.Lock()
	l := owner.lives[id]
	owner.mu.Unlock()
	l.mu.Lock()
	name, prompt, state := l.agentName, l.prompt, l.assist.State
	l.mu.Unlock()
	if name != "Alex" || prompt != "Alex from Support wants to see this page" || state != tandem.AssistConsenting {
		t.Errorf("taken over as %q, %q, %s; want the agent's name, the prompt, consenting", name, prompt, state)
	}
	if lo, err := c.db.LeaseOf(c.ctx, id); err != nil || lo.Node != owner.cfg.Node.ID() {
		t.Errorf("lease %+v, %v; want the owner's", lo, err)
	}
}

// Of a dead node's assists, a sweep ends only those lapsed for longer than
// the grace: until then their clients may come back to another node.
func TestSweepWaitsForTheGrace(t *testing.T) {
	c := newCluster(t)
	const grace = 300 * time.Millisecond
	a := c.node("a", 50*time.Millisecond, Config{})
	b := c.node("b", time.Minute, Config{Grace: grace})
	id := c.request(a).Assist.ID
	c.kill(a, id)
	c.waitLapsed(id, 0)
	if n, err := b.SweepExpired(c.ctx); err != nil || n != 0 {
		t.Fatalf("a sweep within the grace ended %d, %v; want none", n, err)
	}
	if got, err := c.db.AssistByID(c.ctx, id); err != nil || got.State != tandem.AssistWaiting {
		t.Fatalf("within the grace the assist is %+v, %v; want waiting", got, err)
	}
	c.waitLapsed(id, grace)
	if n, err := b.SweepExpired(c.ctx); err != nil || n != 1 {
		t.Fatalf("a sweep past the grace ended %d, %v; want one", n, err)
	}
	if got, err := c.db.AssistByID(c.ctx, id); err != nil || got.State != tandem.AssistEnded || got.EndReason != ReasonOwnerStopped {
		t.Errorf("past the grace the assist is %+v, %v; want ended, %q", got, err, ReasonOwnerStopped)
	}
}

// A draining node stores the recording, acks the person to the end, hands
// the lease over and closes the channels with 1013; it takes no new
// request; another node takes the assist over at once; a Shutdown after
// the drain ends nothing.
func TestDrainHandsOver(t *testing.T) {
	c := newCluster(t)
	a := c.node("a", time.Minute, Config{})
	b := c.node("b", time.Minute, Config{})
	p, st := c.live(a)
	id := st.Assist.ID
	ag, err := a.ConnectAgent(c.ctx, c.agent, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	frames(ag)
	waiting := c.request(a)
	for seq := range uint64(3) {
		if err := p.Handle(c.ctx, evFrame(seq+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Drain(c.ctx); err != nil {
		t.Fatal(err)
	}
	hs, ce := frames(p)
	if ce == nil || ce.Code != CloseTryAgain || len(hs) == 0 || hs[len(hs)-1].Kind != "ack" || hs[len(hs)-1].Stored != 3 {
		t.Errorf("the person got %+v and close %v; want an ack of 3 stored, then %d", hs, ce, CloseTryAgain)
	}
	if _, ce := frames(ag); ce == nil || ce.Code != CloseTryAgain {
		t.Errorf("the agent's close: %v; want %d", ce, CloseTryAgain)
	}
	if _, err := a.RequestHelp(c.ctx, HelpRequest{SiteKey: c.site.Key, PageID: "p1", URL: testOrigin + "/", Origin: testOrigin}); tandem.ErrorCode(err) != tandem.EUnavailable {
		t.Errorf("a request on the drained node: %v; want unavailable", err)
	}
	if _, err := a.ConnectPerson(c.ctx, id, st.PersonToken, testOrigin); closeCode(err) != CloseTryAgain {
		t.Errorf("the person back on the drained node: %v; want %d", err, CloseTryAgain)
	}
	if err := a.Shutdown(c.ctx); err != nil {
		t.Fatal(err)
	}
	for _, x := range []string{id, waiting.Assist.ID} {
		got, err := c.db.AssistByID(c.ctx, x)
		if err != nil || got.State == tandem.AssistEnded {
			t.Fatalf("after the drain and shutdown, assist %s is %+v, %v; want not ended", x, got, err)
		}
		if l, err := c.db.LeaseOf(c.ctx, x); err != nil || l.Live() {
			t.Errorf("lease of %s after the drain: %+v, %v; want handed over", x, l, err)
		}
	}
	if seqs := c.recorded(id); !slices.Equal(seqs, []uint64{1, 2, 3}) {
		t.Errorf("recorded %v after the drain, want 1 2 3", seqs)
	}
	p2, err := b.ConnectPerson(c.ctx, id, st.PersonToken, testOrigin)
	if err != nil {
		t.Fatalf("the person on node B: %v", err)
	}
	if hs, _ := frames(p2); len(hs) == 0 || hs[0].Ack != 3 {
		t.Errorf("the person's welcome on node B: %+v; want ack 3", hs)
	}
	if _, err := b.Accept(c.ctx, c.agent, waiting.Assist.ID); err != nil {
		t.Errorf("accepting the drained node's waiting request on node B: %v", err)
	}
}

// Without leases (one server), an assist not running here is not taken
// over: it was left by an earlier run.
func TestNoTakeoverWithoutNode(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	st := h.request()
	h.s.mu.Lock()
	delete(h.s.lives, st.Assist.ID)
	h.s.mu.Unlock()
	_, err := h.s.ConnectPerson(h.ctx, st.Assist.ID, st.PersonToken, testOrigin)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != closeEnded {
		t.Errorf("connect: %v; want closed as ended", err)
	}
}

// Node A's heartbeat falls behind and its lease lapses; node B takes the
// assist over for the person who came back to it. A, which has not noticed
// yet, is then asked to end the assist: it must not store the end of an
// assist another node serves. Its clients are sent to reconnect instead,
// and the assist goes on at B.
func TestStaleOwnerDoesNotEnd(t *testing.T) {
	c := newCluster(t)
	a := c.node("a", 200*time.Millisecond, Config{})
	b := c.node("b", time.Minute, Config{})
	p, st := c.live(a)
	id := st.Assist.ID
	c.waitLapsed(id, 0)
	if _, err := b.ConnectPerson(c.ctx, id, st.PersonToken, testOrigin); err != nil {
		t.Fatalf("the person on node B: %v", err)
	}

	_, err := a.End(c.ctx, c.agent, id)
	if tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("the stale owner's end: %v; want a conflict", err)
	}
	got, err := c.db.AssistByID(c.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != tandem.AssistLive {
		t.Fatalf("the assist is %s (%s) after the stale owner's end; want live at node B", got.State, got.EndReason)
	}
	if _, closed := frames(p); closed == nil || closed.Code != CloseTryAgain {
		t.Errorf("the person's channel on the stale owner closed with %+v; want %d (reconnect)", closed, CloseTryAgain)
	}
	if l, err := c.db.LeaseOf(c.ctx, id); err != nil || l.Node != b.cfg.Node.ID() {
		t.Errorf("lease %+v, %v; want node B's", l, err)
	}
}
