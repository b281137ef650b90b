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
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_codes WHERE expires_at <= ?`, toMillis(cc.CreatedAt)); err != nil {
			return fmt.Errorf("delete expired console codes: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO console_codes (`+store.ConsoleCodeColumns+`) VALUES (`+marks(7)+`)`, store.ConsoleCodeArgs(&cc)...)
		switch {
		case isForeignKey(err):
			return tandem.Errorf(tandem.ENotFound, "identity %q not found", cc.IdentityID)
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "a code with that hash exists")
		case err != nil:
			return fmt.Errorf("create console code: %w", err)
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
	c, err := store.ScanConsoleCode(db.w.QueryRowContext(ctx, `DELETE FROM console_codes WHERE hash = ? RETURNING `+store.ConsoleCodeColumns, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no such code (it may have been used)")
	}
	if err != nil {
		return nil, fmt.Errorf("take console code: %w", err)
	}
	if !now.Before(c.ExpiresAt) {
		return nil, tandem.Errorf(tandem.EExpired, "the code expired at %s", c.ExpiresAt.Format(time.RFC3339))
	}
	return c, nil
}
