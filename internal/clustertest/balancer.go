package clustertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// healthInterval is how often a balancer asks every node's /readyz, as a
// load balancer's health check would (theirs are seconds; tests want the
// drain seen at once).
const healthInterval = 100 * time.Millisecond

// dialTimeout bounds a connection attempt to one node before the next.
const dialTimeout = 2 * time.Second

// Balancer is a round-robin TCP balancer in front of the nodes: each new
// connection goes to the next node that is ready (its /readyz says 200);
// when a connection to it fails, to the one after. A connection stays with
// its node until either side closes it, as WebSockets and SSH sessions do
// behind a real balancer. Pin sends new connections to one node instead.
type Balancer struct {
	t     testing.TB
	name  string
	ln    net.Listener
	nodes []*Node
	addr  func(*Node) string // the node's address this balancer forwards to

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	next   int            // round robin position
	pin    *Node          // while set, every new connection goes here
	ready  map[*Node]bool // by the last health check
	served map[*Node]int  // connections forwarded so far, per node
	open   map[*Node]map[net.Conn]struct{}
}

func newBalancer(t testing.TB, name string, nodes []*Node, addr func(*Node) string) *Balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Balancer{t: t, name: name, ln: ln, nodes: nodes, addr: addr, ctx: ctx, cancel: cancel,
		ready: map[*Node]bool{}, served: map[*Node]int{}, open: map[*Node]map[net.Conn]struct{}{}}
	t.Cleanup(b.close)
	return b
}

// start begins health checks and accepting connections.
func (b *Balancer) start() {
	b.checkAll()
	b.wg.Add(2)
	go b.healthLoop()
	go b.acceptLoop()
}

// Addr is the balancer's 127.0.0.1:port.
func (b *Balancer) Addr() string { return b.ln.Addr().String() }

// URL is http:// and Addr.
func (b *Balancer) URL() string { return "http://" + b.Addr() }

// Port is the balancer's port, as ssh -p wants it.
func (b *Balancer) Port() string {
	_, p, _ := net.SplitHostPort(b.Addr())
	return p
}

// Pin sends every new connection to n, whatever its health, until Unpin.
// Tests use it to put a client on a chosen node.
func (b *Balancer) Pin(n *Node) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pin = n
}

// Unpin returns to round robin.
func (b *Balancer) Unpin() { b.Pin(nil) }

// Served counts the connections forwarded to n so far.
func (b *Balancer) Served(n *Node) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.served[n]
}

// Open counts the connections to n open now.
func (b *Balancer) Open(n *Node) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.open[n])
}

// WaitReady waits until the balancer's health check has seen every one of
// nodes ready (and so sends them connections).
func (b *Balancer) WaitReady(ctx context.Context, nodes ...*Node) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		b.checkAll()
		b.mu.Lock()
		all := true
		for _, n := range nodes {
			all = all && b.ready[n]
		}
		b.mu.Unlock()
		if all {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("clustertest: %s balancer: %v not all ready: %w", b.name, nodes, ctx.Err())
		case <-time.After(healthInterval):
		}
	}
}

func (b *Balancer) healthLoop() {
	defer b.wg.Done()
	tick := time.NewTicker(healthInterval)
	defer tick.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-tick.C:
			b.checkAll()
		}
	}
}

// checkAll asks every node's /readyz (the HTTP port, whichever port this
// balancer forwards to: a node that is not ready takes no new clients).
func (b *Balancer) checkAll() {
	var wg sync.WaitGroup
	results := make([]bool, len(b.nodes))
	for i, n := range b.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(b.ctx, time.Second)
			defer cancel()
			results[i] = ready(ctx, n.Addr)
		}()
	}
	wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, n := range b.nodes {
		b.ready[n] = results[i]
	}
}

func (b *Balancer) acceptLoop() {
	defer b.wg.Done()
	for {
		conn, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.forward(conn)
		}()
	}
}

// candidates is the order in which to try nodes for a new connection: the
// pinned node alone, or the ready nodes from the round robin's position.
func (b *Balancer) candidates() []*Node {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pin != nil {
		return []*Node{b.pin}
	}
	var out []*Node
	for i := range b.nodes {
		n := b.nodes[(b.next+i)%len(b.nodes)]
		if b.ready[n] {
			out = append(out, n)
		}
	}
	b.next = (b.next + 1) % len(b.nodes)
	return out
}

func (b *Balancer) forward(client net.Conn) {
	defer client.Close()
	var (
		server net.Conn
		node   *Node
	)
	for _, n := range b.candidates() {
		d := net.Dialer{Timeout: dialTimeout}
		c, err := d.DialContext(b.ctx, "tcp", b.addr(n))
		if err == nil {
			server, node = c, n
			break
		}
	}
	if server == nil {
		return // no node: the client sees the connection closed
	}
	defer server.Close()
	b.track(node, client, true)
	defer b.track(node, client, false)

	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Half-close, so that the other direction may still finish.
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	select {
	case <-done:
	case <-b.ctx.Done():
	}
	// One side ended: once the other direction ends too, or the balancer
	// closes, both connections go.
	select {
	case <-done:
	case <-b.ctx.Done():
	}
}

func (b *Balancer) track(n *Node, c net.Conn, open bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if open {
		b.served[n]++
		if b.open[n] == nil {
			b.open[n] = map[net.Conn]struct{}{}
		}
		b.open[n][c] = struct{}{}
		return
	}
	delete(b.open[n], c)
}

// close stops accepting, closes every forwarded connection and waits.
func (b *Balancer) close() {
	b.cancel()
	if err := b.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		b.t.Errorf("clustertest: close the %s balancer: %v", b.name, err)
	}
	b.wg.Wait()
}
