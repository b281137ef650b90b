package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/storetest"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// openAt opens the store in the file at path, failing tb if it cannot; the
// store is closed when tb ends.
func openAt(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestPing(t *testing.T) {
	db := openTemp(t)
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	db.Close()
	if err := db.Ping(t.Context()); err == nil {
		t.Fatal("Ping on a closed store succeeded")
	}
}

func TestCopy(t *testing.T) {
	open := func(t *testing.T) store.Store { return openTemp(t) }
	storetest.RunCopy(t, open, open)
}

// TestRaces races callers on two handles on one file, as two servers (or a
// server and an admin command) are.
func TestRaces(t *testing.T) {
	storetest.RunRaces(t, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "tandem.db")
		a, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(context.Background(), path)
		if err != nil {
			a.Close()
			t.Fatal(err)
		}
		return a, b
	})
}
