package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// CreateGrant stores g, setting its ID and CreatedAt when empty and its
// RotatedAt to its creation. When end is set it first ends, with that
// reason and at g's creation, every grant of the same identity and site
// from another device that is live then, and returns their ids. SQLite
// runs one writer at a time, so two sign-ins racing from two devices end
// one another in turn: afterwards one of them is live.
func (db *DB) CreateGrant(ctx context.Context, g *tandem.Grant, end tandem.GrantEndReason) ([]string, error) {
	c := *g
	if err := store.CheckGrant(&c); err != nil {
		return nil, err
	}
	if end != "" {
		if err := store.CheckGrantEndReason(end); err != nil {
			return nil, err
		}
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	if c.RotatedAt.IsZero() {
		c.RotatedAt = c.CreatedAt
	}
	var ended []string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ended = nil
		if end != "" {
			ids, err := queryRows(ctx, tx, scanString, `UPDATE grants SET ended_at = ?, end_reason = ?
				WHERE identity_id = ? AND site_id = ? AND device_id <> ? AND ended_at IS NULL AND expires_at > ?
				RETURNING id`, toMillis(c.CreatedAt), string(end), c.IdentityID, c.SiteID, c.DeviceID, toMillis(c.CreatedAt))
			if err != nil {
				return fmt.Errorf("end grants on other devices: %w", err)
			}
			ended = ids
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO grants (`+store.GrantColumns+`) VALUES (`+marks(17)+`)`, store.GrantArgs(&c)...)
		switch {
		case isForeignKey(err):
			return tandem.Errorf(tandem.ENotFound, "site %q or identity %q not found", c.SiteID, c.IdentityID)
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "a grant with id %q or one of its token hashes exists", c.ID)
		case err != nil:
			return fmt.Errorf("create grant: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	*g = c
	return ended, nil
}

// GrantByID returns the grant with the given id, live or not.
func (db *DB) GrantByID(ctx context.Context, id string) (*tandem.Grant, error) {
	return db.oneGrant(ctx, "id", id, tandem.Errorf(tandem.ENotFound, "grant %q not found", id))
}

// GrantByAccessHash returns the grant whose current access token hashes
// to hash, live or not: the caller tells why it no longer works.
func (db *DB) GrantByAccessHash(ctx context.Context, hash string) (*tandem.Grant, error) {
	return db.oneGrant(ctx, "access_hash", hash, tandem.Errorf(tandem.ENotFound, "no grant has that access token"))
}

// GrantByRefreshHash returns the grant whose current refresh token, or
// else previous one, hashes to hash.
func (db *DB) GrantByRefreshHash(ctx context.Context, hash string) (*tandem.Grant, bool, error) {
	notFound := tandem.Errorf(tandem.ENotFound, "no grant has that refresh token")
	if hash == "" {
		return nil, false, notFound
	}
	g, err := db.oneGrant(ctx, "refresh_hash", hash, notFound)
	if tandem.ErrorCode(err) != tandem.ENotFound {
		return g, false, err
	}
	// The condition that the partial index holds, so that it is used.
	g, err = db.oneGrant(ctx, "prev_refresh_hash", hash, notFound, "prev_refresh_hash <> ''")
	return g, err == nil, err
}

// oneGrant returns the grant whose column is value (and where the extra
// conditions hold), or notFound.
func (db *DB) oneGrant(ctx context.Context, column, value string, notFound error, and ...string) (*tandem.Grant, error) {
	where := column + ` = ?`
	for _, a := range and {
		where += " AND " + a
	}
	g, err := store.ScanGrant(db.r.QueryRowContext(ctx, `SELECT `+store.GrantColumns+` FROM grants WHERE `+where, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("grant by %s: %w", column, err)
	}
	return g, nil
}

// RotateGrant moves a live grant from generation r.FromGeneration to the
// next: the current refresh hash becomes the previous one. EConflict when
// the grant is at another generation or has ended, EExpired when it
// expired before r.At, ENotFound when there is no such grant.
func (db *DB) RotateGrant(ctx context.Context, r *store.RotateGrant) error {
	if err := store.CheckRotateGrant(r); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE grants SET generation = generation + 1, prev_refresh_hash = refresh_hash,
			access_hash = ?, refresh_hash = ?, access_expires_at = ?, expires_at = ?, rotated_at = ?, refresh_ahead = 0
			WHERE id = ? AND generation = ? AND ended_at IS NULL AND expires_at > ?`,
			r.AccessHash, r.RefreshHash, toMillis(r.AccessExpiresAt), toMillis(r.ExpiresAt), toMillis(r.At),
			r.GrantID, r.FromGeneration, toMillis(r.At))
		if isUnique(err) {
			return tandem.Errorf(tandem.EConflict, "another grant has one of those token hashes")
		}
		if err != nil {
			return fmt.Errorf("rotate grant: %w", err)
		}
		return affected(res, func() error {
			g, err := store.ScanGrant(tx.QueryRowContext(ctx, `SELECT `+store.GrantColumns+` FROM grants WHERE id = ?`, r.GrantID))
			if errors.Is(err, sql.ErrNoRows) {
				return tandem.Errorf(tandem.ENotFound, "grant %q not found", r.GrantID)
			}
			if err != nil {
				return fmt.Errorf("rotate grant: %w", err)
			}
			return store.RotateRefused(g, r)
		})
	})
}

// EndGrant ends the grant with that reason at at, unless it has ended
// already (then nothing changes).
func (db *DB) EndGrant(ctx context.Context, id string, reason tandem.GrantEndReason, at time.Time) error {
	if err := store.CheckEndGrant(reason, at); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM grants WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "grant %q not found", id)
		}
		if err != nil {
			return fmt.Errorf("end grant: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE grants SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`,
			toMillis(at), string(reason), id); err != nil {
			return fmt.Errorf("end grant: %w", err)
		}
		return nil
	})
}

// SetRefreshAhead sets whether the grant's client is asked to refresh
// before its access token expires.
func (db *DB) SetRefreshAhead(ctx context.Context, id string, ahead bool) error {
	res, err := db.w.ExecContext(ctx, `UPDATE grants SET refresh_ahead = ? WHERE id = ?`, ahead, id)
	if err != nil {
		return fmt.Errorf("set refresh ahead: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "grant %q not found", id) })
}

// ListGrants returns the grants f selects, newest first. A cursor names a
// grant of the listing; EInvalid when it does not exist.
func (db *DB) ListGrants(ctx context.Context, f store.GrantFilter) ([]*tandem.Grant, error) {
	if err := store.CheckGrantFilter(f); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if f.SiteID != "" {
		where, args = append(where, "site_id = ?"), append(args, f.SiteID)
	}
	if f.IdentityID != "" {
		where, args = append(where, "identity_id = ?"), append(args, f.IdentityID)
	}
	if !f.LiveAt.IsZero() {
		where, args = append(where, "ended_at IS NULL AND expires_at > ?"), append(args, toMillis(f.LiveAt))
	}
	if f.After != "" {
		var created int64
		err := db.r.QueryRowContext(ctx, `SELECT created_at FROM grants WHERE id = ?`, f.After).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, tandem.Errorf(tandem.EInvalid, "cursor grant %q not found; list again from the start", f.After)
		}
		if err != nil {
			return nil, fmt.Errorf("list grants: %w", err)
		}
		where, args = append(where, "(created_at < ? OR (created_at = ? AND id < ?))"), append(args, created, created, f.After)
	}
	q := `SELECT ` + store.GrantColumns + ` FROM grants`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	gs, err := queryRows(ctx, db.r, store.ScanGrant, q, append(args, store.Limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	return gs, nil
}

// DeleteExpiredGrants deletes the grants that expired before before, and
// returns how many. Codes and passport sessions that expired by then go
// in the same transaction.
func (db *DB) DeleteExpiredGrants(ctx context.Context, before time.Time) (int, error) {
	if before.IsZero() {
		return 0, tandem.Errorf(tandem.EInvalid, "give the time before which expired grants go")
	}
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE expires_at < ?`, toMillis(before))
		if err != nil {
			return fmt.Errorf("delete expired grants: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		for _, table := range []string{"auth_codes", "passport_sessions"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at < ?`, toMillis(before)); err != nil {
				return fmt.Errorf("delete expired %s: %w", table, err)
			}
		}
		return nil
	})
	return int(n), err
}
