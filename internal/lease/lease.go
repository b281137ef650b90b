// Package lease keeps the leases of the live sessions that this node owns:
// it takes a session's lease before the session starts here, gives it up
// when the session ends, renews all of them together (the heartbeat), and
// tells the session's owner when a lease was lost, so that it stops
// serving a session that another node may now own.
//
// Leases are decided by the store's clock (see store.Leases): this package
// measures only durations, with its own monotonic clock.
package lease

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// DefaultTTL is how long a lease lasts without being renewed: the bound on
// how long a dead node's sessions stay without an owner.
const DefaultTTL = 10 * time.Second

// Store is the part of the store that leases need.
type Store interface {
	Acquire(ctx context.Context, sessionID string, kind store.LeaseKind, node, nodeURL string, ttl time.Duration) (store.Lease, error)
	Release(ctx context.Context, sessionID, node string, token int64) error
	Lapse(ctx context.Context, sessionID, node string, token int64) error
	LeaseOf(ctx context.Context, sessionID string) (store.Lease, error)
	ExpiredLeases(ctx context.Context, limit int) ([]store.Lease, error)
	RenewAll(ctx context.Context, node string, ttl time.Duration) ([]store.Lease, error)
}

// Node is one run of a Tandem server holding leases. Its methods are safe
// for concurrent use; none holds a lock while it calls the store.
type Node struct {
	id, url string
	ttl     time.Duration
	st      Store
	log     *slog.Logger

	mu   sync.Mutex
	held map[string]*held
	// lastRenewed is when the heartbeat last heard from the store; once a
	// TTL has passed without it, every lease may have lapsed.
	lastRenewed time.Time
}

// held is a lease this node holds and the function to call if it is lost.
type held struct {
	token  int64
	onLost func()
	// at is when it was taken: a RenewAll that began before then may not
	// list it, and that does not mean it was lost.
	at time.Time
}

// NewID returns a new node id: random, so that each run of a server has
// its own, and a restarted node does not renew its last run's leases.
func NewID() string { return "node-" + strings.ToLower(rand.Text()) }

// New returns a node with a new id, reachable by other nodes at url, whose
// leases last ttl (DefaultTTL when 0).
func New(st Store, url string, ttl time.Duration, log *slog.Logger) (*Node, error) {
	if ttl == 0 {
		ttl = DefaultTTL
	}
	n := &Node{id: NewID(), url: strings.TrimSuffix(url, "/"), ttl: ttl, st: st, log: log, held: make(map[string]*held), lastRenewed: time.Now()}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	// The arguments every Acquire will pass, checked once: bad input is
	// refused at start, not on a person's first request.
	if err := store.CheckAcquire("check", store.LeaseAssist, n.id, n.url, ttl); err != nil {
		return nil, err
	}
	if ttl < 30*time.Millisecond {
		return nil, tandem.Errorf(tandem.EInvalid, "lease TTL %v is shorter than 30ms", ttl)
	}
	return n, nil
}

// ID is this node's id.
func (n *Node) ID() string { return n.id }

// URL is how other nodes reach this one.
func (n *Node) URL() string { return n.url }

// TTL is how long a lease lasts unrenewed.
func (n *Node) TTL() time.Duration { return n.ttl }

// Acquire takes the lease of a session that is starting on this node (or
// that this node takes over). onLost, if not nil, is called (from the
// heartbeat, once) if the lease is lost while held. When another node holds
// it, the error is tandem.EConflict (see ServedElsewhere) and the owner's
// lease is returned.
func (n *Node) Acquire(ctx context.Context, id string, kind store.LeaseKind, onLost func()) (store.Lease, error) {
	l, err := n.st.Acquire(ctx, id, kind, n.id, n.url, n.ttl)
	if err != nil {
		return l, fmt.Errorf("take the lease of session %s: %w", id, err)
	}
	n.mu.Lock()
	n.held[id] = &held{token: l.Token, onLost: onLost, at: time.Now()}
	n.mu.Unlock()
	return l, nil
}

// Release gives up the lease of a session that ended here; a lease not
// held is not an error.
func (n *Node) Release(ctx context.Context, id string) error {
	return n.giveUp(ctx, id, "release", n.st.Release)
}

// Handover gives up the lease of a session that a draining node stops
// serving without ending it: the lease lapses at once, so that the node its
// clients reconnect to takes the session over, and a sweep ends it after
// its grace if none does. A lease not held is not an error.
func (n *Node) Handover(ctx context.Context, id string) error {
	return n.giveUp(ctx, id, "hand over", n.st.Lapse)
}

// giveUp stops holding the lease of session id and tells the store with
// do (Release or Lapse), naming what failed with verb.
func (n *Node) giveUp(ctx context.Context, id, verb string, do func(ctx context.Context, sessionID, node string, token int64) error) error {
	n.mu.Lock()
	h := n.held[id]
	delete(n.held, id)
	n.mu.Unlock()
	if h == nil {
		return nil
	}
	if err := do(ctx, id, n.id, h.token); err != nil {
		return fmt.Errorf("%s the lease of session %s: %w", verb, id, err)
	}
	return nil
}

// Forget stops renewing the lease of session id without releasing it: it
// lapses within a TTL, and a sweep then ends the session (its end could not
// be stored here).
func (n *Node) Forget(id string) {
	n.mu.Lock()
	delete(n.held, id)
	n.mu.Unlock()
}

// Holds reports whether this node holds the lease of session id.
func (n *Node) Holds(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.held[id] != nil
}

// Owner returns the lease of session id if another node holds it live;
// ok is false when nobody else serves it (no lease, lapsed, released, or
// this node's).
func (n *Node) Owner(ctx context.Context, id string) (l store.Lease, ok bool, err error) {
	l, err = n.st.LeaseOf(ctx, id)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return store.Lease{}, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("read the lease of session %s: %w", id, err)
	}
	return l, l.Live() && l.Node != n.id, nil
}

// Confirm checks, in the store, that this node still holds the lease of
// session id, just before it writes what only the owner may write (the
// session's end). Its heartbeat may not have noticed yet that the lease
// lapsed and another node took the session over (a long pause, a store
// that answered late): then the error is tandem.EConflict and this node
// stops serving the session as if the heartbeat had lost it. Other errors
// are the store's.
func (n *Node) Confirm(ctx context.Context, id string) error {
	n.mu.Lock()
	h := n.held[id]
	n.mu.Unlock()
	if h == nil {
		return tandem.Errorf(tandem.EConflict, "this node no longer holds the lease of session %s", id)
	}
	l, err := n.st.LeaseOf(ctx, id)
	if err != nil {
		return fmt.Errorf("confirm the lease of session %s: %w", id, err)
	}
	if l.Node != n.id || l.Token != h.token || !l.Live() {
		n.mu.Lock()
		var lost func()
		if n.held[id] == h {
			lost = n.loseLocked(id, h)
		}
		n.mu.Unlock()
		if lost != nil {
			lost()
		}
		return tandem.Errorf(tandem.EConflict, "session %s is served by another node now", id)
	}
	return nil
}

// HasLease reports whether session id ever had a lease: a live session
// without one was started by a Tandem from before leases.
func (n *Node) HasLease(ctx context.Context, id string) (bool, error) {
	_, err := n.st.LeaseOf(ctx, id)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the lease of session %s: %w", id, err)
	}
	return true, nil
}

// Expired returns the leases of kind whose holder let them lapse (its node
// died or lost the store), longest lapsed first, skipping those of
// sessions this node holds: its heartbeat handles those.
func (n *Node) Expired(ctx context.Context, kind store.LeaseKind) ([]store.Lease, error) {
	all, err := n.st.ExpiredLeases(ctx, store.MaxLeaseBatch)
	if err != nil {
		return nil, fmt.Errorf("list expired leases: %w", err)
	}
	var out []store.Lease
	for _, l := range all {
		if l.Kind == kind && !n.Holds(l.SessionID) {
			out = append(out, l)
		}
	}
	return out, nil
}

// Renew renews every lease this node holds (one statement), and calls the
// onLost of each lease that was not renewed. When the store does not
// answer for a whole TTL, every lease is taken as lost: another node may
// have taken them over meanwhile.
func (n *Node) Renew(ctx context.Context) error {
	start := time.Now()
	renewed, err := n.st.RenewAll(ctx, n.id, n.ttl)
	n.mu.Lock()
	var lost []func()
	switch {
	case err == nil:
		n.lastRenewed = start
		kept := make(map[string]int64, len(renewed))
		for _, l := range renewed {
			kept[l.SessionID] = l.Token
		}
		for id, h := range n.held {
			// A lease taken after RenewAll began may be missing from its
			// answer; it is not lost, and the next round renews it.
			if tok, ok := kept[id]; (!ok || tok != h.token) && h.at.Before(start) {
				lost = append(lost, n.loseLocked(id, h))
			}
		}
	case time.Since(n.lastRenewed) >= n.ttl:
		for id, h := range n.held {
			lost = append(lost, n.loseLocked(id, h))
		}
	}
	n.mu.Unlock()
	for _, f := range lost {
		if f != nil {
			f()
		}
	}
	if err != nil {
		return fmt.Errorf("renew leases of node %s: %w", n.id, err)
	}
	return nil
}

func (n *Node) loseLocked(id string, h *held) func() {
	delete(n.held, id)
	n.log.Warn("lease lost: this node no longer serves the session", "session", id, "node", n.id)
	return h.onLost
}

// Heartbeat renews this node's leases every TTL/3 until ctx ends.
func (n *Node) Heartbeat(ctx context.Context) {
	t := time.NewTicker(n.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, n.ttl/3)
		if err := n.Renew(rctx); err != nil && ctx.Err() == nil {
			n.log.Error("lease heartbeat failed", "err", err)
		}
		cancel()
	}
}

// Refusal is the error for a client of session id (an "assist" or a
// "session", as what names it) that is not running on this node: a clear
// refusal when another live node holds its lease, nil when none does. A
// nil Node is a single server: nothing is served elsewhere.
func (n *Node) Refusal(ctx context.Context, id, what string) error {
	if n == nil {
		return nil
	}
	owner, ok, err := n.Owner(ctx, id)
	if err != nil {
		return err
	}
	if ok {
		return ServedElsewhere(what, owner)
	}
	return nil
}

// ServedElsewhere is the error of a client that reached this node for a
// session another node serves.
func ServedElsewhere(what string, owner store.Lease) error {
	return tandem.Errorf(tandem.EUnavailable, "this %s is served by another node (%s)", what, owner.NodeURL)
}
