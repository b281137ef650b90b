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

// Confirm asks the store, not the node's memory: it passes while the node
// holds the lease, and once another node took the lapsed lease over it
// fails with a conflict and tells the session's owner it lost it.
func TestConfirmAsksTheStore(t *testing.T) {
	ctx := t.Context()
	a, b := twoNodes(t, 300*time.Millisecond)
	var lost atomic.Int32
	if _, err := a.Acquire(ctx, "s1", store.LeaseTerminal, func() { lost.Add(1) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Confirm(ctx, "s1"); err != nil {
		t.Fatalf("the holder's confirm: %v", err)
	}
	if err := b.Confirm(ctx, "s1"); tandem.ErrorCode(err) != tandem.EConflict {
		t.Errorf("a node that never held it: %v; want a conflict", err)
	}
	// a's heartbeat does not run: the lease lapses, and b takes it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := b.Acquire(ctx, "s1", store.LeaseTerminal, nil)
		if err == nil {
			break
		}
		if tandem.ErrorCode(err) != tandem.EConflict || time.Now().After(deadline) {
			t.Fatalf("b takes the lapsed lease: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !a.Holds("s1") {
		t.Fatal("a should still believe it holds the lease: nothing told it")
	}
	if err := a.Confirm(ctx, "s1"); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("the stale holder's confirm: %v; want a conflict", err)
	}
	if lost.Load() != 1 || a.Holds("s1") {
		t.Errorf("after the failed confirm: lost told %d times, holds %v; want once, false", lost.Load(), a.Holds("s1"))
	}
	if err := b.Confirm(ctx, "s1"); err != nil {
		t.Errorf("the new holder's confirm: %v", err)
	}
}
