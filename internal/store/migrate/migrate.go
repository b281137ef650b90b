// Package migrate applies a backend's numbered schema migrations: embedded
// SQL files named NNNN_name.sql, each run once, in version order, in its own
// transaction together with its row in schema_migrations. Every backend
// (store/sqlite, store/postgres) uses this one runner; what differs between
// them (placeholders, how concurrent migrators take turns) is a Dialect.
//
// A database that has a version this binary does not know was made by a
// newer Tandem, and is refused rather than used.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one numbered schema change, from the file NNNN_name.sql.
type Migration struct {
	Version int
	Name    string // the file's name without ".sql"
	SQL     string
}

// Load reads every *.sql file of fsys in version order and checks that each
// is named NNNN_name.sql with a version above 0 that no other file has.
func Load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []Migration
	seen := make(map[int]string)
	for _, name := range names {
		prefix, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same version", other, name)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(path.Base(name), ".sql"), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// DB is what the runner needs of a database: transactions.
type DB interface {
	// InTx runs fn in one transaction and commits it when fn returns nil;
	// otherwise it rolls back and returns fn's error.
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Tx is a transaction of a DB.
type Tx interface {
	// Exec runs sql, which may hold several statements when args is empty.
	Exec(ctx context.Context, sql string, args ...any) error
	// QueryInt runs a query whose one row is one integer, or NULL (0).
	QueryInt(ctx context.Context, sql string, args ...any) (int64, error)
}

// Dialect is what differs between backends' SQL.
type Dialect struct {
	// Lock, when not empty, is run first in every transaction of the
	// runner, so that processes migrating one database at once take turns
	// (on PostgreSQL a transaction-scoped advisory lock). A backend whose
	// write transactions exclude each other already leaves it empty.
	Lock string
	// Param returns the placeholder of the n-th argument (from 1): "?" or "$n".
	Param func(n int) string
	// Int is the type of schema_migrations' integer columns.
	Int string
}

// Apply applies every migration of fsys that db has not applied yet. It
// returns an error naming the migration that failed; that migration's
// transaction is rolled back whole, and those before it stay applied.
func Apply(ctx context.Context, db DB, d Dialect, fsys fs.FS) error {
	ms, err := Load(fsys)
	if err != nil {
		return err
	}
	// The table is made under the lock too: PostgreSQL's CREATE TABLE IF
	// NOT EXISTS is not safe against a concurrent one.
	var latest int64
	err = db.InTx(ctx, func(tx Tx) error {
		if err := lock(ctx, tx, d); err != nil {
			return err
		}
		if err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    `+d.Int+` PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at `+d.Int+` NOT NULL
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		latest, err = tx.QueryInt(ctx, `SELECT max(version) FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(ms) > 0 && latest > int64(ms[len(ms)-1].Version) {
		return fmt.Errorf("database schema version %d is newer than this tandem knows (%d); use a newer tandem",
			latest, ms[len(ms)-1].Version)
	}
	for _, m := range ms {
		if err := db.InTx(ctx, func(tx Tx) error { return apply(ctx, tx, d, m) }); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// apply runs m in tx unless it is recorded as applied. The check is inside
// the transaction, after the lock, so that of processes migrating at once
// exactly one applies m and the others see its row.
func apply(ctx context.Context, tx Tx, d Dialect, m Migration) error {
	if err := lock(ctx, tx, d); err != nil {
		return err
	}
	n, err := tx.QueryInt(ctx, `SELECT count(*) FROM schema_migrations WHERE version = `+d.Param(1), m.Version)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if n > 0 {
		return nil
	}
	if err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (`+
		d.Param(1)+`, `+d.Param(2)+`, `+d.Param(3)+`)`, m.Version, m.Name, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("record migration: %w", err)
	}
	return nil
}

func lock(ctx context.Context, tx Tx, d Dialect) error {
	if d.Lock == "" {
		return nil
	}
	if err := tx.Exec(ctx, d.Lock); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	return nil
}

// Version returns the highest migration applied to db, 0 for none.
func Version(ctx context.Context, db DB) (int, error) {
	var v int64
	err := db.InTx(ctx, func(tx Tx) error {
		var err error
		v, err = tx.QueryInt(ctx, `SELECT max(version) FROM schema_migrations`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v), nil
}
