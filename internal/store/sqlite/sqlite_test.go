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
