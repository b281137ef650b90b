package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// UseVouchJTI records an assertion id until it expires; a second use
// before then is EConflict. Expired ids are deleted in the same
// transaction, so that they do not pile up.
func (db *DB) UseVouchJTI(ctx context.Context, siteID, jtiHash string, expiresAt, now time.Time) error {
	if err := store.CheckVouchJTI(siteID, jtiHash, expiresAt, now); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM passport_vouch_jtis WHERE expires_at <= ?`, toMillis(now)); err != nil {
			return fmt.Errorf("delete expired assertion ids: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO passport_vouch_jtis (jti_hash, site_id, expires_at) VALUES (?, ?, ?)`,
			jtiHash, siteID, toMillis(expiresAt))
		switch {
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "the assertion was already used")
		case isForeignKey(err):
			return tandem.Errorf(tandem.ENotFound, "site %q not found", siteID)
		case err != nil:
			return fmt.Errorf("record assertion id: %w", err)
		}
		return nil
	})
}
