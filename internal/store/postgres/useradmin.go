package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// UpdateUser writes u's name, role and DisabledAt; disabling deletes the
// user's login sessions in the same transaction.
func (db *DB) UpdateUser(ctx context.Context, u *tandem.User) error {
	c := *u
	if err := store.CheckUser(&c); err != nil {
		return err
	}
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET name = $1, role = $2, disabled_at = $3 WHERE id = $4`,
			c.Name, string(c.Role), toMillis(c.DisabledAt), c.ID)
		if err != nil {
			return wrapErr(err, "update user")
		}
		if err := affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "user %q not found", c.ID) }); err != nil {
			return err
		}
		if c.DisabledAt.IsZero() {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_sessions WHERE user_id = $1`, c.ID); err != nil {
			return wrapErr(err, "end the sessions of a disabled user")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*u = c
	return nil
}

// RemoveUserKey removes one of a user's keys by its fingerprint.
func (db *DB) RemoveUserKey(ctx context.Context, userID, fingerprint string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM user_keys WHERE user_id = $1 AND fingerprint = $2`, userID, fingerprint)
	if err != nil {
		return wrapErr(err, "remove user key")
	}
	return affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "the user has no key %s", fingerprint) })
}

// CreateUserInvite stores inv; its user must exist.
func (db *DB) CreateUserInvite(ctx context.Context, inv *store.UserInvite) error {
	if inv.TokenHash == "" || inv.UserID == "" || inv.ExpiresAt.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "a user invite needs a token hash, a user and an expiry")
	}
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = now()
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO user_invites (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		inv.TokenHash, inv.UserID, toMillis(inv.CreatedAt), toMillis(inv.ExpiresAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "user %q not found", inv.UserID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "the invite exists")
	case err != nil:
		return wrapErr(err, "create user invite")
	}
	return nil
}

// RedeemUserInvite uses the invite once: deletes it and sets the password.
func (db *DB) RedeemUserInvite(ctx context.Context, tokenHash, passwordHash string, at time.Time) (*tandem.User, error) {
	var userID string
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var expires *int64
		// FOR UPDATE: of two redeemers of one token, the second waits and
		// then finds it gone.
		err := tx.QueryRow(ctx, `SELECT user_id, expires_at FROM user_invites WHERE token_hash = $1 FOR UPDATE`, tokenHash).Scan(&userID, &expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "no such invite; it may have been used already")
		} else if err != nil {
			return wrapErr(err, "find user invite")
		}
		if !at.Before(fromMillis(expires)) {
			return tandem.Errorf(tandem.EExpired, "the invite has expired; ask an admin for a new one")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_invites WHERE token_hash = $1`, tokenHash); err != nil {
			return wrapErr(err, "use user invite")
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, passwordHash, userID); err != nil {
			return wrapErr(err, "set password")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.UserByID(ctx, userID)
}

// ListAudit returns the entries f selects, newest first.
func (db *DB) ListAudit(ctx context.Context, f store.AuditFilter) ([]*tandem.AuditEntry, error) {
	limit, err := f.AuditLimit()
	if err != nil {
		return nil, err
	}
	q := `SELECT id, session_id, actor, action, detail, at FROM audit WHERE TRUE`
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	for _, c := range []struct{ col, v string }{{"actor", f.Actor}, {"action", f.Action}, {"session_id", f.SessionID}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ` + arg(c.v)
		}
	}
	if f.Before > 0 {
		q += ` AND id < ` + arg(f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ` + arg(limit)
	es, err := queryRows(ctx, db.pool, scanAudit, q, args...)
	if err != nil {
		return nil, wrapErr(err, "list audit")
	}
	return es, nil
}
