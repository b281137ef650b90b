package turnserver

import (
	"net"
	"sync"

	"github.com/pion/turn/v4"
)

// relaySet is the set of relay addresses this server has allocated.
type relaySet struct {
	mu    sync.Mutex
	addrs map[string]int // "ip:port" → 1
	ips   map[string]int // ip → count
}

func newRelaySet() *relaySet {
	return &relaySet{addrs: map[string]int{}, ips: map[string]int{}}
}

func (r *relaySet) add(a *net.UDPAddr) {
	r.mu.Lock()
	r.addrs[a.String()]++
	r.ips[a.IP.String()]++
	r.mu.Unlock()
}

func (r *relaySet) remove(a *net.UDPAddr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.addrs[a.String()]--; r.addrs[a.String()] <= 0 {
		delete(r.addrs, a.String())
	}
	if r.ips[a.IP.String()]--; r.ips[a.IP.String()] <= 0 {
		delete(r.ips, a.IP.String())
	}
}

func (r *relaySet) has(a *net.UDPAddr) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addrs[a.String()] > 0
}

func (r *relaySet) hasIP(ip net.IP) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ips[ip.String()] > 0
}

// guardedRelays allocates relays that refuse to send to non-public
// addresses other than this server's own relays: TURN permissions are per
// IP, so the port check has to happen where packets leave.
type guardedRelays struct {
	inner  *turn.RelayAddressGeneratorStatic
	relays *relaySet
	allow  bool
}

func (g *guardedRelays) Validate() error { return g.inner.Validate() }

func (g *guardedRelays) AllocatePacketConn(network string, port int) (net.PacketConn, net.Addr, error) {
	conn, addr, err := g.inner.AllocatePacketConn(network, port)
	if err != nil {
		return nil, nil, err
	}
	relay := addr.(*net.UDPAddr)
	g.relays.add(relay)
	return &guardedConn{PacketConn: conn, self: relay, g: g}, addr, nil
}

func (g *guardedRelays) AllocateConn(network string, port int) (net.Conn, net.Addr, error) {
	return g.inner.AllocateConn(network, port)
}

type guardedConn struct {
	net.PacketConn
	self *net.UDPAddr
	g    *guardedRelays
	once sync.Once
}

// WriteTo drops packets to addresses the relay must not reach, as if lost.
func (c *guardedConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); ok && !c.g.allow && !publicIP(ua.IP) && !c.g.relays.has(ua) {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

func (c *guardedConn) Close() error {
	c.once.Do(func() { c.g.relays.remove(c.self) })
	return c.PacketConn.Close()
}
