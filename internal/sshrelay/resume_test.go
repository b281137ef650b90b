package sshrelay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/store"
)

// resumeTTL is the lease TTL of the relays of these tests: short, since
// tests wait for a dead node's leases to lapse, but long enough that a
// heartbeat (every third of it) held up on a busy machine does not lose a
// live node its leases.
const resumeTTL = 1500 * time.Millisecond

// relayNode is one of several relays on one store, as nodes of an
// installation, each with its own lease node whose heartbeat the test can
// stop (a killed node).
type relayNode struct {
	*testEnv
	node          *lease.Node
	stopHeartbeat context.CancelFunc
}

// startNodes starts n relays sharing a store, blob storage and host key.
func startNodes(t *testing.T, n int, mutate func(*sshrelay.Config)) []*relayNode {
	t.Helper()
	requireOpenSSH(t)
	dir := t.TempDir()
	db, bl := openStores(t, dir)
	signer, err := sshrelay.LoadOrCreateKey(filepath.Join(dir, "ssh_host_ed25519_key"))
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*relayNode
	for i := range n {
		ln, err := lease.New(db, "http://node-"+itoa(i), resumeTTL, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg := sshrelay.Config{
			Addr:             "127.0.0.1:0",
			HostKey:          signer,
			Store:            db,
			Blobs:            bl,
			LivenessInterval: 300 * time.Millisecond,
			Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
			Node:             ln,
		}
		if mutate != nil {
			mutate(&cfg)
		}
		srv, err := sshrelay.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Listen(); err != nil {
			t.Fatal(err)
		}
		hctx, stop := context.WithCancel(context.Background())
		go ln.Heartbeat(hctx)
		served := make(chan error, 1)
		go func() { served <- srv.Serve(context.Background()) }()
		t.Cleanup(func() {
			stop()
			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer ccancel()
			if err := srv.Close(cctx); err != nil {
				t.Errorf("close server: %v", err)
			}
			if err := <-served; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		_, port, _ := net.SplitHostPort(srv.Addr())
		env := &testEnv{t: t, dir: dir, srv: srv, db: db, blobs: bl, port: port}
		nodes = append(nodes, &relayNode{testEnv: env, node: ln, stopHeartbeat: stop})
	}
	return nodes
}

// balancer is a TCP load balancer in front of the relays: it sends each
// new connection to the current target, and can cut every connection it
// passes to one (the node's machine gone from the network).
type balancer struct {
	ln     net.Listener
	mu     sync.Mutex
	target string
	conns  map[string][]net.Conn
}

func newBalancer(t *testing.T, target string) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{ln: ln, target: target, conns: make(map[string][]net.Conn)}
	go b.serve()
	t.Cleanup(func() {
		ln.Close()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, cs := range b.conns {
			for _, c := range cs {
				c.Close()
			}
		}
	})
	return b
}

func (b *balancer) serve() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		target := b.target
		b.mu.Unlock()
		u, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		b.mu.Lock()
		b.conns[target] = append(b.conns[target], c, u)
		b.mu.Unlock()
		go func() { io.Copy(u, c); u.Close() }()
		go func() { io.Copy(c, u); c.Close() }()
	}
}

// route sends new connections to target from now on.
func (b *balancer) route(target string) {
	b.mu.Lock()
	b.target = target
	b.mu.Unlock()
}

// cut closes every connection passed to target.
func (b *balancer) cut(target string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns[target] {
		c.Close()
	}
	b.conns[target] = nil
}

func (b *balancer) addr() string { return b.ln.Addr().String() }

// shareVia starts a host on e's machine that reaches the relays at addr.
func (e *testEnv) shareVia(addr string, mutate func(*share.Config)) *host {
	e.t.Helper()
	return e.share(func(c *share.Config) {
		c.Server = addr
		c.MaxBackoff = 200 * time.Millisecond
		if mutate != nil {
			mutate(c)
		}
	})
}

// hostKeyLine is the authorized_keys line of the key that e's hosts use.
func (e *testEnv) hostSigner() ssh.Signer {
	e.t.Helper()
	s, err := sshrelay.LoadOrCreateKey(filepath.Join(e.dir, "host_key"))
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// askResume logs in at addr as a host with signer and asks to resume id;
// it returns whether the server agreed and its reply.
func askResume(t *testing.T, addr string, signer ssh.Signer, id string) (bool, wire.ShareReply) {
	t.Helper()
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User:            wire.HostUser,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	b, _ := json.Marshal(wire.ShareRequest{Version: wire.Version, HostName: "intruder", Command: "sh", Cols: 80, Rows: 24,
		Approve: true, Resume: id})
	ok, payload, err := conn.SendRequest(wire.RequestShare, true, b)
	if err != nil {
		t.Fatal(err)
	}
	var rep wire.ShareReply
	if err := json.Unmarshal(payload, &rep); err != nil {
		t.Fatalf("reply %q: %v", payload, err)
	}
	return ok, rep
}

// auditActions lists the actions in session id's audit log.
func auditActions(t *testing.T, db store.Store, id string) []string {
	t.Helper()
	entries, err := db.AuditFor(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

// waitAudit waits until id's audit log has action.
func waitAudit(t *testing.T, db store.Store, id, action string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		for _, a := range auditActions(t, db, id) {
			if a == action {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the audit of %s: %v", action, id, auditActions(t, db, id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A host whose connection to the relay drops comes back on a new one and
// goes on with the same session: the helper stays attached, sees what the
// host does after, and types into it again; the audit log says "resume".
func TestHostResumesAfterDrop(t *testing.T) {
	e := newEnv(t)
	alice := e.key("alice")
	fz := newFreezer(t, e.srv.Addr())
	h := e.share(func(c *share.Config) {
		c.Server = fz.addr()
		c.AuthorizedKeys = []string{alice.authorized}
		c.MaxBackoff = 200 * time.Millisecond
	})
	a := e.join(h.ID, alice, 80, 24)
	h.out.waitFor(t, "alice joined", wait)
	a.typeText("echo BEFORE-$((1+1))\r")
	a.out.waitFor(t, "BEFORE-2", wait)

	fz.kill() // the host's connection drops; the freezer takes new ones
	waitAudit(t, e.db, h.ID, "resume")
	h.out.waitFor(t, "reconnected", wait)
	a.typeText("echo AFTER-$((2+2))\r")
	a.out.waitFor(t, "AFTER-4", wait)
	h.out.waitFor(t, "AFTER-4", wait)
	tm, err := e.db.TerminalByID(context.Background(), h.ID)
	if err != nil || !tm.EndedAt.IsZero() {
		t.Fatalf("after the resume: %+v, %v; want the session live", tm, err)
	}
	select {
	case <-h.Done():
		t.Fatalf("the host's session ended: %v", h.Wait())
	default:
	}
}

// Only the key that shared a session may resume it: another key naming
// its id is refused, finally, on the node that serves it and on another,
// and the session goes on untouched. A host cannot resume, on another
// node, a session whose owner is alive: it is told to try again.
func TestResumeRefused(t *testing.T) {
	nodes := startNodes(t, 2, nil)
	a, b := nodes[0], nodes[1]
	alice := a.key("alice")
	h := a.shareVia(a.srv.Addr(), func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })

	_, intruder, _ := ed25519Signer(t)
	for _, n := range nodes {
		ok, rep := askResume(t, n.srv.Addr(), intruder, h.ID)
		if ok || rep.Retry || !strings.Contains(rep.Error, "another key") {
			t.Errorf("another key resuming on %s: ok %v, %+v; want a final refusal", n.srv.Addr(), ok, rep)
		}
	}
	for _, id := range []string{"../../etc", "aaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		ok, rep := askResume(t, b.srv.Addr(), a.hostSigner(), id)
		if ok || rep.Retry || rep.Error == "" {
			t.Errorf("resume of %q: ok %v, %+v; want a final refusal", id, ok, rep)
		}
	}
	ok, rep := askResume(t, b.srv.Addr(), a.hostSigner(), h.ID)
	if ok || !rep.Retry || !strings.Contains(rep.Error, "served by another node") {
		t.Errorf("the host resuming on node B while A serves it: ok %v, %+v; want try again", ok, rep)
	}
	l, err := a.db.LeaseOf(context.Background(), h.ID)
	if err != nil || l.Node != a.node.ID() || !l.Live() {
		t.Errorf("lease after the refusals: %+v, %v; want node A's", l, err)
	}
	h.stdin.Write([]byte("echo STILL-$((3+3))\r"))
	h.out.waitFor(t, "STILL-6", wait)
	ah := a.join(h.ID, alice, 80, 24)
	ah.out.waitFor(t, "STILL-6", wait)
	for _, act := range auditActions(t, a.db, h.ID) {
		if act == "resume" {
			t.Errorf("a refused resume is in the audit log: %v", auditActions(t, a.db, h.ID))
		}
	}
}

func ed25519Signer(t *testing.T) (ssh.PublicKey, ssh.Signer, string) {
	t.Helper()
	e := &testEnv{t: t, dir: t.TempDir()}
	k := e.key("intruder")
	s, err := sshrelay.LoadOrCreateKey(k.path)
	if err != nil {
		t.Fatal(err)
	}
	return s.PublicKey(), s, k.fp
}

// When the node serving a session dies (its heartbeat stops and it is cut
// off), its host resumes the session through the load balancer on another
// node once the lease lapsed: same id, helpers join with the same command.
func TestHostResumesOnAnotherNodeAfterOwnerDies(t *testing.T) {
	nodes := startNodes(t, 2, func(c *sshrelay.Config) {
		c.HostGrace = time.Hour // a dead node's timers never fire
	})
	a, b := nodes[0], nodes[1]
	lb := newBalancer(t, a.srv.Addr())
	alice := a.key("alice")
	h := a.shareVia(lb.addr(), func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	h.stdin.Write([]byte("echo BEFORE-$((1+1))\r"))
	h.out.waitFor(t, "BEFORE-2", wait)

	a.stopHeartbeat() // node A is killed: nothing of it runs any more
	lb.route(b.srv.Addr())
	lb.cut(a.srv.Addr())
	waitAudit(t, b.db, h.ID, "resume")
	l, err := b.db.LeaseOf(context.Background(), h.ID)
	if err != nil || l.Node != b.node.ID() {
		t.Fatalf("lease after the takeover: %+v, %v; want node B's", l, err)
	}
	bh := b.join(h.ID, alice, 80, 24)
	bh.typeText("echo AFTER-$((2+2))\r")
	bh.out.waitFor(t, "AFTER-4", wait)
	h.out.waitFor(t, "AFTER-4", wait)
	tm, err := b.db.TerminalByID(context.Background(), h.ID)
	if err != nil || !tm.EndedAt.IsZero() {
		t.Fatalf("after the takeover: %+v, %v; want the session live", tm, err)
	}
}

// Drain hands sessions over without ending them: the lease is given up,
// no end is stored, the helper is told to run the same command again, the
// host resumes on another node, and Close of the drained relay ends
// nothing. The recording holds what happened on both nodes, in one
// recording with one header.
func TestDrainHandsSessionsOver(t *testing.T) {
	nodes := startNodes(t, 2, nil)
	a, b := nodes[0], nodes[1]
	lb := newBalancer(t, a.srv.Addr())
	alice := a.key("alice")
	h := a.shareVia(lb.addr(), func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	ah := a.join(h.ID, alice, 80, 24)
	h.out.waitFor(t, "alice joined", wait)
	ah.typeText("echo BEFORE-$((1+1))\r")
	ah.out.waitFor(t, "BEFORE-2", wait)

	lb.route(b.srv.Addr()) // the balancer sees node A is not ready
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.srv.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	tm, err := a.db.TerminalByID(ctx, h.ID)
	if err != nil || !tm.EndedAt.IsZero() {
		t.Fatalf("after the drain: %+v, %v; want the session not ended", tm, err)
	}
	ah.out.waitFor(t, "this server is restarting: run the same ssh command again", wait)
	if code := ah.exited(wait); code == 0 {
		t.Errorf("the helper's ssh exited 0 at the hand-over; want a failure status")
	}
	waitAudit(t, b.db, h.ID, "resume")
	if l, err := b.db.LeaseOf(ctx, h.ID); err != nil || l.Node != b.node.ID() {
		t.Fatalf("lease after the resume: %+v, %v; want node B's", l, err)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), wait)
	defer ccancel()
	if err := a.srv.Close(cctx); err != nil {
		t.Fatal(err)
	}
	bh := b.join(h.ID, alice, 80, 24)
	bh.typeText("echo AFTER-$((2+2))\r")
	bh.out.waitFor(t, "AFTER-4", wait)
	if tm, err := b.db.TerminalByID(ctx, h.ID); err != nil || !tm.EndedAt.IsZero() {
		t.Fatalf("after node A closed: %+v, %v; want the session live", tm, err)
	}

	h.stdin.Write([]byte("exit\r"))
	if err := h.Wait(); err != nil {
		t.Fatal(err)
	}
	tm = waitEnded(t, b.db, h.ID)
	if tm.EndReason != "the shared program exited" {
		t.Errorf("ended with %q", tm.EndReason)
	}
	rc, err := record.Open(ctx, b.blobs, tm.RecordingID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	all, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(all, []byte(`{"version":2`)); n != 1 {
		t.Errorf("%d asciicast headers in the recording; want 1", n)
	}
	var shown bytes.Buffer
	if err := sshrelay.CastOutput(bytes.NewReader(all), &shown); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BEFORE-2", "AFTER-4"} {
		if !strings.Contains(shown.String(), want) {
			t.Errorf("the recording lacks %q:\n%q", want, shown.String())
		}
	}
}

// waitEnded waits until session id is stored as ended.
func waitEnded(t *testing.T, db store.Store, id string) *store.Terminal {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		tm, err := db.TerminalByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !tm.EndedAt.IsZero() {
			return tm
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s not ended", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A sweep ends a session whose node died only once its lease has been
// lapsed for the grace (by the database's clock), not at the first sweep
// after it lapsed: its host may still resume it elsewhere. The start-up
// sweep likewise.
func TestSweepWaitsForTheGrace(t *testing.T) {
	nodes := startNodes(t, 2, func(c *sshrelay.Config) { c.HostGrace = time.Hour })
	a, b := nodes[0], nodes[1]
	alice := a.key("alice")
	h := a.shareVia(a.srv.Addr(), func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	a.stopHeartbeat()
	ctx := context.Background()
	const grace = 1500 * time.Millisecond
	for {
		l, err := b.db.LeaseOf(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !l.Live() {
			if -l.Remaining >= grace {
				t.Fatalf("lapsed %v before the first sweep could run", -l.Remaining)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	n, err := sshrelay.SweepExpired(ctx, b.db, b.node, grace)
	if err != nil || n != 0 {
		t.Fatalf("sweep within the grace: %d, %v; want nothing ended", n, err)
	}
	if err := sshrelay.EndAbandoned(ctx, b.db, b.node, grace); err != nil {
		t.Fatal(err)
	}
	if tm, _ := b.db.TerminalByID(ctx, h.ID); !tm.EndedAt.IsZero() {
		t.Fatalf("ended within the grace: %q", tm.EndReason)
	}
	for {
		l, err := b.db.LeaseOf(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if -l.Remaining >= grace {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := sshrelay.EndAbandoned(ctx, b.db, b.node, grace); err != nil {
		t.Fatal(err)
	}
	tm, err := b.db.TerminalByID(ctx, h.ID)
	if err != nil || tm.EndReason != sshrelay.ReasonOwnerStopped {
		t.Fatalf("after the grace: %+v, %v; want ended with %q", tm, err, sshrelay.ReasonOwnerStopped)
	}
	// Ended for good: the host may not bring it back.
	ok, rep := askResume(t, b.srv.Addr(), a.hostSigner(), h.ID)
	if ok || rep.Retry || !strings.Contains(rep.Error, "has ended") {
		t.Errorf("resume of an ended session: ok %v, %+v", ok, rep)
	}
	_ = tandem.ENotFound
}

// Node A's heartbeat stops while it still serves a session (a long pause,
// not a death); its host's connection drops and the host resumes on node
// B once A's lease lapsed. When A's wait for its host runs out, A must not
// store the end of a session B serves: its helper is told to join again,
// and the session goes on at B.
func TestStaleOwnerDoesNotEndATakenSession(t *testing.T) {
	nodes := startNodes(t, 2, func(c *sshrelay.Config) { c.HostGrace = 6 * time.Second })
	a, b := nodes[0], nodes[1]
	lb := newBalancer(t, a.srv.Addr())
	alice := a.key("alice")
	h := a.shareVia(lb.addr(), func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	ah := a.join(h.ID, alice, 80, 24)
	h.out.waitFor(t, "alice joined", wait)

	a.stopHeartbeat() // node A pauses: its lease lapses, it does not notice
	lb.route(b.srv.Addr())
	lb.cut(a.srv.Addr())
	waitAudit(t, b.db, h.ID, "resume")
	ah.out.waitFor(t, "no longer serves the session", wait)

	tm, err := b.db.TerminalByID(context.Background(), h.ID)
	if err != nil || !tm.EndedAt.IsZero() {
		t.Fatalf("after node A's wait for its host ran out: %+v, %v; want the session live at node B", tm, err)
	}
	if l, err := b.db.LeaseOf(context.Background(), h.ID); err != nil || l.Node != b.node.ID() {
		t.Fatalf("lease %+v, %v; want node B's", l, err)
	}
	bh := b.join(h.ID, alice, 80, 24)
	bh.typeText("echo STILL-$((3+4))\r")
	h.out.waitFor(t, "STILL-7", wait)
}
