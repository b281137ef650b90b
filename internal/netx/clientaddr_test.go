package netx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 192.0.2.7", "2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies Proxies
		peer    string
		xff     []string // X-Forwarded-For headers, in order
		want    string
	}{
		{"no proxies, no header", Proxies{}, "198.51.100.1:4000", nil, "198.51.100.1"},
		{"no proxies: a header is ignored", Proxies{}, "198.51.100.1:4000", []string{"203.0.113.9"}, "198.51.100.1"},
		{"spoofed header from an untrusted peer", proxies, "198.51.100.1:4000", []string{"10.1.1.1, 203.0.113.9"}, "198.51.100.1"},
		{"trusted proxy, one hop", proxies, "10.0.0.2:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"trusted proxy by single address", proxies, "192.0.2.7:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"single-address entry is exact", proxies, "192.0.2.8:4000", []string{"203.0.113.9"}, "192.0.2.8"},
		{"client spoofs hops to the left", proxies, "10.0.0.2:4000", []string{"1.2.3.4, 5.6.7.8, 203.0.113.9"}, "203.0.113.9"},
		{"client spoofs a trusted-looking hop", proxies, "10.0.0.2:4000", []string{"10.9.9.9, 203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", proxies, "10.0.0.2:4000", []string{"203.0.113.9, 10.0.0.3, 10.0.0.4"}, "203.0.113.9"},
		{"several headers are one list", proxies, "10.0.0.2:4000", []string{"1.2.3.4, 203.0.113.9", "10.0.0.3"}, "203.0.113.9"},
		{"every hop trusted: the leftmost", proxies, "10.0.0.2:4000", []string{"10.0.0.5, 10.0.0.3"}, "10.0.0.5"},
		{"trusted proxy, no header: the proxy", proxies, "10.0.0.2:4000", nil, "10.0.0.2"},
		{"garbage hop stops at the last trusted", proxies, "10.0.0.2:4000", []string{"203.0.113.9, nonsense, 10.0.0.3"}, "10.0.0.3"},
		{"empty hop stops too", proxies, "10.0.0.2:4000", []string{""}, "10.0.0.2"},
		{"hops with ports and brackets", proxies, "10.0.0.2:4000", []string{"[2001:db8:2::5]:443, 10.0.0.3:80"}, "2001:db8:2::5"},
		{"IPv6 trusted proxy", proxies, "[2001:db8:1::9]:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv4-mapped peer counts as IPv4", proxies, "[::ffff:10.0.0.2]:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv4-mapped hop is written as IPv4", proxies, "10.0.0.2:4000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"peer that is not IP", proxies, "pipe", []string{"203.0.113.9"}, "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := tt.proxies.Resolve(r); got != tt.want {
				t.Errorf("Resolve = %q, want %q", got, tt.want)
			}
			var seen string
			tt.proxies.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				seen = ClientAddr(r)
			})).ServeHTTP(httptest.NewRecorder(), r)
			if seen != tt.want {
				t.Errorf("ClientAddr behind Handler = %q, want %q", seen, tt.want)
			}
		})
	}
}

// A request that never passed through Handler is its direct peer, header or
// not.
func TestClientAddrWithoutHandler(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8::1]:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := ClientAddr(r); got != "2001:db8::1" {
		t.Errorf("ClientAddr = %q, want the peer", got)
	}
}

func TestParseProxies(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/8/8", "fe80::1%eth0", "10.0.0.0/", "*"} {
		if _, err := ParseProxies(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseProxies(%q) = %v, want an error naming it", bad, err)
		}
	}
	p, err := ParseProxies(" 10.1.2.3/8 ,,", "", "::1")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "10.0.0.0/8,::1/128" {
		t.Errorf("String = %q", got)
	}
}

func TestLimitKey(t *testing.T) {
	tests := map[string]string{
		"203.0.113.9":            "203.0.113.9",
		"::ffff:203.0.113.9":     "203.0.113.9",
		"2001:db8:1:2:3:4:5:6":   "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":   "2001:db8:1:2::/64",
		"2001:db8:1:3::1":        "2001:db8:1:3::/64",
		"pipe":                   "pipe",
		"fe80::1%eth0":           "fe80::/64",
		"2001:db8:1:2::1%zone-x": "2001:db8:1:2::/64",
	}
	for in, want := range tests {
		if got := LimitKey(in); got != want {
			t.Errorf("LimitKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// WithClientAddr sets the client that ClientAddr reports, in one spelling;
// what is not an address is refused and changes nothing.
func TestWithClientAddr(t *testing.T) {
	cases := []struct{ addr, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"203.0.113.7:5000", "203.0.113.7"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"nonsense", "192.0.2.1"},
		{"", "192.0.2.1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:4000"
		got, err := WithClientAddr(r, c.addr)
		if (err != nil) != (c.want == "192.0.2.1") {
			t.Errorf("WithClientAddr(%q): err %v", c.addr, err)
		}
		if a := ClientAddr(got); a != c.want {
			t.Errorf("WithClientAddr(%q): ClientAddr = %q, want %q", c.addr, a, c.want)
		}
	}
}
