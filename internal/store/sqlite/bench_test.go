package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/storetest"
)

func BenchmarkAppendAudit(b *testing.B) {
	ctx := context.Background()
	db := openAt(b, b.TempDir()+"/tandem.db")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.AppendAudit(ctx, &tandem.AuditEntry{SessionID: "s", Actor: "system", Action: "x"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkAssistByID(b *testing.B) {
	ctx := context.Background()
	db := openAt(b, b.TempDir()+"/tandem.db")
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	if err := db.CreateSite(ctx, site); err != nil {
		b.Fatal(err)
	}
	a := &tandem.Assist{SiteID: site.ID}
	if err := db.CreateAssist(ctx, a); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.AssistByID(ctx, a.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkStore measures the hot paths of the store (ops/s), for
// docs/performance.md.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) store.Store {
		db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "tandem.db"))
		if err != nil {
			tb.Fatalf("Open: %v", err)
		}
		return db
	})
}
