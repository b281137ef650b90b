package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// CreateGrant stores g, setting its ID and CreatedAt when empty and its
// RotatedAt to its creation. When end is set it first ends, with that
// reason and at g's creation, every grant of the same identity and site
// from another device that is live then, and returns their ids. The
// identity's row is locked first, so that two sign-ins racing from two
// devices take turns: the second ends the first, and one stays live.
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
	notFound := tandem.Errorf(tandem.ENotFound, "site %q or identity %q not found", c.SiteID, c.IdentityID)
	var ended []string
	err := db.tx(ctx, func(tx pgx.Tx) error {
		ended = nil
		if end != "" {
			// FOR NO KEY UPDATE: sign-ins of one person wait on one another,
			// while the key-share locks of foreign keys do not wait on it.
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM identities WHERE id = $1 FOR NO KEY UPDATE`, c.IdentityID).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return notFound
			}
			if err != nil {
				return wrapErr(err, "lock identity")
			}
			ids, err := queryRows(ctx, tx, scanString, `UPDATE grants SET ended_at = $1, end_reason = $2
				WHERE identity_id = $3 AND site_id = $4 AND device_id <> $5 AND ended_at IS NULL AND expires_at > $1
				RETURNING id`, toMillis(c.CreatedAt), string(end), c.IdentityID, c.SiteID, c.DeviceID)
			if err != nil {
				return wrapErr(err, "end grants on other devices")
			}
			ended = ids
		}
		_, err := tx.Exec(ctx, `INSERT INTO grants (`+store.GrantColumns+`) VALUES (`+dollars(17)+`)`, store.GrantArgs(&c)...)
		switch {
		case isForeignKey(err):
			return notFound
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "a grant with id %q or one of its token hashes exists", c.ID)
		case err != nil:
			return wrapErr(err, "create grant")
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
	where := column + ` = $1`
	for _, a := range and {
		where += " AND " + a
	}
	g, err := store.ScanGrant(db.pool.QueryRow(ctx, `SELECT `+store.GrantColumns+` FROM grants WHERE `+where, value))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, wrapErr(err, "grant by %s", column)
	}
	return g, nil
}

// RotateGrant moves a live grant from generation r.FromGeneration to the
// next: the current refresh hash becomes the previous one. EConflict when
// the grant is at another generation or has ended, EExpired when it
// expired before r.At, ENotFound when there is no such grant. Of two
// rotations racing, the second waits for the first and then finds the
// generation moved on.
func (db *DB) RotateGrant(ctx context.Context, r *store.RotateGrant) error {
	if err := store.CheckRotateGrant(r); err != nil {
		return err
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE grants SET generation = generation + 1, prev_refresh_hash = refresh_hash,
			access_hash = $1, refresh_hash = $2, access_expires_at = $3, expires_at = $4, rotated_at = $5, refresh_ahead = false
			WHERE id = $6 AND generation = $7 AND ended_at IS NULL AND expires_at > $5`,
			r.AccessHash, r.RefreshHash, toMillis(r.AccessExpiresAt), toMillis(r.ExpiresAt), toMillis(r.At), r.GrantID, r.FromGeneration)
		if isUnique(err) {
			return tandem.Errorf(tandem.EConflict, "another grant has one of those token hashes")
		}
		if err != nil {
			return wrapErr(err, "rotate grant")
		}
		return affected(tag, func() error {
			g, err := store.ScanGrant(tx.QueryRow(ctx, `SELECT `+store.GrantColumns+` FROM grants WHERE id = $1`, r.GrantID))
			if errors.Is(err, pgx.ErrNoRows) {
				return tandem.Errorf(tandem.ENotFound, "grant %q not found", r.GrantID)
			}
			if err != nil {
				return wrapErr(err, "rotate grant")
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
	// One statement: the update, or else whether the grant exists.
	var found bool
	err := db.pool.QueryRow(ctx, `WITH ended AS (
			UPDATE grants SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL RETURNING id)
		SELECT EXISTS (SELECT 1 FROM ended) OR EXISTS (SELECT 1 FROM grants WHERE id = $3)`, toMillis(at), string(reason), id).Scan(&found)
	if err != nil {
		return wrapErr(err, "end grant")
	}
	if !found {
		return tandem.Errorf(tandem.ENotFound, "grant %q not found", id)
	}
	return nil
}

// SetRefreshAhead sets whether the grant's client is asked to refresh
// before its access token expires.
func (db *DB) SetRefreshAhead(ctx context.Context, id string, ahead bool) error {
	tag, err := db.pool.Exec(ctx, `UPDATE grants SET refresh_ahead = $1 WHERE id = $2`, ahead, id)
	if err != nil {
		return wrapErr(err, "set refresh ahead")
	}
	return affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "grant %q not found", id) })
}

// ListGrants returns the grants f selects, newest first. A cursor names a
// grant of the listing; EInvalid when it does not exist.
func (db *DB) ListGrants(ctx context.Context, f store.GrantFilter) ([]*tandem.Grant, error) {
	if err := store.CheckGrantFilter(f); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.SiteID != "" {
		where = append(where, "site_id = "+arg(f.SiteID))
	}
	if f.IdentityID != "" {
		where = append(where, "identity_id = "+arg(f.IdentityID))
	}
	if !f.LiveAt.IsZero() {
		where = append(where, "ended_at IS NULL AND expires_at > "+arg(toMillis(f.LiveAt)))
	}
	if f.After != "" {
		var created int64
		err := db.pool.QueryRow(ctx, `SELECT created_at FROM grants WHERE id = $1`, f.After).Scan(&created)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, tandem.Errorf(tandem.EInvalid, "cursor grant %q not found; list again from the start", f.After)
		}
		if err != nil {
			return nil, wrapErr(err, "list grants")
		}
		where = append(where, "(created_at, id) < ("+arg(created)+", "+arg(f.After)+")")
	}
	q := `SELECT ` + store.GrantColumns + ` FROM grants`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ` + arg(store.Limit(f.Limit))
	gs, err := queryRows(ctx, db.pool, scanWith(store.ScanGrant), q, args...)
	if err != nil {
		return nil, wrapErr(err, "list grants")
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM grants WHERE expires_at < $1`, toMillis(before))
		if err != nil {
			return wrapErr(err, "delete expired grants")
		}
		n = tag.RowsAffected()
		for _, table := range []string{"auth_codes", "passport_sessions"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE expires_at < $1`, toMillis(before)); err != nil {
				return wrapErr(err, "delete expired %s", table)
			}
		}
		return nil
	})
	return int(n), err
}
