package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// CreateLoginSession stores a console session, setting CreatedAt when zero.
// An unknown user is tandem.ENotFound.
func (db *DB) CreateLoginSession(ctx context.Context, s *store.LoginSession) error {
	if s.TokenHash == "" || s.ExpiresAt.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "a login session needs a token hash and an expiry")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now()
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO login_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.TokenHash, s.UserID, s.CSRFToken, toMillis(s.CreatedAt), toMillis(s.ExpiresAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "user %q not found", s.UserID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "a login session with this token exists")
	case err != nil:
		return wrapErr(err, "create login session")
	}
	return nil
}

// LoginSessionByHash returns the session with the given token hash, expired
// or not: the caller compares ExpiresAt with its own clock.
func (db *DB) LoginSessionByHash(ctx context.Context, tokenHash string) (*store.LoginSession, error) {
	var s store.LoginSession
	var created, expires *int64
	err := db.pool.QueryRow(ctx, `SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM login_sessions WHERE token_hash = $1`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &s.CSRFToken, &created, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		// The hash is a secret's; it is not repeated in the message.
		return nil, tandem.Errorf(tandem.ENotFound, "login session not found")
	}
	if err != nil {
		return nil, wrapErr(err, "login session")
	}
	s.CreatedAt, s.ExpiresAt = fromMillis(created), fromMillis(expires)
	return &s, nil
}

// DeleteLoginSession deletes one session (signing out).
func (db *DB) DeleteLoginSession(ctx context.Context, tokenHash string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM login_sessions WHERE token_hash = $1`, tokenHash)
	if err != nil {
		return wrapErr(err, "delete login session")
	}
	return affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "login session not found") })
}

// DeleteExpiredLoginSessions deletes every session whose expiry is at or
// before now.
func (db *DB) DeleteExpiredLoginSessions(ctx context.Context, now time.Time) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM login_sessions WHERE expires_at <= $1`, now.UnixMilli()); err != nil {
		return wrapErr(err, "delete expired login sessions")
	}
	return nil
}
