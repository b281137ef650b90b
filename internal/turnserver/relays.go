package turnserver

import (
	"net"
	"sync"
	"sync/atomic"

	"github.com/pion/turn/v4"
)

// grant is one member's right to the server: the call and the member its
// credentials name.
type grant struct{ call, member string }

// registry knows which members may use the server and which relays each
// member's allocations hold, so that revoking a member closes its relays.
type registry struct {
	// gate is the listening socket relays are closed through (closeRelay);
	// nil closes them at once.
	gate   *gatedConn
	mu     sync.Mutex
	live   map[string]map[string]bool // call → members whose credentials are valid
	relays map[string]*guardedConn    // relay address "ip:port" → its socket
	ips    map[string]int             // relay IP → relays on it
}

func newRegistry() *registry {
	return &registry{live: map[string]map[string]bool{}, relays: map[string]*guardedConn{}, ips: map[string]int{}}
}

// allow makes g's credentials valid.
func (r *registry) allow(g grant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live[g.call] == nil {
		r.live[g.call] = map[string]bool{}
	}
	r.live[g.call][g.member] = true
}

// allowed reports whether g's credentials are valid.
func (r *registry) allowed(g grant) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live[g.call][g.member]
}

// revoke makes the credentials of call's member (every member when all)
// invalid and closes their relays; pion deletes an allocation whose relay
// socket closes, so the allocation is gone and refreshing it fails.
func (r *registry) revoke(call, member string, all bool) {
	r.mu.Lock()
	if all {
		delete(r.live, call)
	} else if m := r.live[call]; m != nil {
		delete(m, member)
		if len(m) == 0 {
			delete(r.live, call)
		}
	}
	var doomed []*guardedConn
	for _, c := range r.relays {
		if c.owned && c.owner.call == call && (all || c.owner.member == member) {
			doomed = append(doomed, c)
		}
	}
	r.mu.Unlock()
	for _, c := range doomed {
		closeRelay(r.gate, c)
	}
}

// adopt records that the relay at addr belongs to g, once its allocation
// exists. A grant revoked between authentication and this moment gets its
// relay closed here: the check and the record happen under one lock, so a
// revocation either sees the relay or the relay sees the revocation.
func (r *registry) adopt(addr net.Addr, g grant) {
	r.mu.Lock()
	c := r.relays[addr.String()]
	live := r.live[g.call][g.member]
	if c != nil {
		c.owner, c.owned = g, true
	}
	r.mu.Unlock()
	if c != nil && !live {
		// adopt runs while pion handles the allocation's request, and
		// pion starts the relay's goroutine after it returns: the close
		// waits for that request to end, on a goroutine of its own.
		go closeRelay(r.gate, c)
	}
}

func (r *registry) add(c *guardedConn) {
	r.mu.Lock()
	r.relays[c.self.String()] = c
	r.ips[c.self.IP.String()]++
	r.mu.Unlock()
}

func (r *registry) remove(c *guardedConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.relays[c.self.String()] == c {
		delete(r.relays, c.self.String())
	}
	if r.ips[c.self.IP.String()]--; r.ips[c.self.IP.String()] <= 0 {
		delete(r.ips, c.self.IP.String())
	}
}

// isRelay reports whether a is one of this server's relays.
func (r *registry) isRelay(a *net.UDPAddr) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.relays[a.String()] != nil
}

// isRelayIP reports whether ip holds one of this server's relays.
func (r *registry) isRelayIP(ip net.IP) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ips[ip.String()] > 0
}

// guardedRelays allocates relays that refuse to send to special-purpose
// addresses and to this server's own IP other than its relays: TURN
// permissions are per IP, so the port check has to happen where packets
// leave.
type guardedRelays struct {
	inner *turn.RelayAddressGeneratorStatic
	reg   *registry
	allow bool
	// dropped counts packets not sent; tests wait on it.
	dropped atomic.Uint64
}

func (g *guardedRelays) Validate() error { return g.inner.Validate() }

func (g *guardedRelays) AllocatePacketConn(network string, port int) (net.PacketConn, net.Addr, error) {
	conn, addr, err := g.inner.AllocatePacketConn(network, port)
	if err != nil {
		return nil, nil, err
	}
	c := &guardedConn{PacketConn: conn, self: addr.(*net.UDPAddr), g: g, torn: make(chan struct{})}
	g.reg.add(c)
	return c, addr, nil
}

func (g *guardedRelays) AllocateConn(network string, port int) (net.Conn, net.Addr, error) {
	return g.inner.AllocateConn(network, port)
}

// reachable reports whether a relay may send to a.
func (g *guardedRelays) reachable(a *net.UDPAddr) bool {
	if g.allow || g.reg.isRelay(a) {
		return true
	}
	return publicPeer(a.IP) && !g.reg.isRelayIP(a.IP)
}

// guardedConn is one relay's socket. owner and owned are guarded by the
// registry's lock.
type guardedConn struct {
	net.PacketConn
	self  *net.UDPAddr
	g     *guardedRelays
	once  sync.Once
	owner grant
	owned bool
	// closes counts Close calls; torn is closed at the second: the relay
	// was closed here, then pion's teardown of its allocation ended by
	// closing it again (see gatedConn).
	closes atomic.Int32
	torn   chan struct{}
}

// WriteTo drops packets to addresses the relay must not reach, as if lost.
func (c *guardedConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); !ok || !c.g.reachable(ua) {
		c.g.dropped.Add(1)
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

// Close closes the relay once; revocation and pion's own cleanup of the
// allocation it ends both close it.
func (c *guardedConn) Close() error {
	if c.closes.Add(1) == 2 {
		close(c.torn)
	}
	var err error
	c.once.Do(func() {
		c.g.reg.remove(c)
		err = c.PacketConn.Close()
	})
	return err
}
