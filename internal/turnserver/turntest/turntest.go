// Package turntest drives a TURN server from tests with a real pion/turn
// client: allocate a relay, refresh it, and tell whether a relay closed.
package turntest

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/turn/v4"
)

// Realm is the realm Tandem's TURN server uses.
const Realm = "tandem"

// Client is a TURN client speaking with one username and password.
type Client struct {
	*turn.Client
	User, Pass string
}

// Dial opens a client of the TURN server at addr ("ip:port"); it closes
// when t ends.
func Dial(t testing.TB, addr, user, pass string) *Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr, Username: user, Password: pass,
		Realm: Realm, Conn: conn, RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	return &Client{Client: c, User: user, Pass: pass}
}

// Allocate dials the server and asks for a relay; the relay closes when t
// ends.
func Allocate(t testing.TB, addr, user, pass string) (net.PacketConn, *Client, error) {
	t.Helper()
	c := Dial(t, addr, user, pass)
	relay, err := c.Allocate()
	if err != nil {
		return nil, c, err
	}
	t.Cleanup(func() { relay.Close() })
	return relay, c, nil
}

// Refresh sends a Refresh request for c's allocation, authenticated with
// c's credentials, and returns an error when the server refuses it.
func (c *Client) Refresh() error {
	ask := func(setters ...stun.Setter) (*stun.Message, error) {
		msg, err := stun.Build(append([]stun.Setter{stun.TransactionID,
			stun.NewType(stun.MethodRefresh, stun.ClassRequest)}, setters...)...)
		if err != nil {
			return nil, err
		}
		res, err := c.PerformTransaction(msg, c.TURNServerAddr(), false)
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	// The first, unauthenticated, attempt earns a nonce.
	res, err := ask(stun.Fingerprint)
	if err != nil {
		return err
	}
	var nonce stun.Nonce
	if err := nonce.GetFrom(res); err != nil {
		return errors.New("refresh: no nonce in the server's first answer")
	}
	res, err = ask(stun.NewUsername(c.User), stun.NewRealm(Realm), nonce,
		stun.NewLongTermIntegrity(c.User, Realm, c.Pass), stun.Fingerprint)
	if err != nil {
		return err
	}
	if res.Type.Class == stun.ClassErrorResponse {
		var code stun.ErrorCodeAttribute
		_ = code.GetFrom(res)
		return errors.New("refresh refused: " + code.String())
	}
	return nil
}

// RelayClosed reports whether nothing listens on relay any more: a datagram
// sent there comes back as "connection refused" (ICMP port unreachable), an
// event rather than a silence. It waits at most d for that answer.
func RelayClosed(t testing.TB, relay net.Addr, d time.Duration) bool {
	t.Helper()
	ua, ok := relay.(*net.UDPAddr)
	if !ok {
		t.Fatalf("relay %v is not a UDP address", relay)
	}
	probe, err := net.DialUDP("udp4", nil, ua)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	if _, err := probe.Write([]byte("probe")); err != nil {
		return errors.Is(err, syscall.ECONNREFUSED)
	}
	_ = probe.SetReadDeadline(time.Now().Add(d))
	_, err = probe.Read(make([]byte, 64))
	return errors.Is(err, syscall.ECONNREFUSED)
}

// ReadWithin reads one packet from c, calling poke (if any) every 100 ms
// until one comes or d has passed; "" means none came.
func ReadWithin(c net.PacketConn, d time.Duration, poke func()) string {
	deadline := time.Now().Add(d)
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		if poke != nil {
			poke()
		}
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := c.ReadFrom(buf)
		if err == nil {
			return string(buf[:n])
		}
	}
	return ""
}

// Exchange checks that relays a and b carry packets to each other.
func Exchange(t testing.TB, a, b net.PacketConn) {
	t.Helper()
	// b needs a permission for a before it accepts a's packets.
	if _, err := b.WriteTo([]byte("hi"), a.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	// Earlier exchanges may have left packets behind: skip them.
	deadline := time.Now().Add(2 * time.Second)
	got := ""
	for got != "hello peer" && time.Now().Before(deadline) {
		got = ReadWithin(b, time.Until(deadline), func() { _, _ = a.WriteTo([]byte("hello peer"), b.LocalAddr()) })
	}
	if got != "hello peer" {
		t.Fatalf("relay %s got %q from relay %s", b.LocalAddr(), got, a.LocalAddr())
	}
}
