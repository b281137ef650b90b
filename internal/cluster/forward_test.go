package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/store"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// fakeOwners is a lease table: which sessions this node holds, and the
// leases of other nodes.
type fakeOwners struct {
	holds  map[string]bool
	leases map[string]store.Lease
	err    error
}

func (o *fakeOwners) Holds(id string) bool { return o.holds[id] }

func (o *fakeOwners) Owner(_ context.Context, id string) (store.Lease, bool, error) {
	if o.err != nil {
		return store.Lease{}, false, o.err
	}
	l, ok := o.leases[id]
	return l, ok, nil
}

// seen is what the owner's handler saw of a forwarded request.
type seen struct {
	Host, Origin, Cookie, SecFetchSite, ClientAddr, Node, Path, Query, Connection, XForwardedFor string
	FromNode                                                                                     bool
}

// ownerServer is an owner node: Trust in front of a handler that reports
// what it saw, on a real listener.
func ownerServer(t *testing.T, auth *Auth) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		node, ok := ForwardedBy(r)
		_ = json.NewEncoder(w).Encode(seen{
			Host: r.Host, Origin: r.Header.Get("Origin"), Cookie: r.Header.Get("Cookie"),
			SecFetchSite: r.Header.Get("Sec-Fetch-Site"), ClientAddr: netx.ClientAddr(r), Node: node, FromNode: ok,
			Path: r.URL.Path, Query: r.URL.RawQuery, Connection: r.Header.Get("X-Hop"), XForwardedFor: r.Header.Get("X-Forwarded-For"),
		})
	})
	srv := httptest.NewServer(netx.Proxies{}.Handler(auth.Trust(h, nil)))
	t.Cleanup(srv.Close)
	return srv
}

// forwardingNode is a node that forwards session "s1" of kind assist, as
// httpapi does, behind proxies that trust 127.0.0.1 (so that a test's
// X-Forwarded-For names a client other than the loopback peer).
func forwardingNode(t *testing.T, f *Forwarder) *httptest.Server {
	t.Helper()
	proxies, err := netx.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if owner, ok := f.Owner(r, r.PathValue("id"), store.LeaseAssist); ok {
			f.Forward(w, r, owner)
			return
		}
		http.Error(w, "served here", http.StatusTeapot)
	})
	mux := http.NewServeMux()
	mux.Handle("/s/{id}", h)
	srv := httptest.NewServer(proxies.Handler(f.auth.Trust(mux, nil)))
	t.Cleanup(srv.Close)
	return srv
}

func newForwarder(t *testing.T, owners Owners, cfg ForwarderConfig) *Forwarder {
	t.Helper()
	cfg.Auth, cfg.Owners = mustAuth(t, testKey, "node-b", nil), owners
	f, err := NewForwarder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// A forwarded request reaches the owner as the client sent it (Host,
// Origin, cookies, Sec-Fetch-*, path and query), signed, with the client's
// address as the forwarding node resolved it; hop-by-hop and
// X-Forwarded-For headers do not pass, and a client's own client address
// header is replaced.
func TestForwardKeepsWhatTheOwnerChecks(t *testing.T) {
	owner := ownerServer(t, mustAuth(t, testKey, "node-a", nil))
	owners := &fakeOwners{leases: map[string]store.Lease{"s1": {SessionID: "s1", Kind: store.LeaseAssist, Node: "node-a", NodeURL: owner.URL}}}
	node := forwardingNode(t, newForwarder(t, owners, ForwarderConfig{}))

	req, _ := http.NewRequest("GET", node.URL+"/s/s1?token=abc&x=1", nil)
	req.Host = "tandem.example"
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Cookie", "tandem_session=secret")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set(ClientAddrHeader, "198.51.100.66") // the client's own claim
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "hop-by-hop")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got seen
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	want := seen{
		Host: "tandem.example", Origin: "https://shop.example", Cookie: "tandem_session=secret", SecFetchSite: "same-origin",
		ClientAddr: "203.0.113.7", Node: "node-b", FromNode: true, Path: "/s/s1", Query: "token=abc&x=1",
	}
	if got != want {
		t.Errorf("the owner saw\n %+v\nwant\n %+v", got, want)
	}
}

// Trust believes the client address header only under a good signature:
// a client's own header, unsigned or under a forged or stale signature,
// is ignored (the client is the direct peer) and the request is not taken
// for a node's.
func TestTrustIgnoresUnsignedClientAddress(t *testing.T) {
	now := time.Now()
	auth := mustAuth(t, testKey, "node-a", func() time.Time { return now })
	other := mustAuth(t, []byte("another installation's signing key"), "node-x", nil)
	stale := mustAuth(t, testKey, "node-b", func() time.Time { return now.Add(-MaxSkew - time.Minute) })
	peer := mustAuth(t, testKey, "node-b", nil)
	cases := []struct {
		name     string
		prepare  func(r *http.Request)
		addr     string
		fromNode bool
	}{
		{"unsigned header", func(r *http.Request) { r.Header.Set(ClientAddrHeader, "198.51.100.66") }, "192.0.2.1", false},
		{"forged signature", func(r *http.Request) {
			r.Header.Set(ClientAddrHeader, "198.51.100.66")
			r.Header.Set(Header, "v1 node-b "+time.Now().Format("20060102")+" bm9wZQ")
		}, "192.0.2.1", false},
		{"another installation's key", func(r *http.Request) { r.Header.Set(ClientAddrHeader, "198.51.100.66"); other.Sign(r) }, "192.0.2.1", false},
		{"stale signature", func(r *http.Request) { r.Header.Set(ClientAddrHeader, "198.51.100.66"); stale.Sign(r) }, "192.0.2.1", false},
		{"signed, then the address changed", func(r *http.Request) {
			r.Header.Set(ClientAddrHeader, "203.0.113.7")
			peer.Sign(r)
			r.Header.Set(ClientAddrHeader, "198.51.100.66")
		}, "192.0.2.1", false},
		{"signed by a node", func(r *http.Request) { r.Header.Set(ClientAddrHeader, "203.0.113.7"); peer.Sign(r) }, "203.0.113.7", true},
		{"signed, not an address", func(r *http.Request) { r.Header.Set(ClientAddrHeader, "nonsense"); peer.Sign(r) }, "192.0.2.1", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var addr, hdr string
			var fromNode bool
			h := auth.Trust(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				addr, hdr = netx.ClientAddr(r), r.Header.Get(ClientAddrHeader)
				_, fromNode = ForwardedBy(r)
			}), nil)
			r := httptest.NewRequest("GET", "http://tandem.example/api/v1/assists/s1/ws", nil)
			r.RemoteAddr = "192.0.2.1:5000"
			c.prepare(r)
			netx.Proxies{}.Handler(h).ServeHTTP(httptest.NewRecorder(), r)
			if addr != c.addr || fromNode != c.fromNode {
				t.Errorf("client %q, from a node %v; want %q, %v", addr, fromNode, c.addr, c.fromNode)
			}
			if !c.fromNode && hdr != "" {
				t.Errorf("a client's %s header %q reached the handler", ClientAddrHeader, hdr)
			}
		})
	}
}

// Owner decides where a request goes: here when this node holds the
// lease, when no live node does, when the lease is of another kind, when
// the store does not answer, and always when a node signed the request
// (never forwarded twice); to the owner otherwise.
func TestForwarderOwner(t *testing.T) {
	lease := store.Lease{SessionID: "s1", Kind: store.LeaseAssist, Node: "node-a", NodeURL: "http://10.0.0.1:8080"}
	signed := func(r *http.Request) { mustAuth(t, testKey, "node-c", nil).Sign(r) }
	cases := []struct {
		name    string
		owners  *fakeOwners
		prepare func(r *http.Request)
		kind    store.LeaseKind
		forward bool
	}{
		{"another node owns it", &fakeOwners{leases: map[string]store.Lease{"s1": lease}}, nil, store.LeaseAssist, true},
		{"this node holds it", &fakeOwners{holds: map[string]bool{"s1": true}, leases: map[string]store.Lease{"s1": lease}}, nil, store.LeaseAssist, false},
		{"no live owner", &fakeOwners{}, nil, store.LeaseAssist, false},
		{"a lease of another kind", &fakeOwners{leases: map[string]store.Lease{"s1": lease}}, nil, store.LeaseTerminal, false},
		{"the store fails", &fakeOwners{err: errors.New("store down")}, nil, store.LeaseAssist, false},
		{"signed by a node", &fakeOwners{leases: map[string]store.Lease{"s1": lease}}, signed, store.LeaseAssist, false},
		{"a forged node header", &fakeOwners{leases: map[string]store.Lease{"s1": lease}}, func(r *http.Request) { r.Header.Set(Header, "v1 node-c 1 x") }, store.LeaseAssist, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newForwarder(t, c.owners, ForwarderConfig{})
			r := httptest.NewRequest("GET", "http://tandem.example/api/v1/assists/s1/ws", nil)
			if c.prepare != nil {
				c.prepare(r)
			}
			got, ok := f.Owner(r, "s1", c.kind)
			if ok != c.forward || (ok && got != lease) {
				t.Errorf("Owner = %+v, %v; want forward=%v", got, ok, c.forward)
			}
		})
	}
}

// syncLog collects log lines from several goroutines.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// An owner that cannot be reached (its process just died: nothing listens
// at its URL; or it accepts and never answers) is answered for at once or
// within the bounds: 503 with Retry-After, logged once for that owner
// however many clients ask.
func TestForwardToUnreachableOwner(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts (the kernel does), never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	cases := []struct {
		name, url string
		cfg       ForwarderConfig
		bound     time.Duration
	}{
		{"nothing listens", deadURL, ForwarderConfig{}, DefaultDialTimeout},
		{"never answers", "http://" + silent.Addr().String(), ForwarderConfig{HeaderTimeout: 300 * time.Millisecond}, 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs syncLog
			c.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			owners := &fakeOwners{leases: map[string]store.Lease{"s1": {SessionID: "s1", Kind: store.LeaseAssist, Node: "node-dead", NodeURL: c.url}}}
			node := forwardingNode(t, newForwarder(t, owners, c.cfg))
			for range 3 {
				start := time.Now()
				resp, err := http.Get(node.URL + "/s/s1")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if took := time.Since(start); took > c.bound {
					t.Errorf("the answer took %v, over %v", took, c.bound)
				}
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
					t.Errorf("status %d, Retry-After %q; want 503 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
				}
			}
			if n := logs.count("cannot be reached"); n != 1 {
				t.Errorf("the unreachable owner was logged %d times, want once:\n%s", n, logs.b.String())
			}
		})
	}
}

func TestNewForwarderRefusesBadInput(t *testing.T) {
	auth := mustAuth(t, testKey, "node-b", nil)
	for _, cfg := range []ForwarderConfig{
		{Owners: &fakeOwners{}},
		{Auth: auth},
		{Auth: auth, Owners: &fakeOwners{}, DialTimeout: -time.Second},
	} {
		if _, err := NewForwarder(cfg); err == nil {
			t.Errorf("NewForwarder(%+v) accepted it", cfg)
		}
	}
}
