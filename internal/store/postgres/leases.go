package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// dbNow is the database's time in unix milliseconds, the same for the
// whole statement: the server's clock, read in the statement that decides,
// never a time passed in by a node, whose clock may be seconds off the
// others'. It is statement_timestamp() rather than now(), which would be
// the start of an enclosing transaction. A statement that waits for a row
// lock keeps the time it started with; the row's token, checked again on
// the row's newest version after the wait, keeps a late decision from
// undoing another's.
const dbNow = `(extract(epoch FROM statement_timestamp()) * 1000)::bigint`

// leaseColumns are read with the database's time last, so that Remaining
// is computed from one clock.
const leaseColumns = `session_id, kind, node, node_url, token, expires_at, ` + dbNow

// acquireAttempts bounds Acquire's tries when the lease changes between
// its upsert and the read that names the owner.
const acquireAttempts = 3

// Acquire takes the lease of sessionID for node when it is free, lapsed,
// released or node's own, in one upsert whose condition PostgreSQL checks
// on the newest version of the row: of nodes racing for a free lease, one
// inserts and the others find it held. Otherwise it returns the owner's
// lease and tandem.EConflict.
func (db *DB) Acquire(ctx context.Context, sessionID string, kind store.LeaseKind, node, nodeURL string, ttl time.Duration) (store.Lease, error) {
	if err := store.CheckAcquire(sessionID, kind, node, nodeURL, ttl); err != nil {
		return store.Lease{}, err
	}
	for range acquireAttempts {
		l, err := scanLease(db.pool.QueryRow(ctx, `INSERT INTO leases AS l (session_id, kind, node, node_url, token, expires_at)
			VALUES ($1, $2, $3, $4, 1, `+dbNow+` + $5)
			ON CONFLICT (session_id) DO UPDATE SET
				token = CASE WHEN l.node = excluded.node AND l.expires_at > `+dbNow+` THEN l.token ELSE l.token + 1 END,
				kind = excluded.kind, node = excluded.node, node_url = excluded.node_url, expires_at = excluded.expires_at
			WHERE l.node = '' OR l.expires_at <= `+dbNow+` OR (l.node = excluded.node AND l.kind = excluded.kind)
			RETURNING `+leaseColumns, sessionID, string(kind), node, nodeURL, ttl.Milliseconds()))
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return store.Lease{}, wrapErr(err, "acquire lease of %s", sessionID)
		}
		// Held by another: name it, unless it let go meanwhile.
		owner, err := db.LeaseOf(ctx, sessionID)
		if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
			return store.Lease{}, err
		}
		if err == nil && owner.Live() {
			return owner, store.LeaseConflict(owner)
		}
	}
	return store.Lease{}, tandem.Errorf(tandem.EUnavailable, "the lease of session %s changed hands %d times while acquiring it; try again", sessionID, acquireAttempts)
}

// Renew extends the lease if node holds it with token and it has not
// lapsed, in one compare-and-set.
func (db *DB) Renew(ctx context.Context, sessionID, node string, token int64, ttl time.Duration) (store.Lease, error) {
	if err := store.CheckLeaseSession(sessionID); err != nil {
		return store.Lease{}, err
	}
	if err := store.CheckLeaseHolder(node, ttl); err != nil {
		return store.Lease{}, err
	}
	l, err := scanLease(db.pool.QueryRow(ctx, `UPDATE leases SET expires_at = `+dbNow+` + $1
		WHERE session_id = $2 AND node = $3 AND token = $4 AND expires_at > `+dbNow+` RETURNING `+leaseColumns,
		ttl.Milliseconds(), sessionID, node, token))
	if errors.Is(err, pgx.ErrNoRows) {
		now, err := db.LeaseOf(ctx, sessionID)
		if err != nil {
			return store.Lease{}, err
		}
		return store.Lease{}, store.LeaseLost(sessionID, node, token, now)
	}
	if err != nil {
		return store.Lease{}, wrapErr(err, "renew lease of %s", sessionID)
	}
	return l, nil
}

// Release frees the lease if node holds it with token, keeping the token.
func (db *DB) Release(ctx context.Context, sessionID, node string, token int64) error {
	if err := store.CheckLeaseGiveUp(sessionID, node); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `UPDATE leases SET node = '', node_url = '', expires_at = `+dbNow+`
		WHERE session_id = $1 AND node = $2 AND token = $3`, sessionID, node, token)
	if err != nil {
		return wrapErr(err, "release lease of %s", sessionID)
	}
	return nil
}

// Lapse ends the lease now, keeping its holder and token, if node holds it
// with token and it has not lapsed already.
func (db *DB) Lapse(ctx context.Context, sessionID, node string, token int64) error {
	if err := store.CheckLeaseGiveUp(sessionID, node); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `UPDATE leases SET expires_at = `+dbNow+`
		WHERE session_id = $1 AND node = $2 AND token = $3 AND expires_at > `+dbNow, sessionID, node, token)
	if err != nil {
		return wrapErr(err, "lapse lease of %s", sessionID)
	}
	return nil
}

// LeaseOf returns the lease of sessionID.
func (db *DB) LeaseOf(ctx context.Context, sessionID string) (store.Lease, error) {
	if err := store.CheckLeaseSession(sessionID); err != nil {
		return store.Lease{}, err
	}
	l, err := scanLease(db.pool.QueryRow(ctx, `SELECT `+leaseColumns+` FROM leases WHERE session_id = $1`, sessionID))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Lease{}, tandem.Errorf(tandem.ENotFound, "session %q has no lease", sessionID)
	}
	if err != nil {
		return store.Lease{}, wrapErr(err, "lease of %s", sessionID)
	}
	return l, nil
}

// ExpiredLeases returns leases that lapsed while held, longest lapsed first.
func (db *DB) ExpiredLeases(ctx context.Context, limit int) ([]store.Lease, error) {
	limit, err := store.CheckLeaseBatch(limit)
	if err != nil {
		return nil, err
	}
	ls, err := queryRows(ctx, db.pool, scanLease, `SELECT `+leaseColumns+` FROM leases
		WHERE node <> '' AND expires_at <= `+dbNow+` ORDER BY expires_at, session_id LIMIT $1`, limit)
	if err != nil {
		return nil, wrapErr(err, "expired leases")
	}
	return ls, nil
}

// RenewAll extends every live lease of node in one statement.
func (db *DB) RenewAll(ctx context.Context, node string, ttl time.Duration) ([]store.Lease, error) {
	if err := store.CheckLeaseHolder(node, ttl); err != nil {
		return nil, err
	}
	ls, err := queryRows(ctx, db.pool, scanLease, `UPDATE leases SET expires_at = `+dbNow+` + $1
		WHERE node = $2 AND expires_at > `+dbNow+` RETURNING `+leaseColumns, ttl.Milliseconds(), node)
	if err != nil {
		return nil, wrapErr(err, "renew leases of node %s", node)
	}
	// RETURNING gives no order.
	slices.SortFunc(ls, func(a, b store.Lease) int { return strings.Compare(a.SessionID, b.SessionID) })
	return ls, nil
}

// scanLease reads leaseColumns.
func scanLease(row pgx.Row) (store.Lease, error) {
	var l store.Lease
	var kind string
	var expires, now int64
	if err := row.Scan(&l.SessionID, &kind, &l.Node, &l.NodeURL, &l.Token, &expires, &now); err != nil {
		return store.Lease{}, err
	}
	l.Kind = store.LeaseKind(kind)
	l.ExpiresAt = time.UnixMilli(expires).UTC()
	l.Remaining = time.Duration(expires-now) * time.Millisecond
	return l, nil
}
