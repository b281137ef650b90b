package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"

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

// dialect is SQLite's for the migration runner. It takes no lock: the
// writer pool's transactions begin IMMEDIATE, so they hold the database's
// write lock from the runner's check to its commit, across processes too.
func dialect() migrate.Dialect {
	return migrate.Dialect{Param: func(int) string { return "?" }, Int: "INTEGER"}
}

// applyMigrations applies every migration of fsys that db has not applied
// yet; see package migrate.
func applyMigrations(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	return migrate.Apply(ctx, sqlDB{db}, dialect(), fsys)
}

// schemaVersion returns the highest applied migration, 0 for none.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	return migrate.Version(ctx, sqlDB{db})
}

// sqlDB is a database/sql pool as the migration runner uses it.
type sqlDB struct{ db *sql.DB }

func (d sqlDB) InTx(ctx context.Context, fn func(migrate.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(sqlTx{tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// sqlTx is a database/sql transaction as the migration runner uses it.
type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, query, args...)
	return err
}

func (t sqlTx) QueryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n sql.NullInt64
	err := t.tx.QueryRowContext(ctx, query, args...).Scan(&n)
	return n.Int64, err
}
