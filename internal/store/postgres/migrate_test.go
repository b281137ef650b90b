package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/store/migrate"
)

// rawPool opens a bare pool on url, as Open does before it migrates.
func rawPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestConcurrentOpenMigratesOnce is several servers starting at once on
// one empty database: every one opens it, and each migration is applied
// exactly once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			db, err := Open(ctx, url)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("server %d of %d starting at once: %v", i, n, err)
		}
	}
	ms, err := migrate.Load(migrationFiles())
	if err != nil {
		t.Fatal(err)
	}
	pool := rawPool(t, url)
	rows, err := pool.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(ms) {
		t.Fatalf("schema_migrations has versions %v, want each of the %d migrations once", versions, len(ms))
	}
	for i, m := range ms {
		if versions[i] != m.Version {
			t.Errorf("schema_migrations has versions %v, want each of the %d migrations once", versions, len(ms))
			break
		}
	}
}

func TestOpenUpgradesEachOlderVersion(t *testing.T) {
	ctx := context.Background()
	all, err := migrate.Load(migrationFiles())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || all[0].Version != 1 {
		t.Fatalf("embedded migrations start at %v, want 0001", all)
	}
	latest := all[len(all)-1].Version
	for k := 1; k <= len(all); k++ {
		url := pgtest.URL(t)
		older := fstest.MapFS{}
		for _, m := range all[:k] {
			older[m.Name+".sql"] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
		if err := applyMigrations(ctx, rawPool(t, url), older); err != nil {
			t.Fatalf("migrate to version %d: %v", all[k-1].Version, err)
		}
		db, err := Open(ctx, url)
		if err != nil {
			t.Fatalf("Open a database at version %d: %v", all[k-1].Version, err)
		}
		v, err := schemaVersion(ctx, db.pool)
		if err != nil {
			t.Fatal(err)
		}
		if v != latest {
			t.Errorf("Open left a database from version %d at %d, want %d", all[k-1].Version, v, latest)
		}
		db.Close()
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	pool := rawPool(t, pgtest.URL(t))
	fsys := fstest.MapFS{
		"0001_ok.sql":     {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"0002_broken.sql": {Data: []byte(`CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1);`)},
	}
	err := applyMigrations(ctx, pool, fsys)
	if err == nil || !strings.Contains(err.Error(), "0002_broken") {
		t.Fatalf("migrate with a broken migration: %v, want an error naming it", err)
	}
	if v, _ := schemaVersion(ctx, pool); v != 1 {
		t.Errorf("schema version after a failed migration = %d, want 1", v)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'b'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("a failed migration left its table behind")
	}
}

// TestOpenRefusesNewerDatabase: a database that a newer Tandem migrated is
// refused, and left as it is.
func TestOpenRefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	pool := rawPool(t, url)
	if _, err := pool.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, url)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a database from a newer tandem = %v, want an error saying it is newer", err)
	}
	if v, _ := schemaVersion(ctx, pool); v != 9999 {
		t.Errorf("the refused database is at version %d now, want 9999 kept", v)
	}
}
