package postgres

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/store"
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

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}
