package postgres

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
	"github.com/tandemhq/tandem/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openTemp opens the store on a fresh database; it is closed when tb ends.
func openTemp(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), pgtest.URL(tb))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func openStore(t *testing.T) store.Store { return openTemp(t) }

// openSQLite opens a fresh SQLite store, the other side of cross-backend
// copies.
func openSQLite(t *testing.T) store.Store {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, openStore)
}

// TestRaces races callers on two stores on one database, as two servers
// are.
func TestRaces(t *testing.T) {
	storetest.RunRaces(t, func(t *testing.T) (store.Store, store.Store) {
		url := pgtest.URL(t)
		a, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(context.Background(), url)
		if err != nil {
			a.Close()
			t.Fatal(err)
		}
		return a, b
	})
}

func TestCopy(t *testing.T) {
	storetest.RunCopy(t, openStore, openStore)
}

// TestCopyFromSQLite is `tandem migrate-data` from the default store to
// PostgreSQL, and TestCopyToSQLite the way back.
func TestCopyFromSQLite(t *testing.T) {
	storetest.RunCopy(t, openSQLite, openStore)
}

func TestCopyToSQLite(t *testing.T) {
	storetest.RunCopy(t, openStore, openSQLite)
}

// BenchmarkStore measures the hot paths of the store (ops/s), for
// docs/performance.md.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) store.Store {
		db, err := Open(context.Background(), pgtest.URL(tb))
		if err != nil {
			tb.Fatalf("Open: %v", err)
		}
		return db
	})
}
