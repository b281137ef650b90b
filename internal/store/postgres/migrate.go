package postgres

import (
	"context"
	"embed"
	"io/fs"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tandemhq/tandem/internal/store/migrate"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// migrationFiles returns the embedded migrations directory.
func migrationFiles() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot happen
	}
	return sub
}

// migrationLock is the key of the advisory lock that every migration
// transaction takes first, so that of Tandem processes starting at once
// on one database each migration is applied by exactly one ("tandem" in
// ASCII). The lock ends with the transaction.
const migrationLock = 0x74616e64656d

// dialect is PostgreSQL's for the migration runner.
func dialect() migrate.Dialect {
	return migrate.Dialect{
		Lock:  `SELECT pg_advisory_xact_lock(` + strconv.FormatInt(migrationLock, 10) + `)`,
		Param: func(n int) string { return "$" + strconv.Itoa(n) },
		Int:   "BIGINT",
	}
}

// applyMigrations applies every migration of fsys that the database has not
// applied yet; see package migrate.
func applyMigrations(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS) error {
	return migrate.Apply(ctx, poolDB{pool}, dialect(), fsys)
}

// schemaVersion returns the highest applied migration, 0 for none.
func schemaVersion(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	return migrate.Version(ctx, poolDB{pool})
}

// poolDB is a pool as the migration runner uses it.
type poolDB struct{ pool *pgxpool.Pool }

func (d poolDB) InTx(ctx context.Context, fn func(migrate.Tx) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return fn(pgTx{tx}) })
}

// pgTx is a transaction as the migration runner uses it.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := t.tx.Exec(ctx, sql, args...)
	return err
}

func (t pgTx) QueryInt(ctx context.Context, sql string, args ...any) (int64, error) {
	var n *int64
	if err := t.tx.QueryRow(ctx, sql, args...).Scan(&n); err != nil || n == nil {
		return 0, err
	}
	return *n, nil
}
