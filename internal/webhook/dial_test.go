package webhook

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestGuardCheck(t *testing.T) {
	cases := []struct {
		addr   string
		allow  string
		reason string // "" when allowed
	}{
		{"93.184.215.14", "", ""},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", "", ""},
		{"8.8.8.8", "", ""},
		{"127.0.0.1", "", "loopback"},
		{"127.10.0.1", "", "loopback"},
		{"::1", "", "loopback"},
		{"::ffff:127.0.0.1", "", "loopback"},
		{"10.1.2.3", "", "private"},
		{"172.16.0.1", "", "private"},
		{"172.31.255.255", "", "private"},
		{"172.32.0.1", "", ""},
		{"192.168.1.1", "", "private"},
		{"::ffff:192.168.1.1", "", "private"},
		{"fc00::1", "", "private"},
		{"fd12:3456::1", "", "private"},
		{"169.254.169.254", "", "link-local"}, // cloud metadata
		{"fe80::1", "", "link-local"},
		{"100.64.0.1", "", "carrier-grade NAT (shared) space"},
		{"100.127.255.254", "", "carrier-grade NAT (shared) space"},
		{"100.128.0.1", "", ""},
		{"0.0.0.0", "", "unspecified"},
		{"::", "", "unspecified"},
		{"0.1.2.3", "", "reserved"},
		{"224.0.0.1", "", "multicast"},
		{"239.1.2.3", "", "multicast"},
		{"ff02::1", "", "multicast"},
		{"255.255.255.255", "", "reserved"},
		{"240.0.0.1", "", "reserved"},
		{"192.0.0.8", "", "reserved"},
		{"198.18.0.1", "", "reserved"},
		{"64:ff9b::7f00:1", "", "loopback"}, // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", "", ""},        // NAT64 of 8.8.8.8
		{"2002:c0a8:101::1", "", "private"}, // 6to4 of 192.168.1.1
		{"2002:808:808::1", "", ""},         // 6to4 of 8.8.8.8
		{"2001:0:4136:e378::1", "", "a Teredo tunnel"},
		{"fec0::1", "", "reserved"},
		{"127.0.0.1", "127.0.0.1/32", ""},
		{"127.0.0.2", "127.0.0.1/32", "loopback"},
		{"::ffff:127.0.0.1", "127.0.0.1", ""},
		{"10.9.8.7", "10.0.0.0/8,192.168.0.0/16", ""},
		{"192.168.3.3", "10.0.0.0/8,192.168.0.0/16", ""},
		{"172.16.0.1", "10.0.0.0/8,192.168.0.0/16", "private"},
		{"fd00::5", "fd00::/8", ""},
	}
	for _, c := range cases {
		t.Run(c.addr+" allow "+c.allow, func(t *testing.T) {
			allow, err := ParseAllow(c.allow)
			if err != nil {
				t.Fatal(err)
			}
			err = NewGuard(allow).Check(netip.MustParseAddr(c.addr))
			if c.reason == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want allowed", c.addr, err)
				}
				return
			}
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("Check(%s) = %v, want refused as %s", c.addr, err, c.reason)
			}
			if refused.Reason != c.reason {
				t.Fatalf("Check(%s) refused as %q, want %q", c.addr, refused.Reason, c.reason)
			}
			if !strings.Contains(err.Error(), "--webhook-allow") {
				t.Fatalf("the error does not say how to allow it: %v", err)
			}
		})
	}
}

func TestParseAllow(t *testing.T) {
	cases := []struct {
		in      []string
		want    string
		wantErr string
	}{
		{nil, "", ""},
		{[]string{""}, "", ""},
		{[]string{"127.0.0.1/32"}, "127.0.0.1/32", ""},
		{[]string{"127.0.0.1"}, "127.0.0.1/32", ""},
		{[]string{"10.1.2.3/8, ::1"}, "10.0.0.0/8 ::1/128", ""},
		{[]string{"10.0.0.0/8", "fd00::/8"}, "10.0.0.0/8 fd00::/8", ""},
		{[]string{"::ffff:10.0.0.0/104"}, "10.0.0.0/8", ""},
		{[]string{"::ffff:10.0.0.1"}, "10.0.0.1/32", ""},
		{[]string{"localhost"}, "", `"localhost" is not an address`},
		{[]string{"10.0.0.0/33"}, "", `"10.0.0.0/33"`},
		{[]string{"fe80::1%eth0"}, "", `"fe80::1%eth0"`},
		{[]string{"::ffff:0:0/90"}, "", "write IPv4 ranges as IPv4"},
	}
	for _, c := range cases {
		got, err := ParseAllow(c.in...)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseAllow(%q) = %v, %v; want error %q", c.in, got, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAllow(%q): %v", c.in, err)
			continue
		}
		var parts []string
		for _, p := range got {
			parts = append(parts, p.String())
		}
		if s := strings.Join(parts, " "); s != c.want {
			t.Errorf("ParseAllow(%q) = %s, want %s", c.in, s, c.want)
		}
	}
}

// lookupTo resolves every name to addr, as a DNS server that points a
// public-looking name at a private address would.
func lookupTo(addr string) func(context.Context, string) ([]netip.Addr, error) {
	return func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr(addr)}, nil
	}
}

func hostPort(t *testing.T, srv *httptest.Server) (host, port string) {
	t.Helper()
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// A name that resolves to 127.0.0.1 is refused: the check is on the
// address dialed, not on the name. With 127.0.0.1 allowed it goes through.
func TestClientRefusesNameResolvingToLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
	defer srv.Close()
	_, port := hostPort(t, srv)
	target := "http://bot.example.com:" + port + "/hook"

	refusing := NewClient(ClientConfig{LookupIP: lookupTo("127.0.0.1")})
	_, err := refusing.Get(target)
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Reason != "loopback" {
		t.Fatalf("GET through a name resolving to 127.0.0.1 = %v, want refused as loopback", err)
	}
	// A literal address is judged the same way.
	if _, err := refusing.Get(srv.URL); !errors.As(err, &refused) {
		t.Fatalf("GET %s = %v, want refused", srv.URL, err)
	}

	allow, err := ParseAllow("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	allowing := NewClient(ClientConfig{Allow: allow, LookupIP: lookupTo("127.0.0.1")})
	resp, err := allowing.Get(target)
	if err != nil {
		t.Fatalf("GET with 127.0.0.1 allowed: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hello" {
		t.Fatalf("body = %q", b)
	}
}

// The system resolver's path (no LookupIP) is guarded too: "localhost"
// resolves to a loopback address, which is refused.
func TestClientRefusesLocalhostBySystemResolver(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port := hostPort(t, srv)
	_, err := NewClient(ClientConfig{}).Get("http://localhost:" + port + "/")
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("GET localhost = %v, want refused", err)
	}
}

// A server Tandem may reach cannot send it, by a redirect, to an address it
// may not: each hop is dialed through the same guard.
func TestClientRefusesRedirectToRefusedAddress(t *testing.T) {
	// The refused target listens on 127.0.0.2 (loopback, reachable on
	// Linux), so that only the guard stands between the client and it.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	reached := make(chan struct{}, 1)
	inner := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- struct{}{}
		io.WriteString(w, "secret")
	})}}
	inner.Start()
	defer inner.Close()
	outer := httptest.NewServer(http.RedirectHandler(inner.URL+"/metadata", http.StatusFound))
	defer outer.Close()

	allow, err := ParseAllow("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewClient(ClientConfig{Allow: allow}).Get(outer.URL)
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Addr != netip.MustParseAddr("127.0.0.2") {
		t.Fatalf("redirect to 127.0.0.2 = %v, want refused", err)
	}
	select {
	case <-reached:
		t.Fatal("the refused server was reached")
	default:
	}

	// With both allowed the same redirect is followed: the refusal above
	// was the guard's.
	allow, err = ParseAllow("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := NewClient(ClientConfig{Allow: allow}).Get(outer.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-reached
}

func TestClientFollowsAtMostThreeRedirects(t *testing.T) {
	for _, c := range []struct {
		hops    int
		wantErr bool
	}{{3, false}, {4, true}} {
		var mux http.ServeMux
		srv := httptest.NewServer(&mux)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			n := len(r.URL.Path) - 1 // "/", "/x", "/xx", ...
			if n < c.hops {
				http.Redirect(w, r, r.URL.Path+"x", http.StatusTemporaryRedirect)
				return
			}
			io.WriteString(w, "end")
		})
		allow, _ := ParseAllow("127.0.0.1")
		resp, err := NewClient(ClientConfig{Allow: allow}).Post(srv.URL+"/", "application/json", strings.NewReader("{}"))
		srv.Close()
		if c.wantErr {
			if !errors.Is(err, ErrTooManyRedirects) {
				t.Errorf("%d redirects: err = %v, want ErrTooManyRedirects", c.hops, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%d redirects: %v", c.hops, err)
			continue
		}
		resp.Body.Close()
	}
}

func TestReadBody(t *testing.T) {
	cases := []struct {
		n       int
		max     int64
		wantErr bool
	}{{0, 10, false}, {10, 10, false}, {11, 10, true}, {MaxResponseBytes + 1, MaxResponseBytes, true}}
	for _, c := range cases {
		b, err := ReadBody(strings.NewReader(strings.Repeat("a", c.n)), c.max)
		if gotErr := errors.Is(err, ErrBodyTooLarge); gotErr != c.wantErr {
			t.Errorf("ReadBody(%d bytes, max %d) err = %v", c.n, c.max, err)
		}
		if int64(len(b)) > c.max {
			t.Errorf("ReadBody(%d bytes, max %d) returned %d bytes", c.n, c.max, len(b))
		}
	}
}
