package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// dbNow is the database's time in unix milliseconds, the same for the
// whole statement. SQLite runs on one machine, so this is that machine's
// clock, read by SQLite in the statement that decides, never a time passed
// in from Go.
const dbNow = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`

// leaseColumns are read with the database's time last, so that Remaining
// is computed from one clock.
const leaseColumns = `session_id, kind, node, node_url, token, expires_at, ` + dbNow

// Acquire takes the lease of sessionID for node when it is free, lapsed,
// released or node's own, in one upsert whose condition the database
// checks; otherwise it returns the owner's lease and tandem.EConflict. The
// write transaction makes the upsert and the read of a refusal one step.
func (db *DB) Acquire(ctx context.Context, sessionID string, kind store.LeaseKind, node, nodeURL string, ttl time.Duration) (store.Lease, error) {
	if err := store.CheckAcquire(sessionID, kind, node, nodeURL, ttl); err != nil {
		return store.Lease{}, err
	}
	var l store.Lease
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		l, err = scanLease(tx.QueryRowContext(ctx, `INSERT INTO leases (session_id, kind, node, node_url, token, expires_at)
			VALUES (?1, ?2, ?3, ?4, 1, `+dbNow+` + ?5)
			ON CONFLICT (session_id) DO UPDATE SET
				token = CASE WHEN node = excluded.node AND expires_at > `+dbNow+` THEN token ELSE token + 1 END,
				kind = excluded.kind, node = excluded.node, node_url = excluded.node_url, expires_at = excluded.expires_at
			WHERE node = '' OR expires_at <= `+dbNow+` OR (node = excluded.node AND kind = excluded.kind)
			RETURNING `+leaseColumns, sessionID, string(kind), node, nodeURL, ttl.Milliseconds()))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		l, err = scanLease(tx.QueryRowContext(ctx, `SELECT `+leaseColumns+` FROM leases WHERE session_id = ?`, sessionID))
		if err != nil {
			return err
		}
		return store.LeaseConflict(l)
	})
	if tandem.ErrorCode(err) == tandem.EConflict {
		return l, err
	}
	if err != nil {
		return store.Lease{}, fmt.Errorf("acquire lease of %s: %w", sessionID, err)
	}
	return l, nil
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
	l, err := scanLease(db.w.QueryRowContext(ctx, `UPDATE leases SET expires_at = `+dbNow+` + ?
		WHERE session_id = ? AND node = ? AND token = ? AND expires_at > `+dbNow+` RETURNING `+leaseColumns,
		ttl.Milliseconds(), sessionID, node, token))
	if errors.Is(err, sql.ErrNoRows) {
		now, err := db.LeaseOf(ctx, sessionID)
		if err != nil {
			return store.Lease{}, err
		}
		return store.Lease{}, store.LeaseLost(sessionID, node, token, now)
	}
	if err != nil {
		return store.Lease{}, fmt.Errorf("renew lease of %s: %w", sessionID, err)
	}
	return l, nil
}

// Release frees the lease if node holds it with token, keeping the token.
func (db *DB) Release(ctx context.Context, sessionID, node string, token int64) error {
	if err := store.CheckLeaseGiveUp(sessionID, node); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `UPDATE leases SET node = '', node_url = '', expires_at = `+dbNow+`
		WHERE session_id = ? AND node = ? AND token = ?`, sessionID, node, token)
	if err != nil {
		return fmt.Errorf("release lease of %s: %w", sessionID, err)
	}
	return nil
}

// Lapse ends the lease now, keeping its holder and token, if node holds it
// with token and it has not lapsed already.
func (db *DB) Lapse(ctx context.Context, sessionID, node string, token int64) error {
	if err := store.CheckLeaseGiveUp(sessionID, node); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `UPDATE leases SET expires_at = `+dbNow+`
		WHERE session_id = ? AND node = ? AND token = ? AND expires_at > `+dbNow, sessionID, node, token)
	if err != nil {
		return fmt.Errorf("lapse lease of %s: %w", sessionID, err)
	}
	return nil
}

// LeaseOf returns the lease of sessionID.
func (db *DB) LeaseOf(ctx context.Context, sessionID string) (store.Lease, error) {
	if err := store.CheckLeaseSession(sessionID); err != nil {
		return store.Lease{}, err
	}
	l, err := scanLease(db.r.QueryRowContext(ctx, `SELECT `+leaseColumns+` FROM leases WHERE session_id = ?`, sessionID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Lease{}, tandem.Errorf(tandem.ENotFound, "session %q has no lease", sessionID)
	}
	if err != nil {
		return store.Lease{}, fmt.Errorf("lease of %s: %w", sessionID, err)
	}
	return l, nil
}

// ExpiredLeases returns leases that lapsed while held, longest lapsed first.
func (db *DB) ExpiredLeases(ctx context.Context, limit int) ([]store.Lease, error) {
	limit, err := store.CheckLeaseBatch(limit)
	if err != nil {
		return nil, err
	}
	ls, err := queryRows(ctx, db.r, scanLease, `SELECT `+leaseColumns+` FROM leases
		WHERE node <> '' AND expires_at <= `+dbNow+` ORDER BY expires_at, session_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("expired leases: %w", err)
	}
	return ls, nil
}

// RenewAll extends every live lease of node in one statement.
func (db *DB) RenewAll(ctx context.Context, node string, ttl time.Duration) ([]store.Lease, error) {
	if err := store.CheckLeaseHolder(node, ttl); err != nil {
		return nil, err
	}
	ls, err := queryRows(ctx, db.w, scanLease, `UPDATE leases SET expires_at = `+dbNow+` + ?
		WHERE node = ? AND expires_at > `+dbNow+` RETURNING `+leaseColumns, ttl.Milliseconds(), node)
	if err != nil {
		return nil, fmt.Errorf("renew leases of node %s: %w", node, err)
	}
	// RETURNING gives no order.
	slices.SortFunc(ls, func(a, b store.Lease) int { return strings.Compare(a.SessionID, b.SessionID) })
	return ls, nil
}

// scanLease reads leaseColumns.
func scanLease(s scanner) (store.Lease, error) {
	var l store.Lease
	var kind string
	var expires, now int64
	if err := s.Scan(&l.SessionID, &kind, &l.Node, &l.NodeURL, &l.Token, &expires, &now); err != nil {
		return store.Lease{}, err
	}
	l.Kind = store.LeaseKind(kind)
	l.ExpiresAt = time.UnixMilli(expires).UTC()
	l.Remaining = time.Duration(expires-now) * time.Millisecond
	return l, nil
}
