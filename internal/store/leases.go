package store

import (
	"context"
	"net/url"
	"time"

	"github.com/tandemhq/tandem"
)

// LeaseKind says what kind of session a lease is for.
type LeaseKind string

// The kinds of session that have an owner node.
const (
	LeaseAssist   LeaseKind = "assist"
	LeaseTerminal LeaseKind = "terminal"
)

// Bounds of the arguments of the lease methods.
const (
	// MaxLeaseTTL is the longest a lease may be taken or renewed for: a
	// longer one would leave a dead node's sessions without an owner for
	// longer than anyone should wait.
	MaxLeaseTTL = 10 * time.Minute
	// MaxLeaseBatch is the most leases one ExpiredLeases returns.
	MaxLeaseBatch = 1000
	// maxLeaseField is the longest session id, node id or node URL.
	maxLeaseField = 2048
)

// Lease says which node owns a live assist or terminal session. Its times
// are the database's: nodes' clocks may disagree by seconds, so no node
// compares ExpiresAt with its own clock; it uses Remaining, a duration,
// against its own monotonic clock.
type Lease struct {
	SessionID string
	Kind      LeaseKind
	// Node is the owner's id, "" once the lease is released. A node's id
	// names one run of the process: a restarted node takes a new one, so
	// that it does not keep alive (RenewAll) the leases of its last run.
	Node string
	// NodeURL is how other nodes reach the owner, to forward its clients.
	NodeURL string
	// Token is the fencing token: it grows every time the lease is taken
	// anew (by another node, or by the same node after it lapsed or was
	// released), and stays while its holder renews it. What an owner
	// writes on the session's behalf can be checked against it.
	Token int64
	// ExpiresAt is when the lease lapses, by the database's clock.
	ExpiresAt time.Time
	// Remaining is how long the lease had left when the database
	// answered; zero or negative once it has lapsed.
	Remaining time.Duration
}

// Live reports whether the lease had an owner and had not lapsed when the
// database answered.
func (l Lease) Live() bool { return l.Node != "" && l.Remaining > 0 }

// Leases are the record of which node owns each live session. Expiry is
// decided by the database's clock, in the statement that reads or changes
// a lease, never by a time that a node passes in.
type Leases interface {
	// Acquire takes the lease of sessionID for node, reachable at nodeURL,
	// for ttl: when there is none, when it has lapsed or was released (the
	// token grows), or when node holds it already (it is renewed, the token
	// kept, the URL updated). When another node holds it, the error is
	// tandem.EConflict naming that node, and the Lease returned is the
	// owner's, so that the caller can forward to it.
	Acquire(ctx context.Context, sessionID string, kind LeaseKind, node, nodeURL string, ttl time.Duration) (Lease, error)
	// Renew extends the lease to ttl from now, if node still holds it with
	// token and it has not lapsed; otherwise the lease is lost, and the
	// error is tandem.EConflict (tandem.ENotFound when sessionID never had
	// one). A lapsed lease is not renewed even if nobody took it: a sweep
	// may have seen it lapse; its holder must Acquire it anew.
	Renew(ctx context.Context, sessionID, node string, token int64, ttl time.Duration) (Lease, error)
	// Release gives the lease up, when node holds it with token (the
	// session ended, or the node drains): it is free at once, its token
	// kept so that the next owner's is greater. Releasing a lease not held
	// with that token (released already, taken over, never taken) changes
	// nothing and is not an error.
	Release(ctx context.Context, sessionID, node string, token int64) error
	// Lapse ends the lease now without releasing it, when node holds it
	// with token: a draining node hands its live sessions over this way.
	// The lease is then as a dead node's: free to the next owner (its
	// token grows), and listed by ExpiredLeases, so that a sweep ends the
	// session if none of its clients comes back to another node in time.
	// A lease not held with that token is left as it is, and that is not
	// an error.
	Lapse(ctx context.Context, sessionID, node string, token int64) error
	// LeaseOf returns the lease of sessionID, held, lapsed or released;
	// tandem.ENotFound when it never had one.
	LeaseOf(ctx context.Context, sessionID string) (Lease, error)
	// ExpiredLeases returns up to limit leases whose holder let them
	// lapse without releasing them (its node died or lost the database),
	// longest lapsed first: the sessions that a start-up or takeover sweep
	// must take over (Acquire) or end. Released leases are not listed.
	ExpiredLeases(ctx context.Context, limit int) ([]Lease, error)
	// RenewAll extends every lease that node holds and that has not
	// lapsed to ttl from now, in one statement (a node's heartbeat), and
	// returns them. A lease of node's that is not returned is lost.
	RenewAll(ctx context.Context, node string, ttl time.Duration) ([]Lease, error)
}

// CheckAcquire validates the arguments of Acquire.
func CheckAcquire(sessionID string, kind LeaseKind, node, nodeURL string, ttl time.Duration) error {
	if kind != LeaseAssist && kind != LeaseTerminal {
		return tandem.Errorf(tandem.EInvalid, "lease kind %q is not %q or %q", kind, LeaseAssist, LeaseTerminal)
	}
	if err := checkLeaseField("session id", sessionID); err != nil {
		return err
	}
	if err := CheckLeaseHolder(node, ttl); err != nil {
		return err
	}
	if err := checkLeaseField("node URL", nodeURL); err != nil {
		return err
	}
	u, err := url.Parse(nodeURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return tandem.Errorf(tandem.EInvalid, "node URL %q is not an http or https URL such as http://10.0.0.5:8080", nodeURL)
	}
	return nil
}

// CheckLeaseHolder validates a node id and a lease duration (RenewAll's
// arguments; Renew's besides the session).
func CheckLeaseHolder(node string, ttl time.Duration) error {
	if err := checkLeaseField("node id", node); err != nil {
		return err
	}
	if ttl < time.Millisecond || ttl > MaxLeaseTTL || ttl%time.Millisecond != 0 {
		return tandem.Errorf(tandem.EInvalid, "lease duration %v is not a whole number of milliseconds from 1ms to %v", ttl, MaxLeaseTTL)
	}
	return nil
}

// CheckLeaseBatch validates ExpiredLeases's limit, returning the limit to
// use: 0 means MaxLeaseBatch.
func CheckLeaseBatch(limit int) (int, error) {
	if limit < 0 || limit > MaxLeaseBatch {
		return 0, tandem.Errorf(tandem.EInvalid, "lease batch %d is not from 1 to %d (or 0 for %d)", limit, MaxLeaseBatch, MaxLeaseBatch)
	}
	if limit == 0 {
		limit = MaxLeaseBatch
	}
	return limit, nil
}

// CheckLeaseGiveUp validates the arguments of Release and Lapse: the
// session and the node that gives its lease up.
func CheckLeaseGiveUp(sessionID, node string) error {
	if err := CheckLeaseSession(sessionID); err != nil {
		return err
	}
	return checkLeaseField("node id", node)
}

// CheckLeaseSession validates a session id given to a lease method.
func CheckLeaseSession(sessionID string) error {
	return checkLeaseField("session id", sessionID)
}

// checkLeaseField requires a non-empty field of bounded length.
func checkLeaseField(what, v string) error {
	if v == "" {
		return tandem.Errorf(tandem.EInvalid, "a lease needs a %s", what)
	}
	if len(v) > maxLeaseField {
		return tandem.Errorf(tandem.EInvalid, "%s of %d bytes is longer than %d", what, len(v), maxLeaseField)
	}
	return nil
}

// LeaseConflict is the error of an Acquire that found the lease held by
// another node.
func LeaseConflict(l Lease) error {
	return tandem.Errorf(tandem.EConflict, "session %s is owned by node %s (%s) for %v more",
		l.SessionID, l.Node, l.NodeURL, l.Remaining.Round(time.Millisecond))
}

// LeaseLost is the error of a Renew whose lease is no longer held with the
// token given.
func LeaseLost(sessionID, node string, token int64, now Lease) error {
	switch {
	case now.Node == node && now.Token == token && now.Node != "":
		return tandem.Errorf(tandem.EConflict, "the lease of session %s (token %d) lapsed %v ago; acquire it anew",
			sessionID, token, (-now.Remaining).Round(time.Millisecond))
	case now.Node == "":
		return tandem.Errorf(tandem.EConflict, "the lease of session %s (token %d) was released", sessionID, token)
	default:
		return tandem.Errorf(tandem.EConflict, "the lease of session %s (token %d) was lost: node %s holds it with token %d",
			sessionID, token, now.Node, now.Token)
	}
}
