package cluster

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestAuth(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	at := func(d time.Duration) func() time.Time { return func() time.Time { return now.Add(d) } }
	signer := mustAuth(t, key, "node-a", clock)
	cases := []struct {
		name   string
		edit   func(r *http.Request)
		verify *Auth // node-b on the same key and clock when nil
		ok     bool
	}{
		{"good", func(*http.Request) {}, nil, true},
		{"other path", func(r *http.Request) { r.URL.Path = "/api/v1/assists/other/ws" }, nil, false},
		{"other query", func(r *http.Request) { r.URL.RawQuery = "x=2" }, nil, false},
		{"other method", func(r *http.Request) { r.Method = "POST" }, nil, false},
		{"other host", func(r *http.Request) { r.Host = "evil.example" }, nil, false},
		{"client address changed", func(r *http.Request) { r.Header.Set(ClientAddrHeader, "10.9.9.9") }, nil, false},
		{"unsigned", func(r *http.Request) { r.Header.Del(Header) }, nil, false},
		{"malformed", func(r *http.Request) { r.Header.Set(Header, "v1 x") }, nil, false},
		{"other installation", func(*http.Request) {}, mustAuth(t, []byte("another key that is long enough!"), "node-b", clock), false},
		{"skew within bound", func(*http.Request) {}, mustAuth(t, key, "node-b", at(MaxSkew-time.Second)), true},
		{"stale", func(*http.Request) {}, mustAuth(t, key, "node-b", at(MaxSkew+time.Second)), false},
		{"from the future", func(*http.Request) {}, mustAuth(t, key, "node-b", at(-MaxSkew-time.Second)), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://tandem.example/api/v1/assists/abc/ws?x=1", nil)
			r.Header.Set(ClientAddrHeader, "203.0.113.7")
			signer.Sign(r)
			c.edit(r)
			v := c.verify
			if v == nil {
				v = mustAuth(t, key, "node-b", clock)
			}
			node, err := v.Verify(r)
			if c.ok != (err == nil) {
				t.Fatalf("Verify: node %q, err %v; want ok=%v", node, err, c.ok)
			}
			if c.ok && node != "node-a" {
				t.Fatalf("Verify said node %q, want node-a", node)
			}
		})
	}
}

func TestNewAuthRefusesBadInput(t *testing.T) {
	if _, err := NewAuth([]byte("short"), "node-a", nil); err == nil {
		t.Error("a short key was accepted")
	}
	if _, err := NewAuth([]byte("0123456789abcdef0123456789abcdef"), "node a", nil); err == nil {
		t.Error("a node id with a space was accepted")
	}
}

func mustAuth(t *testing.T, key []byte, id string, now func() time.Time) *Auth {
	t.Helper()
	a, err := NewAuth(key, id, now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
