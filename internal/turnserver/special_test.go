package turnserver

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/turnserver/turntest"
)

// The addresses the security review got permissions for, and neighbours of
// every kind, judged independently of the table in special.go.
func TestSpecialPeer(t *testing.T) {
	tests := []struct {
		ip     string
		public bool
	}{
		// Reported: permissions were granted for these.
		{"100.64.0.1", false},
		{"100.100.100.200", false},
		{"198.18.0.1", false},
		{"198.19.255.255", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"255.255.255.255", false},
		// The usual suspects.
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"192.0.0.9", false},
		{"192.0.2.1", false},
		{"192.88.99.1", false},
		{"198.51.100.7", false},
		{"203.0.113.7", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"240.0.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:100.100.100.200", false},
		{"::1", false},
		{"::", false},
		{"::127.0.0.1", false},
		{"64:ff9b::7f00:1", false},
		{"64:ff9b:1::1", false},
		{"100::1", false},
		{"2001::1", false},
		{"2001:db8::1", false},
		{"2002:7f00:1::1", false},
		{"3fff::1", false},
		{"5f00::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fe80::1", false},
		{"fec0::1", false},
		{"ff02::1", false},
		// Public, next to the blocks.
		{"1.1.1.1", true},
		{"8.8.8.8", true},
		{"9.255.255.255", true},
		{"11.0.0.0", true},
		{"100.63.255.255", true},
		{"100.128.0.0", true},
		{"172.15.255.255", true},
		{"172.32.0.0", true},
		{"192.0.1.255", true},
		{"198.17.255.255", true},
		{"198.20.0.0", true},
		{"223.255.255.255", true},
		{"::ffff:8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"2001:200::1", true},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			ip := net.ParseIP(tt.ip)
			if ip == nil {
				t.Fatalf("bad test address %q", tt.ip)
			}
			if got := publicPeer(ip); got != tt.public {
				r, _ := specialPeer(ip)
				t.Fatalf("publicPeer(%s) = %v, want %v (block %v %s)", tt.ip, got, tt.public, r.prefix, r.name)
			}
		})
	}
	if publicPeer(net.IP{1, 2, 3}) {
		t.Fatal("a 3-byte IP counts as public")
	}
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Every block of the registries, first and last address, asked for over
// TURN by a real client: the server refuses the permission.
func TestPermissionsRefusedForSpecialPurposeAddresses(t *testing.T) {
	s := startServer(t)
	_, c := mustAllocate(t, s, s.Credentials("call", "person", time.Minute))
	for _, r := range specialRanges {
		for _, a := range []netip.Addr{r.prefix.Masked().Addr(), lastAddr(r.prefix)} {
			t.Run(r.prefix.String()+"/"+a.String(), func(t *testing.T) {
				if err := c.CreatePermission(&net.UDPAddr{IP: a.AsSlice(), Port: 9}); err == nil {
					t.Fatalf("permission granted for %s (%s, %s)", a, r.name, r.rfc)
				}
			})
		}
	}
	// Public peers, and the call's own relays, are allowed.
	other, _ := mustAllocate(t, s, s.Credentials("call", "a1", time.Minute))
	for _, a := range []net.Addr{
		&net.UDPAddr{IP: net.ParseIP("1.1.1.1"), Port: 9},
		&net.UDPAddr{IP: net.ParseIP("2606:4700:4700::1111"), Port: 9},
		other.LocalAddr(),
	} {
		if err := c.CreatePermission(a); err != nil {
			t.Errorf("permission for %s: %v", a, err)
		}
	}
}

// A lab or LAN deployment can let relays reach private peers.
func TestAllowPrivatePeers(t *testing.T) {
	s, err := Start(Config{Addr: "127.0.0.1:0", Secret: []byte("0123456789abcdef0123456789abcdef"), AllowPrivatePeers: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	relay, c := mustAllocate(t, s, s.Credentials("call", "person", time.Minute))
	if err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP("192.168.1.1"), Port: 9}); err != nil {
		t.Fatalf("private peer refused with AllowPrivatePeers: %v", err)
	}
	service, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer service.Close()
	got := turntest.ReadWithin(service, 2*time.Second, func() { _, _ = relay.WriteTo([]byte("lan"), service.LocalAddr()) })
	if got != "lan" {
		t.Fatalf("a loopback service got %q through a relay that allows private peers", got)
	}
}
