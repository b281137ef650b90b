package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
)

// Secret returns the secret named name, storing fresh first when there is
// none. Of callers racing with different fresh values, the first insert to
// commit decides: a later insert waits for it on the primary key and then
// inserts nothing, and its caller reads the committed value. The steps are
// separate statements on purpose: one statement's snapshot could predate
// the commit that its insert gave way to.
func (db *DB) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if name == "" || len(fresh) == 0 {
		return nil, tandem.Errorf(tandem.EInvalid, "a secret needs a name and a fresh value")
	}
	read := func() ([]byte, error) {
		var v []byte
		return v, db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	}
	// Once the secret exists, which is every time but the first, one read
	// answers.
	value, err := read()
	if errors.Is(err, pgx.ErrNoRows) {
		err = db.pool.QueryRow(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING RETURNING value`, name, fresh, now().UnixMilli()).Scan(&value)
		if errors.Is(err, pgx.ErrNoRows) {
			value, err = read()
		}
	}
	if err != nil {
		return nil, wrapErr(err, "secret %s", name)
	}
	return value, nil
}
