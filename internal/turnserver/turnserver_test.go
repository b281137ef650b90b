package turnserver

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/turn/v4"

	"github.com/tandemhq/tandem/internal/turnserver/turntest"
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

// allocate asks s for a relay with the given credentials.
func allocate(t *testing.T, s *Server, cred ICEServer) (net.PacketConn, *turntest.Client, error) {
	t.Helper()
	return turntest.Allocate(t, s.Addr(), cred.Username, cred.Credential)
}

func mustAllocate(t *testing.T, s *Server, cred ICEServer) (net.PacketConn, *turntest.Client) {
	t.Helper()
	relay, c, err := allocate(t, s, cred)
	if err != nil {
		t.Fatal(err)
	}
	return relay, c
}

func TestCredentials(t *testing.T) {
	s := startServer(t)
	good := s.Credentials("call-1", "person", time.Minute)
	if !strings.HasPrefix(good.URLs[0], "turn:127.0.0.1:") {
		t.Fatalf("urls = %v", good.URLs)
	}
	agent := s.Credentials("call-1", "a1", time.Minute)
	expired := s.Credentials("call-2", "person", -time.Minute)
	ended := s.Credentials("call-3", "person", time.Minute)
	s.EndCall("call-3")
	left := s.Credentials("call-4", "a1", time.Minute)
	stays := s.Credentials("call-4", "person", time.Minute)
	s.LeaveCall("call-4", "a1")
	// A member's name with another member's password.
	swapped := strings.TrimSuffix(good.Username, ":person") + ":a1"
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"valid", good.Username, good.Credential, true},
		{"another member of the call", agent.Username, agent.Credential, true},
		{"wrong password", good.Username, "nope", false},
		{"another member's password", swapped, good.Credential, false},
		{"expired", expired.Username, expired.Credential, false},
		{"call ended", ended.Username, ended.Credential, false},
		{"member left", left.Username, left.Credential, false},
		{"member who stayed", stays.Username, stays.Credential, true},
		{"not the REST form", "alice", "secret", false},
		{"call without member", "9999999999:call-1", good.Credential, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := allocate(t, s, ICEServer{Username: tt.user, Credential: tt.pass})
			if (err == nil) != tt.ok {
				t.Fatalf("allocate err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestEachMemberHasItsOwnCredentials(t *testing.T) {
	s := startServer(t)
	person := s.Credentials("call", "person", time.Minute)
	agent := s.Credentials("call", "a1", time.Minute)
	if person.Username == agent.Username || person.Credential == agent.Credential {
		t.Fatalf("the person and the agent share credentials: %+v and %+v", person, agent)
	}
	if !strings.HasSuffix(person.Username, ":call:person") || !strings.HasSuffix(agent.Username, ":call:a1") {
		t.Fatalf("usernames %q and %q do not name their member", person.Username, agent.Username)
	}
}

func TestRelaysReachPeersButNotTheServersNetwork(t *testing.T) {
	s := startServer(t)
	a, _ := mustAllocate(t, s, s.Credentials("call", "person", time.Minute))
	b, _ := mustAllocate(t, s, s.Credentials("call", "a1", time.Minute))
	// A peer's relay is reachable: the call's media path.
	turntest.Exchange(t, a, b)

	// A service on the server's loopback is not.
	service, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer service.Close()
	// The relay decides on each packet as it would send it: once it has
	// dropped one, a packet let through would already be in the service's
	// socket (loopback delivers as it sends).
	before := s.gen.dropped.Load()
	deadline := time.Now().Add(5 * time.Second)
	for s.gen.dropped.Load() == before && time.Now().Before(deadline) {
		_, _ = a.WriteTo([]byte("probe"), service.LocalAddr())
		if got := turntest.ReadWithin(service, 50*time.Millisecond, nil); got != "" {
			t.Fatalf("a loopback service received %q through the relay", got)
		}
	}
	if s.gen.dropped.Load() == before {
		t.Fatal("the relay never dropped a packet for a loopback service")
	}
	_ = service.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if n, _, err := service.ReadFrom(make([]byte, 64)); err == nil {
		t.Fatalf("a loopback service received %d bytes through the relay", n)
	}
}

func TestEndCallClosesRelays(t *testing.T) {
	s := startServer(t)
	personCred := s.Credentials("call", "person", time.Minute)
	a, person := mustAllocate(t, s, personCred)
	b, agent := mustAllocate(t, s, s.Credentials("call", "a1", time.Minute))
	turntest.Exchange(t, a, b)
	if err := person.Refresh(); err != nil {
		t.Fatalf("refresh during the call: %v", err)
	}

	s.EndCall("call")
	for name, relay := range map[string]net.PacketConn{"person": a, "agent": b} {
		if !turntest.RelayClosed(t, relay.LocalAddr(), 5*time.Second) {
			t.Errorf("the %s's relay %s still listens after the call ended", name, relay.LocalAddr())
		}
	}
	for name, c := range map[string]*turntest.Client{"person": person, "agent": agent} {
		if err := c.Refresh(); err == nil {
			t.Errorf("the %s refreshed its allocation after the call ended", name)
		}
	}
	if _, _, err := allocate(t, s, personCred); err == nil {
		t.Error("a new allocation with the ended call's credentials succeeded")
	}
}

func TestLeaveCallRevokesOneMember(t *testing.T) {
	s := startServer(t)
	a, _ := mustAllocate(t, s, s.Credentials("call", "person", time.Minute))
	leaverCred := s.Credentials("call", "a1", time.Minute)
	b, leaver := mustAllocate(t, s, leaverCred)
	c, _ := mustAllocate(t, s, s.Credentials("call", "a2", time.Minute))
	turntest.Exchange(t, a, b)

	s.LeaveCall("call", "a1")
	if !turntest.RelayClosed(t, b.LocalAddr(), 5*time.Second) {
		t.Fatalf("the relay of the member who left still listens")
	}
	if err := leaver.Refresh(); err == nil {
		t.Error("the member who left refreshed its allocation")
	}
	if _, _, err := allocate(t, s, leaverCred); err == nil {
		t.Error("the member who left allocated again with its credentials")
	}
	// The others' relays still carry the call.
	turntest.Exchange(t, a, c)
}

// A member revoked while its allocation is being made (after the
// credentials were checked) gets that relay closed all the same.
func TestRevokedBeforeAdoptionIsClosed(t *testing.T) {
	reg := newRegistry()
	g := &guardedRelays{inner: &turn.RelayAddressGeneratorStatic{RelayAddress: net.IPv4(127, 0, 0, 1), Address: "127.0.0.1"}, reg: reg}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	reg.allow(grant{"call", "person"})
	conn, addr, err := g.AllocatePacketConn("udp4", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	reg.revoke("call", "person", false)
	reg.adopt(addr, grant{"call", "person"})
	// adopt closes it on a goroutine of its own (it runs inside pion's
	// handling of the allocation): probe until it is closed.
	closed := false
	for deadline := time.Now().Add(5 * time.Second); !closed && time.Now().Before(deadline); {
		closed = turntest.RelayClosed(t, addr, 100*time.Millisecond)
	}
	if !closed {
		t.Fatal("a relay adopted after its member was revoked still listens")
	}
	if reg.isRelay(addr.(*net.UDPAddr)) {
		t.Fatal("the closed relay is still registered")
	}
}

// pion tears an allocation down on its relay's goroutine once the relay
// closes, and its teardown read each permission's timer while a permission
// being made could be starting it: a data race inside pion, seen under
// -race when a call hung up. A revocation now closes relays while no
// request is being handled and waits for the teardown, so permissions made
// during it race with nothing (the race detector is the check).
func TestRevokeWhilePermissionsAreMade(t *testing.T) {
	s := startServer(t)
	// Waited for after the clients close (cleanups run last first): a
	// permission asked of a deleted allocation gets no answer, and only
	// the client's close ends its wait.
	var asking sync.WaitGroup
	t.Cleanup(asking.Wait)
	for i := range 15 {
		member := fmt.Sprint("m", i)
		relay, c := mustAllocate(t, s, s.Credentials("call", member, time.Minute))
		first := make(chan struct{})
		asking.Go(func() {
			for j := range 30 {
				err := c.CreatePermission(&net.UDPAddr{IP: net.IPv4(8, 8, 8, byte(j)), Port: 9})
				if j == 0 {
					close(first)
				}
				if err != nil {
					return
				}
			}
		})
		<-first // the allocation has permissions being made
		s.LeaveCall("call", member)
		if !turntest.RelayClosed(t, relay.LocalAddr(), 5*time.Second) {
			t.Fatalf("member %s's relay still listens after it left the call", member)
		}
	}
}
