// Package sqlite is Tandem's store on a single SQLite file, the default that
// makes `tandem serve` work with nothing else installed. It uses the pure-Go
// modernc.org/sqlite driver, so the binary builds without cgo.
//
// The file is in WAL mode with foreign keys on. Writes go through a pool of
// one connection whose transactions begin IMMEDIATE: writers in this process
// queue in Go instead of failing with SQLITE_BUSY, and a writer in another
// process (an admin command beside a running server) waits on busy_timeout.
// Reads use a separate pool and run beside the writer.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tandemhq/tandem/internal/store"
)

// DB is a store.Store on one SQLite file. It is safe for concurrent use.
type DB struct {
	w *sql.DB // one connection: every write
	r *sql.DB // reads only
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the SQLite database at path and applies
// any pending migrations. The directory must exist.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Made here so that it is private: SQLite would create it 0644, and its
	// -wal and -shm files take the database's mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	f.Close()

	// A file: URI, so that a path with '?' or '#' cannot be read as options.
	base := "file:" + (&url.URL{Path: abs}).EscapedPath()
	pragmas := "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

	w, err := sql.Open("sqlite", base+pragmas+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	// Switch to WAL and migrate before the read pool exists, so that no
	// reader ever sees a half-made schema.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := applyMigrations(ctx, w, migrationFiles()); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	r, err := sql.Open("sqlite", base+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &DB{w: w, r: r}, nil
}

// Ping reports whether the database answers a query, for health checks.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// tx runs fn in a write transaction, committing if fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// newID returns a random id of 26 lowercase base32 characters (130 bits):
// unguessable, so that knowing one assist's id tells nothing of another's.
func newID() string {
	return strings.ToLower(rand.Text())
}

// newSiteKey returns a random public site key.
func newSiteKey() string {
	return "site_" + newID()
}

// toMillis converts t to unix milliseconds, and the zero time to NULL.
func toMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMillis converts unix milliseconds (or NULL) back to a UTC time.
func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// now returns the current time at the store's precision, so that what a
// Create method sets on its argument equals what a read returns.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond)
}

// sqliteCode returns the extended result code of a driver error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// affected returns tandem.ENotFound built by notFound when res changed no row.
func affected(res sql.Result, notFound func() error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound()
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner = store.Scanner

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryRows runs a query on q and returns every row made by scan, in order.
func queryRows[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// setIDAndTime gives a new row a random id and the current time where the
// caller left them empty.
func setIDAndTime(id *string, created *time.Time) {
	if *id == "" {
		*id = newID()
	}
	if created.IsZero() {
		*created = now()
	}
}
