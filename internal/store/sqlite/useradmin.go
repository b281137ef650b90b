package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, role = ?, disabled_at = ? WHERE id = ?`,
			c.Name, string(c.Role), toMillis(c.DisabledAt), c.ID)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if err := affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "user %q not found", c.ID) }); err != nil {
			return err
		}
		if c.DisabledAt.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_sessions WHERE user_id = ?`, c.ID); err != nil {
			return fmt.Errorf("end the sessions of a disabled user: %w", err)
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
	res, err := db.w.ExecContext(ctx, `DELETE FROM user_keys WHERE user_id = ? AND fingerprint = ?`, userID, fingerprint)
	if err != nil {
		return fmt.Errorf("remove user key: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "the user has no key %s", fingerprint) })
}

// CreateUserInvite stores inv; its user must exist.
func (db *DB) CreateUserInvite(ctx context.Context, inv *store.UserInvite) error {
	if inv.TokenHash == "" || inv.UserID == "" || inv.ExpiresAt.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "a user invite needs a token hash, a user and an expiry")
	}
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = now()
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO user_invites (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		inv.TokenHash, inv.UserID, toMillis(inv.CreatedAt), toMillis(inv.ExpiresAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "user %q not found", inv.UserID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "the invite exists")
	case err != nil:
		return fmt.Errorf("create user invite: %w", err)
	}
	return nil
}

// RedeemUserInvite uses the invite once: deletes it and sets the password.
func (db *DB) RedeemUserInvite(ctx context.Context, tokenHash, passwordHash string, at time.Time) (*tandem.User, error) {
	var userID string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var expires sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT user_id, expires_at FROM user_invites WHERE token_hash = ?`, tokenHash).Scan(&userID, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "no such invite; it may have been used already")
		} else if err != nil {
			return fmt.Errorf("find user invite: %w", err)
		}
		if !at.Before(fromMillis(expires)) {
			return tandem.Errorf(tandem.EExpired, "the invite has expired; ask an admin for a new one")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_invites WHERE token_hash = ?`, tokenHash); err != nil {
			return fmt.Errorf("use user invite: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, userID); err != nil {
			return fmt.Errorf("set password: %w", err)
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
	q := `SELECT id, session_id, actor, action, detail, at FROM audit WHERE 1 = 1`
	var args []any
	for _, c := range []struct {
		col, v string
	}{{"actor", f.Actor}, {"action", f.Action}, {"session_id", f.SessionID}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Before > 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	es, err := queryRows(ctx, db.r, scanAudit, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return es, nil
}
