package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

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
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM passport_vouch_jtis WHERE expires_at <= $1`, toMillis(now)); err != nil {
			return wrapErr(err, "delete expired assertion ids")
		}
		_, err := tx.Exec(ctx, `INSERT INTO passport_vouch_jtis (jti_hash, site_id, expires_at) VALUES ($1, $2, $3)`,
			jtiHash, siteID, toMillis(expiresAt))
		switch {
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "the assertion was already used")
		case isForeignKey(err):
			return tandem.Errorf(tandem.ENotFound, "site %q not found", siteID)
		case err != nil:
			return wrapErr(err, "record assertion id")
		}
		return nil
	})
}
