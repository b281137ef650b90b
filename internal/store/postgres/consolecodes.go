package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// CreateConsoleCode stores c, setting its CreatedAt when empty. Codes that
// expired before c was made are deleted in the same transaction.
func (db *DB) CreateConsoleCode(ctx context.Context, c *tandem.AuthCode) error {
	cc := *c
	if cc.CreatedAt.IsZero() {
		cc.CreatedAt = now()
	}
	if err := store.CheckConsoleCode(&cc); err != nil {
		return err
	}
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM console_codes WHERE expires_at <= $1`, toMillis(cc.CreatedAt)); err != nil {
			return wrapErr(err, "delete expired console codes")
		}
		_, err := tx.Exec(ctx, `INSERT INTO console_codes (`+store.ConsoleCodeColumns+`) VALUES (`+dollars(7)+`)`, store.ConsoleCodeArgs(&cc)...)
		switch {
		case isForeignKey(err):
			return tandem.Errorf(tandem.ENotFound, "identity %q not found", cc.IdentityID)
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "a code with that hash exists")
		case err != nil:
			return wrapErr(err, "create console code")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*c = cc
	return nil
}

// TakeConsoleCode deletes the console code with the given hash and returns
// it: of two callers, one gets it and the other ENotFound. A code that
// expired at or before now is deleted and EExpired.
func (db *DB) TakeConsoleCode(ctx context.Context, hash string, now time.Time) (*tandem.AuthCode, error) {
	if err := store.CheckNow(now, "taking a code"); err != nil {
		return nil, err
	}
	c, err := store.ScanConsoleCode(db.pool.QueryRow(ctx, `DELETE FROM console_codes WHERE hash = $1 RETURNING `+store.ConsoleCodeColumns, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no such code (it may have been used)")
	}
	if err != nil {
		return nil, wrapErr(err, "take console code")
	}
	if !now.Before(c.ExpiresAt) {
		return nil, tandem.Errorf(tandem.EExpired, "the code expired at %s", c.ExpiresAt.Format(time.RFC3339))
	}
	return c, nil
}
