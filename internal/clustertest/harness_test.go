package clustertest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/tandemhq/tandem/internal/clustertest"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// The balancer spreads connections over the ready nodes, skips a killed
// node, and sends to it again once it is back on the same ports; a node
// stops with SIGTERM and restarts.
func TestBalancerSkipsDownNodes(t *testing.T) {
	c := clustertest.New(t, clustertest.Options{})
	get := func() {
		t.Helper()
		// A fresh connection each time: the balancer picks per connection.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(c.PublicURL() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("readyz through the balancer: %d %s", resp.StatusCode, body)
		}
	}
	for range 6 {
		get()
	}
	for _, n := range c.Nodes {
		if c.HTTP.Served(n) < 2 {
			t.Fatalf("%v served %d of 6 connections; want round robin", n, c.HTTP.Served(n))
		}
	}
	a := c.Node("A")
	a.Kill()
	before := c.HTTP.Served(a)
	for range 6 {
		get()
	}
	if got := c.HTTP.Served(a); got != before {
		t.Fatalf("a killed node was sent %d connections", got-before)
	}
	a.Restart()
	if err := c.HTTP.WaitReady(t.Context(), a); err != nil {
		t.Fatal(err)
	}

	// A node stopped with SIGTERM exits cleanly, and comes back.
	b := c.Node("B")
	b.Stop()
	if b.Running() {
		t.Fatal("node B still runs after Stop")
	}
	b.Restart()
	if err := c.HTTP.WaitReady(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	c.HTTP.Pin(a)
	get()
	c.HTTP.Unpin()
	if c.HTTP.Served(a) != before+1 {
		t.Fatalf("the restarted node served %d connections, want %d", c.HTTP.Served(a), before+1)
	}
}
