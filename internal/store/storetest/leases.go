package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Node ids and URLs of the tests' nodes.
const (
	nodeA, urlA = "node-a", "http://10.0.0.1:8080"
	nodeB, urlB = "node-b", "http://10.0.0.2:8080"
	nodeC, urlC = "node-c", "https://10.0.0.3"
)

// leaseTTL is a lease that outlives any test.
const leaseTTL = time.Minute

// shortTTL is a lease that a test waits to lapse.
const shortTTL = time.Second

// acquire takes a lease that must be free, failing t otherwise.
func acquire(t *testing.T, s store.Store, session, node, url string, ttl time.Duration) store.Lease {
	t.Helper()
	l, err := s.Acquire(context.Background(), session, store.LeaseAssist, node, url, ttl)
	must(t, err, fmt.Sprintf("Acquire %s by %s", session, node))
	if l.SessionID != session || l.Node != node || l.NodeURL != url || l.Kind != store.LeaseAssist || !l.Live() {
		t.Fatalf("Acquire %s by %s = %+v", session, node, l)
	}
	return l
}

// leaseOf returns the stored lease of session.
func leaseOf(t *testing.T, s store.Store, session string) store.Lease {
	t.Helper()
	l, err := s.LeaseOf(context.Background(), session)
	must(t, err, "LeaseOf "+session)
	return l
}

// waitLapsed polls until the database says the lease of session has
// lapsed, and returns it; a lease lapses by the database's clock, which the
// test cannot move.
func waitLapsed(t *testing.T, s store.Store, session string) store.Lease {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		l := leaseOf(t, s, session)
		if l.Remaining <= 0 {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lease of %s has not lapsed after 30 s: %+v", session, l)
		}
		// Poll a little faster than the lease runs out.
		time.Sleep(min(l.Remaining/4+time.Millisecond, 50*time.Millisecond))
	}
}

// wantRemaining fails t unless l has about ttl left, by the database.
func wantRemaining(t *testing.T, l store.Lease, ttl time.Duration, what string) {
	t.Helper()
	if l.Remaining <= 0 || l.Remaining > ttl {
		t.Errorf("%s: %v remaining, want up to %v", what, l.Remaining, ttl)
	}
}

func testLeaseLifecycle(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.LeaseOf(ctx, "assist-1")
	wantCode(t, err, tandem.ENotFound, "LeaseOf a session never leased")

	a := acquire(t, s, "assist-1", nodeA, urlA, leaseTTL)
	if a.Token <= 0 {
		t.Errorf("first token %d, want positive", a.Token)
	}
	wantRemaining(t, a, leaseTTL, "Acquire")
	if got := leaseOf(t, s, "assist-1"); got.Token != a.Token || got.Node != nodeA || got.NodeURL != urlA || got.Kind != store.LeaseAssist || !got.Live() {
		t.Errorf("LeaseOf = %+v, want what Acquire returned, %+v", got, a)
	}

	// Acquiring it again renews it: same token, the new URL.
	again, err := s.Acquire(ctx, "assist-1", store.LeaseAssist, nodeA, "http://10.0.0.9:8080", leaseTTL)
	must(t, err, "Acquire by the holder")
	if again.Token != a.Token || again.NodeURL != "http://10.0.0.9:8080" {
		t.Errorf("Acquire by the holder = %+v, want token %d kept and the new URL", again, a.Token)
	}

	// Another node is told who owns it, and where.
	owner, err := s.Acquire(ctx, "assist-1", store.LeaseAssist, nodeB, urlB, leaseTTL)
	wantCode(t, err, tandem.EConflict, "Acquire of a held lease")
	if err != nil && !strings.Contains(err.Error(), nodeA) {
		t.Errorf("the conflict %q does not name the owner %s", err, nodeA)
	}
	if owner.Node != nodeA || owner.NodeURL != "http://10.0.0.9:8080" || owner.Token != a.Token {
		t.Errorf("the conflict returned %+v, want the owner's lease", owner)
	}
	// Held with another kind by its own node: a mix-up, refused.
	_, err = s.Acquire(ctx, "assist-1", store.LeaseTerminal, nodeA, urlA, leaseTTL)
	wantCode(t, err, tandem.EConflict, "Acquire of an assist's lease as a terminal's")

	r, err := s.Renew(ctx, "assist-1", nodeA, a.Token, 2*leaseTTL)
	must(t, err, "Renew")
	if r.Token != a.Token || r.Node != nodeA || r.Remaining <= leaseTTL {
		t.Errorf("Renew = %+v, want the same token with %v left", r, 2*leaseTTL)
	}
	_, err = s.Renew(ctx, "assist-1", nodeA, a.Token+1, leaseTTL)
	wantCode(t, err, tandem.EConflict, "Renew with another token")
	_, err = s.Renew(ctx, "assist-1", nodeB, a.Token, leaseTTL)
	wantCode(t, err, tandem.EConflict, "Renew by another node")
	_, err = s.Renew(ctx, "nobody", nodeA, 1, leaseTTL)
	wantCode(t, err, tandem.ENotFound, "Renew of a session never leased")

	// Releasing with a wrong token or node changes nothing.
	must(t, s.Release(ctx, "assist-1", nodeA, a.Token+1), "Release with another token")
	must(t, s.Release(ctx, "assist-1", nodeB, a.Token), "Release by another node")
	if got := leaseOf(t, s, "assist-1"); got.Node != nodeA || !got.Live() {
		t.Fatalf("after releases by others the lease is %+v, want still node A's", got)
	}
	must(t, s.Release(ctx, "assist-1", nodeA, a.Token), "Release")
	must(t, s.Release(ctx, "assist-1", nodeA, a.Token), "Release again")
	must(t, s.Release(ctx, "nobody", nodeA, 1), "Release of a session never leased")
	rel := leaseOf(t, s, "assist-1")
	if rel.Node != "" || rel.NodeURL != "" || rel.Live() || rel.Token != a.Token {
		t.Errorf("released lease = %+v, want no owner, token %d kept", rel, a.Token)
	}
	_, err = s.Renew(ctx, "assist-1", nodeA, a.Token, leaseTTL)
	wantCode(t, err, tandem.EConflict, "Renew after Release")
	if ex, err := s.ExpiredLeases(ctx, 0); err != nil || len(ex) != 0 {
		t.Errorf("ExpiredLeases = %+v, %v; a released lease is not lapsed", ex, err)
	}

	// A released lease is free at once, to the next owner with a greater token.
	b := acquire(t, s, "assist-1", nodeB, urlB, leaseTTL)
	if b.Token <= a.Token {
		t.Errorf("token after a release %d, want greater than %d", b.Token, a.Token)
	}
	term, err := s.Acquire(ctx, "terminal-1", store.LeaseTerminal, nodeC, urlC, leaseTTL)
	must(t, err, "Acquire a terminal session's lease")
	if term.Kind != store.LeaseTerminal || leaseOf(t, s, "terminal-1").Kind != store.LeaseTerminal {
		t.Errorf("terminal lease = %+v, want kind terminal", term)
	}
}

func testLeaseValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	long := strings.Repeat("x", 4096)
	bad := []struct {
		what          string
		session, node string
		kind          store.LeaseKind
		url           string
		ttl           time.Duration
	}{
		{"no session", "", nodeA, store.LeaseAssist, urlA, leaseTTL},
		{"a huge session id", long, nodeA, store.LeaseAssist, urlA, leaseTTL},
		{"no node", "s1", "", store.LeaseAssist, urlA, leaseTTL},
		{"a huge node id", "s1", long, store.LeaseAssist, urlA, leaseTTL},
		{"another kind", "s1", nodeA, "page", urlA, leaseTTL},
		{"no kind", "s1", nodeA, "", urlA, leaseTTL},
		{"no URL", "s1", nodeA, store.LeaseAssist, "", leaseTTL},
		{"a relative URL", "s1", nodeA, store.LeaseAssist, "/node", leaseTTL},
		{"an ftp URL", "s1", nodeA, store.LeaseAssist, "ftp://10.0.0.1", leaseTTL},
		{"a URL with credentials", "s1", nodeA, store.LeaseAssist, "http://u:p@10.0.0.1", leaseTTL},
		{"a URL with a query", "s1", nodeA, store.LeaseAssist, "http://10.0.0.1/?x=1", leaseTTL},
		{"a huge URL", "s1", nodeA, store.LeaseAssist, "http://h/" + long, leaseTTL},
		{"no ttl", "s1", nodeA, store.LeaseAssist, urlA, 0},
		{"a negative ttl", "s1", nodeA, store.LeaseAssist, urlA, -time.Second},
		{"a ttl under a millisecond", "s1", nodeA, store.LeaseAssist, urlA, time.Microsecond},
		{"a ttl of a fraction of a millisecond", "s1", nodeA, store.LeaseAssist, urlA, 1500 * time.Microsecond},
		{"a ttl over the maximum", "s1", nodeA, store.LeaseAssist, urlA, store.MaxLeaseTTL + time.Millisecond},
	}
	for _, c := range bad {
		_, err := s.Acquire(ctx, c.session, c.kind, c.node, c.url, c.ttl)
		wantCode(t, err, tandem.EInvalid, "Acquire with "+c.what)
	}
	_, err := s.LeaseOf(ctx, "s1")
	wantCode(t, err, tandem.ENotFound, "LeaseOf after refused acquires")

	l := acquire(t, s, "s1", nodeA, urlA, leaseTTL)
	for _, ttl := range []time.Duration{0, -1, store.MaxLeaseTTL + time.Millisecond} {
		_, err := s.Renew(ctx, "s1", nodeA, l.Token, ttl)
		wantCode(t, err, tandem.EInvalid, fmt.Sprintf("Renew for %v", ttl))
		_, err = s.RenewAll(ctx, nodeA, ttl)
		wantCode(t, err, tandem.EInvalid, fmt.Sprintf("RenewAll for %v", ttl))
	}
	_, err = s.Renew(ctx, "", nodeA, l.Token, leaseTTL)
	wantCode(t, err, tandem.EInvalid, "Renew of no session")
	_, err = s.Renew(ctx, "s1", "", l.Token, leaseTTL)
	wantCode(t, err, tandem.EInvalid, "Renew by no node")
	_, err = s.RenewAll(ctx, "", leaseTTL)
	wantCode(t, err, tandem.EInvalid, "RenewAll of no node")
	wantCode(t, s.Release(ctx, "", nodeA, l.Token), tandem.EInvalid, "Release of no session")
	wantCode(t, s.Release(ctx, "s1", "", l.Token), tandem.EInvalid, "Release by no node")
	_, err = s.LeaseOf(ctx, "")
	wantCode(t, err, tandem.EInvalid, "LeaseOf no session")
	for _, limit := range []int{-1, store.MaxLeaseBatch + 1} {
		_, err := s.ExpiredLeases(ctx, limit)
		wantCode(t, err, tandem.EInvalid, fmt.Sprintf("ExpiredLeases(%d)", limit))
	}
	// None of it changed the lease.
	if got := leaseOf(t, s, "s1"); got.Node != nodeA || got.Token != l.Token || !got.ExpiresAt.Equal(l.ExpiresAt) {
		t.Errorf("after refused calls the lease is %+v, want %+v", got, l)
	}
}

// testLeaseExpiry: a lapsed lease is no one's: its holder cannot renew it,
// sweeps list it, and any node may take it, with a new token.
func testLeaseExpiry(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := acquire(t, s, "assist-1", nodeA, urlA, leaseTTL)
	_, err := s.Acquire(ctx, "assist-1", store.LeaseAssist, nodeB, urlB, leaseTTL)
	wantCode(t, err, tandem.EConflict, "Acquire of a live lease")
	if ex, err := s.ExpiredLeases(ctx, 10); err != nil || len(ex) != 0 {
		t.Errorf("ExpiredLeases before the lease lapsed = %+v, %v", ex, err)
	}
	// Renewing sets the lease to ttl from now, shorter too.
	short, err := s.Renew(ctx, "assist-1", nodeA, a.Token, shortTTL)
	must(t, err, "Renew for 1s")
	wantRemaining(t, short, shortTTL, "Renew for 1s")

	lapsed := waitLapsed(t, s, "assist-1")
	if lapsed.Live() || lapsed.Node != nodeA || lapsed.Token != a.Token {
		t.Errorf("lapsed lease = %+v, want node A's, not live", lapsed)
	}
	ex, err := s.ExpiredLeases(ctx, 10)
	must(t, err, "ExpiredLeases")
	if len(ex) != 1 || ex[0].SessionID != "assist-1" || ex[0].Node != nodeA || ex[0].NodeURL != urlA || ex[0].Remaining > 0 {
		t.Errorf("ExpiredLeases = %+v, want node A's lapsed lease of assist-1", ex)
	}
	_, err = s.Renew(ctx, "assist-1", nodeA, a.Token, leaseTTL)
	wantCode(t, err, tandem.EConflict, "Renew of a lapsed lease")
	if err != nil && !strings.Contains(err.Error(), "lapsed") {
		t.Errorf("Renew of a lapsed lease: %q does not say it lapsed", err)
	}
	if got, err := s.RenewAll(ctx, nodeA, leaseTTL); err != nil || len(got) != 0 {
		t.Errorf("RenewAll of a node whose lease lapsed = %+v, %v; want nothing renewed", got, err)
	}

	b := acquire(t, s, "assist-1", nodeB, urlB, leaseTTL)
	if b.Token <= a.Token {
		t.Errorf("token of the takeover %d, want greater than %d", b.Token, a.Token)
	}
	if ex, err := s.ExpiredLeases(ctx, 10); err != nil || len(ex) != 0 {
		t.Errorf("ExpiredLeases after the takeover = %+v, %v", ex, err)
	}
	// The old holder's release does not free the new owner's lease.
	must(t, s.Release(ctx, "assist-1", nodeA, a.Token), "Release by the old holder")
	if got := leaseOf(t, s, "assist-1"); got.Node != nodeB || !got.Live() {
		t.Errorf("after the old holder's release the lease is %+v, want node B's", got)
	}

	// A holder whose lease lapsed and that takes it again gets a new token:
	// a sweep may have acted on the lapse in between.
	c := acquire(t, s, "assist-2", nodeC, urlC, time.Millisecond)
	waitLapsed(t, s, "assist-2")
	c2 := acquire(t, s, "assist-2", nodeC, urlC, leaseTTL)
	if c2.Token <= c.Token {
		t.Errorf("token after re-taking a lapsed lease %d, want greater than %d", c2.Token, c.Token)
	}
}

// testLeaseFencing: the token strictly grows at each new owner, however
// the lease changed hands, and every earlier holder has lost it.
func testLeaseFencing(t *testing.T, s store.Store) {
	ctx := context.Background()
	type hold struct {
		node  string
		token int64
	}
	var holds []hold
	take := func(node, url string, ttl time.Duration) store.Lease {
		l := acquire(t, s, "assist-1", node, url, ttl)
		if len(holds) > 0 && l.Token <= holds[len(holds)-1].token {
			t.Errorf("owner %d (%s) got token %d, want greater than %d", len(holds), node, l.Token, holds[len(holds)-1].token)
		}
		holds = append(holds, hold{node, l.Token})
		return l
	}
	take(nodeA, urlA, time.Millisecond)
	waitLapsed(t, s, "assist-1")
	b := take(nodeB, urlB, leaseTTL) // took a lapsed lease
	must(t, s.Release(ctx, "assist-1", nodeB, b.Token), "Release")
	take(nodeC, urlC, time.Millisecond) // took a released lease
	waitLapsed(t, s, "assist-1")
	take(nodeA, urlA, time.Millisecond) // the first owner again
	waitLapsed(t, s, "assist-1")
	last := take(nodeA, urlA, leaseTTL) // the same owner after its own lapse
	for _, h := range holds[:len(holds)-1] {
		if _, err := s.Renew(ctx, "assist-1", h.node, h.token, leaseTTL); tandem.ErrorCode(err) != tandem.EConflict {
			t.Errorf("Renew by %s with old token %d: %v, want a conflict", h.node, h.token, err)
		}
		must(t, s.Release(ctx, "assist-1", h.node, h.token), "Release with an old token")
	}
	if got := leaseOf(t, s, "assist-1"); got.Token != last.Token || got.Node != nodeA || !got.Live() {
		t.Errorf("after old holders' calls the lease is %+v, want %+v", got, last)
	}
}

// testRenewAll: a node's heartbeat renews its own live leases, only them.
func testRenewAll(t *testing.T, s store.Store) {
	ctx := context.Background()
	var mine []store.Lease
	for _, id := range []string{"s3", "s1", "s2"} {
		mine = append(mine, acquire(t, s, id, nodeA, urlA, leaseTTL))
	}
	gone := acquire(t, s, "s4", nodeA, urlA, leaseTTL)
	must(t, s.Release(ctx, "s4", nodeA, gone.Token), "Release")
	acquire(t, s, "s5", nodeA, urlA, time.Millisecond)
	other := acquire(t, s, "s6", nodeB, urlB, leaseTTL)
	waitLapsed(t, s, "s5")

	got, err := s.RenewAll(ctx, nodeA, 3*leaseTTL)
	must(t, err, "RenewAll")
	var ids []string
	for _, l := range got {
		ids = append(ids, l.SessionID)
		if l.Node != nodeA || l.Remaining <= 2*leaseTTL || l.Remaining > 3*leaseTTL {
			t.Errorf("RenewAll returned %+v, want node A's with about %v left", l, 3*leaseTTL)
		}
	}
	if strings.Join(ids, ",") != "s1,s2,s3" {
		t.Errorf("RenewAll renewed %v, want s1,s2,s3 (not the released s4 nor the lapsed s5)", ids)
	}
	for _, l := range mine {
		if now := leaseOf(t, s, l.SessionID); now.Token != l.Token || now.Remaining <= 2*leaseTTL {
			t.Errorf("after RenewAll %s is %+v, want token %d with about %v left", l.SessionID, now, l.Token, 3*leaseTTL)
		}
	}
	if now := leaseOf(t, s, "s6"); !now.ExpiresAt.Equal(other.ExpiresAt) || now.Node != nodeB {
		t.Errorf("node B's lease became %+v in node A's heartbeat, want %+v", now, other)
	}
	if now := leaseOf(t, s, "s5"); now.Live() {
		t.Errorf("the lapsed s5 came back to life: %+v", now)
	}
	if got, err := s.RenewAll(ctx, "node-z", leaseTTL); err != nil || len(got) != 0 {
		t.Errorf("RenewAll of a node with no leases = %+v, %v", got, err)
	}
}

// testExpiredOrder: sweeps get the longest lapsed first, a batch at a time.
func testExpiredOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 7
	for i := range n {
		acquire(t, s, fmt.Sprintf("s%d", i), nodeA, urlA, time.Millisecond)
	}
	acquire(t, s, "live", nodeB, urlB, leaseTTL)
	for i := range n {
		waitLapsed(t, s, fmt.Sprintf("s%d", i))
	}
	all, err := s.ExpiredLeases(ctx, 0)
	must(t, err, "ExpiredLeases")
	if len(all) != n {
		t.Fatalf("ExpiredLeases = %d leases, want %d", len(all), n)
	}
	for i := 1; i < len(all); i++ {
		p, c := all[i-1], all[i]
		if c.ExpiresAt.Before(p.ExpiresAt) || (c.ExpiresAt.Equal(p.ExpiresAt) && c.SessionID < p.SessionID) {
			t.Errorf("ExpiredLeases lists %s (%v) after %s (%v), want oldest expiry first", c.SessionID, c.ExpiresAt, p.SessionID, p.ExpiresAt)
		}
	}
	three, err := s.ExpiredLeases(ctx, 3)
	must(t, err, "ExpiredLeases(3)")
	if len(three) != 3 || three[0].SessionID != all[0].SessionID || three[2].SessionID != all[2].SessionID {
		t.Errorf("ExpiredLeases(3) = %+v, want the first three of %+v", three, all)
	}
}

// testLeaseLapse: a lease handed over (Lapse) is lapsed at once, as a dead
// node's: listed as expired, by how long it has been lapsed, and free to
// the next owner with a greater token. Only its holder, with its token,
// can make it lapse.
func testLeaseLapse(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := acquire(t, s, "assist-1", nodeA, urlA, leaseTTL)
	must(t, s.Lapse(ctx, "assist-1", nodeA, a.Token+1), "Lapse with another token")
	must(t, s.Lapse(ctx, "assist-1", nodeB, a.Token), "Lapse by another node")
	must(t, s.Lapse(ctx, "nobody", nodeA, 1), "Lapse of a session never leased")
	if got := leaseOf(t, s, "assist-1"); got.Node != nodeA || !got.Live() {
		t.Fatalf("after others' Lapse the lease is %+v, want node A's, live", got)
	}
	wantCode(t, s.Lapse(ctx, "", nodeA, 1), tandem.EInvalid, "Lapse without a session")
	wantCode(t, s.Lapse(ctx, "assist-1", "", a.Token), tandem.EInvalid, "Lapse without a node")

	must(t, s.Lapse(ctx, "assist-1", nodeA, a.Token), "Lapse")
	got := leaseOf(t, s, "assist-1")
	if got.Node != nodeA || got.Token != a.Token || got.Live() || got.Remaining > 0 {
		t.Fatalf("lapsed lease = %+v, want node A's, token %d, not live", got, a.Token)
	}
	if _, err := s.Renew(ctx, "assist-1", nodeA, a.Token, leaseTTL); tandem.ErrorCode(err) != tandem.EConflict {
		t.Errorf("Renew after Lapse: %v, want a conflict (its holder gave it up)", err)
	}
	ex, err := s.ExpiredLeases(ctx, 0)
	must(t, err, "ExpiredLeases")
	if len(ex) != 1 || ex[0].SessionID != "assist-1" || ex[0].Remaining > 0 {
		t.Fatalf("ExpiredLeases = %+v, want the lapsed lease", ex)
	}
	// Remaining says how long ago it lapsed, by the database's clock.
	deadline := time.Now().Add(30 * time.Second)
	for {
		l := leaseOf(t, s, "assist-1")
		if l.Remaining <= -20*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after it lapsed, the lease has %v remaining", l.Remaining)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Lapsing again changes nothing: a lapsed lease keeps when it lapsed.
	before := leaseOf(t, s, "assist-1")
	must(t, s.Lapse(ctx, "assist-1", nodeA, a.Token), "Lapse again")
	if after := leaseOf(t, s, "assist-1"); !after.ExpiresAt.Equal(before.ExpiresAt) {
		t.Errorf("Lapse of a lapsed lease moved its expiry from %v to %v", before.ExpiresAt, after.ExpiresAt)
	}
	b := acquire(t, s, "assist-1", nodeB, urlB, leaseTTL)
	if b.Token <= a.Token {
		t.Errorf("the next owner's token %d is not above %d", b.Token, a.Token)
	}
}
