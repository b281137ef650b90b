package lease_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// twoNodes returns two nodes on one SQLite file, as two servers on one
// store would be.
func twoNodes(t *testing.T, ttl time.Duration) (a, b *lease.Node) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tandem.db")
	node := func(url string) *lease.Node {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		n, err := lease.New(st, url, ttl, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return node("http://a.internal:8080"), node("http://b.internal:8080")
}

// A session one node serves is refused on the other, naming the owner,
// and is free for it once released.
func TestRefusalNamesTheOwner(t *testing.T) {
	ctx := t.Context()
	a, b := twoNodes(t, time.Minute)
	if _, err := a.Acquire(ctx, "s1", store.LeaseAssist, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Refusal(ctx, "s1", "assist"); err != nil {
		t.Errorf("the owner refuses its own session: %v", err)
	}
	err := b.Refusal(ctx, "s1", "assist")
	if tandem.ErrorCode(err) != tandem.EUnavailable || !strings.Contains(err.Error(), "http://a.internal:8080") {
		t.Errorf("the other node's refusal: %v; want unavailable, naming the owner", err)
	}
	if _, err := b.Acquire(ctx, "s1", store.LeaseAssist, nil); tandem.ErrorCode(err) != tandem.EConflict {
		t.Errorf("the other node took a held lease: %v", err)
	}
	if err := a.Release(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Refusal(ctx, "s1", "assist"); err != nil {
		t.Errorf("refused after release: %v", err)
	}
	if _, err := b.Acquire(ctx, "s1", store.LeaseAssist, nil); err != nil {
		t.Errorf("the lease is not free after release: %v", err)
	}
	var single *lease.Node
	if err := single.Refusal(ctx, "s1", "assist"); err != nil {
		t.Errorf("a single server (nil node) refused: %v", err)
	}
}

// A node that stopped renewing loses its lease to another node; its next
// renewal tells the session, once, and it no longer holds it.
func TestLostLeaseIsTold(t *testing.T) {
	ctx := t.Context()
	a, b := twoNodes(t, 100*time.Millisecond)
	var lost atomic.Int32
	if _, err := a.Acquire(ctx, "s1", store.LeaseTerminal, func() { lost.Add(1) }); err != nil {
		t.Fatal(err)
	}
	// a does not renew: b takes the session over once the lease lapses.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := b.Acquire(ctx, "s1", store.LeaseTerminal, nil)
		if err == nil {
			break
		}
		if tandem.ErrorCode(err) != tandem.EConflict || time.Now().After(deadline) {
			t.Fatalf("taking over a lapsed lease: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := a.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if n := lost.Load(); n != 1 {
		t.Errorf("onLost called %d times, want once", n)
	}
	if a.Holds("s1") || !b.Holds("s1") {
		t.Errorf("after the takeover: a holds %v, b holds %v", a.Holds("s1"), b.Holds("s1"))
	}
	if err := a.Refusal(ctx, "s1", "session"); tandem.ErrorCode(err) != tandem.EUnavailable {
		t.Errorf("the old owner does not refuse the session now: %v", err)
	}
}
