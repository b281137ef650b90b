package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/storetest"
)

// TestLeaseRaces races nodes for leases through two handles on one file,
// as two processes on one machine are.
func TestLeaseRaces(t *testing.T) {
	storetest.RunLeaseRaces(t, func(t *testing.T) (store.Store, store.Store) {
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
