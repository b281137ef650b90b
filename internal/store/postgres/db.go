// Package postgres is Tandem's store on PostgreSQL, for installations that
// run their own database (and, later, several Tandem servers on one). It
// uses pgx v5 and its connection pool, and implements store.Store with the
// same semantics as store/sqlite; the shared suite in store/storetest
// checks both.
//
// Every conditional change is made by one statement whose WHERE clause
// carries the condition (compare-and-set), or in one transaction that locks
// the row it depends on, so that any number of servers on one database keep
// the store's promises. The pool reconnects by itself: a server restarted
// under a running Tandem fails the calls made while it is down, and the
// calls after it is back succeed.
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// defaultMaxConns is the pool's size when the URL does not set
// pool_max_conns: pgx's default (4 on a small machine) would queue a busy
// server's requests behind few connections.
const defaultMaxConns = 16

// DB is a store.Store on a PostgreSQL database. It is safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*DB)(nil)

// Open connects to the database that rawURL names
// (postgres://user:password@host:port/db?sslmode=disable, or postgresql://;
// pgx's parameters such as pool_max_conns apply) and applies any pending
// migrations. Errors name the URL without its password.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	name := redact(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	if !strings.Contains(rawURL, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	db := &DB{pool: pool}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	if err := applyMigrations(ctx, pool, migrationFiles()); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	return db, nil
}

// redact returns rawURL without its password, for messages.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(an unreadable postgres URL)"
	}
	return u.Redacted()
}

// Ping reports whether the database answers a query, for health checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return wrapErr(err, "ping store")
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// tx runs fn in a transaction, committing if fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, db.pool, fn)
	if err != nil && tandem.ErrorCode(err) == tandem.EInternal && unreachable(err) {
		return wrapErr(err, "transaction")
	}
	return err
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
func toMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// fromMillis converts unix milliseconds (or NULL) back to a UTC time.
func fromMillis(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.UnixMilli(*ms).UTC()
}

// now returns the current time at the store's precision, so that what a
// Create method sets on its argument equals what a read returns.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond)
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

// wrapErr returns err wrapped with what failed (format and args). When the
// database could not be reached — down, restarting, the connection cut — the
// error is also a tandem.EUnavailable, which the API answers with 503 and a
// message that says so, rather than an internal error: the pool reconnects
// by itself, and the same request succeeds once the server is back.
func wrapErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if tandem.ErrorCode(err) == tandem.EInternal && unreachable(err) {
		return fmt.Errorf("%s: %w", what, errors.Join(
			tandem.Errorf(tandem.EUnavailable, "the database cannot be reached; try again shortly"), err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// unreachable reports whether err says the database could not be reached
// or went away, as opposed to refusing what was asked.
func unreachable(err error) bool {
	var connect *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), pgconn.SafeToRetry(err):
		return true
	}
	// Class 57 (operator intervention: shutting down, cannot connect now)
	// and class 08 (connection exception).
	code := pgCode(err)
	return strings.HasPrefix(code, "57P") || strings.HasPrefix(code, "08")
}

// SQLSTATE codes of the violations the store turns into tandem errors.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// pgCode returns the SQLSTATE of a server error, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func isUnique(err error) bool     { return pgCode(err) == uniqueViolation }
func isForeignKey(err error) bool { return pgCode(err) == foreignKeyViolation }

// constraint returns the name of the constraint a server error is about.
func constraint(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.ConstraintName
	}
	return ""
}

// querier is what both the pool and a transaction can run queries on.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queryRows runs a query and returns every row made by scan, in order.
func queryRows[T any](ctx context.Context, q querier, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
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

// scanWith adapts a scanner of package store to queryRows.
func scanWith[T any](scan func(store.Scanner) (T, error)) func(pgx.Row) (T, error) {
	return func(r pgx.Row) (T, error) { return scan(r) }
}

// affected returns the error notFound makes when tag changed no row.
func affected(tag pgconn.CommandTag, notFound func() error) error {
	if tag.RowsAffected() == 0 {
		return notFound()
	}
	return nil
}
