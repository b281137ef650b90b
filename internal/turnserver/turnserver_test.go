package turnserver

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v4"
)

func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := Start(Config{Addr: "127.0.0.1:0", Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// allocate opens a TURN client with the given credentials and asks for a relay.
func allocate(t *testing.T, s *Server, user, pass string) (net.PacketConn, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: s.Addr(), TURNServerAddr: s.Addr(), Username: user, Password: pass,
		Realm: "tandem", Conn: conn, RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { relay.Close() })
	return relay, nil
}

func TestCredentials(t *testing.T) {
	s := startServer(t)
	good := s.Credentials("call-1", time.Minute)
	if !strings.HasPrefix(good.URLs[0], "turn:127.0.0.1:") {
		t.Fatalf("urls = %v", good.URLs)
	}
	expired := s.Credentials("call-2", -time.Minute)
	ended := s.Credentials("call-3", time.Minute)
	s.EndCall("call-3")
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"valid", good.Username, good.Credential, true},
		{"wrong password", good.Username, "nope", false},
		{"expired", expired.Username, expired.Credential, false},
		{"call ended", ended.Username, ended.Credential, false},
		{"not the REST form", "alice", "secret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := allocate(t, s, tt.user, tt.pass)
			if (err == nil) != tt.ok {
				t.Fatalf("allocate err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestRelaysReachPeersButNotTheServersNetwork(t *testing.T) {
	s := startServer(t)
	cred := s.Credentials("call", time.Minute)
	a, err := allocate(t, s, cred.Username, cred.Credential)
	if err != nil {
		t.Fatal(err)
	}
	b, err := allocate(t, s, cred.Username, cred.Credential)
	if err != nil {
		t.Fatal(err)
	}
	// A peer's relay is reachable: the call's media path.
	if _, err := a.WriteTo([]byte("hello peer"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	// b needs a permission for a before it accepts a's packets.
	if _, err := b.WriteTo([]byte("hi"), a.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	got := readWithin(t, b, 2*time.Second, func() { _, _ = a.WriteTo([]byte("hello peer"), b.LocalAddr()) })
	if got != "hello peer" {
		t.Fatalf("peer relay got %q", got)
	}

	// A service on the server's loopback is not.
	service, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer service.Close()
	for range 5 {
		_, _ = a.WriteTo([]byte("probe"), service.LocalAddr())
	}
	if got := readWithin(t, service, 500*time.Millisecond, nil); got != "" {
		t.Fatalf("a loopback service received %q through the relay", got)
	}
}

// readWithin reads one packet, calling poke every 100 ms until one comes.
func readWithin(t *testing.T, c net.PacketConn, d time.Duration, poke func()) string {
	t.Helper()
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
