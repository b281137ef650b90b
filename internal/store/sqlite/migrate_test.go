package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store/migrate"
)

// openRaw opens a bare writer pool on a new file, as Open does before it
// migrates.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tandem.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u := &tandem.User{Email: "alex@example.com", Name: "Alex"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		if _, err := db.UserByID(ctx, u.ID); err != nil {
			t.Errorf("reopen %d lost a user: %v", i, err)
		}
		ms, err := migrate.Load(migrationFiles())
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Errorf("reopen %d: schema_migrations has %d rows, want one per migration (%d)", i, n, len(ms))
		}
		db.Close()
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
		path := filepath.Join(t.TempDir(), "tandem.db")
		older := fstest.MapFS{}
		for _, m := range all[:k] {
			older[m.Name+".sql"] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
		raw := openRaw(t, path)
		if err := applyMigrations(ctx, raw, older); err != nil {
			t.Fatalf("migrate to version %d: %v", all[k-1].Version, err)
		}
		raw.Close()

		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open a database at version %d: %v", all[k-1].Version, err)
		}
		v, err := schemaVersion(ctx, db.r)
		if err != nil {
			t.Fatal(err)
		}
		if v != latest {
			t.Errorf("Open left a database from version %d at %d, want %d", all[k-1].Version, v, latest)
		}
		db.Close()
	}
}

func TestMigrateUpgradesKeepingData(t *testing.T) {
	ctx := context.Background()
	db := openRaw(t, filepath.Join(t.TempDir(), "test.db"))
	v1 := fstest.MapFS{"0001_notes.sql": {Data: []byte(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);`)}}
	if err := applyMigrations(ctx, db, v1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO notes (body) VALUES ('kept')`); err != nil {
		t.Fatal(err)
	}

	// Version 2 on top. Were 0001 run again, its CREATE TABLE would fail.
	v2 := fstest.MapFS{
		"0001_notes.sql":  v1["0001_notes.sql"],
		"0002_author.sql": {Data: []byte("ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'nobody';\nCREATE INDEX notes_author ON notes (author);")},
	}
	for i := range 2 {
		if err := applyMigrations(ctx, db, v2); err != nil {
			t.Fatalf("migrate to 2 (run %d): %v", i, err)
		}
	}
	var body, author string
	if err := db.QueryRowContext(ctx, `SELECT body, author FROM notes`).Scan(&body, &author); err != nil {
		t.Fatal(err)
	}
	if body != "kept" || author != "nobody" {
		t.Errorf("after upgrade: body %q author %q, want kept/nobody", body, author)
	}
	if v, err := schemaVersion(ctx, db); err != nil || v != 2 {
		t.Errorf("schema version = %d, %v; want 2", v, err)
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	db := openRaw(t, filepath.Join(t.TempDir(), "test.db"))
	fsys := fstest.MapFS{
		"0001_ok.sql":     {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"0002_broken.sql": {Data: []byte(`CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1);`)},
	}
	err := applyMigrations(ctx, db, fsys)
	if err == nil || !strings.Contains(err.Error(), "0002_broken") {
		t.Fatalf("migrate with a broken migration: %v, want an error naming it", err)
	}
	if v, _ := schemaVersion(ctx, db); v != 1 {
		t.Errorf("schema version after a failed migration = %d, want 1", v)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'b'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("a failed migration left its table behind")
	}
}

func TestMigrateRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		fsys fs.FS
		prep string // SQL run before migrating
		want string
	}{
		{"bad name", fstest.MapFS{"init.sql": {Data: []byte(`SELECT 1;`)}}, "", "NNNN_name.sql"},
		{"zero version", fstest.MapFS{"0000_init.sql": {Data: []byte(`SELECT 1;`)}}, "", "NNNN_name.sql"},
		{"same version", fstest.MapFS{"0001_a.sql": {Data: []byte(`SELECT 1;`)}, "01_b.sql": {Data: []byte(`SELECT 1;`)}}, "", "same version"},
		{"newer database", fstest.MapFS{"0001_a.sql": {Data: []byte(`SELECT 1;`)}},
			`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
			 INSERT INTO schema_migrations VALUES (7, 'future', 0);`, "newer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openRaw(t, filepath.Join(t.TempDir(), "test.db"))
			if tt.prep != "" {
				if _, err := db.ExecContext(ctx, tt.prep); err != nil {
					t.Fatal(err)
				}
			}
			err := applyMigrations(ctx, db, tt.fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("migrate = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestOpenSettings(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	for _, pool := range []struct {
		name string
		db   *sql.DB
	}{{"writer", db.w}, {"reader", db.r}} {
		var mode string
		var fk, busy int
		if err := pool.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := pool.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := pool.db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy < 1000 {
			t.Errorf("%s: journal_mode %q foreign_keys %d busy_timeout %d; want wal, 1, >= 1000", pool.name, mode, fk, busy)
		}
	}
	if _, err := db.r.ExecContext(ctx, `DELETE FROM users`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestOpenPathWithSpecialCharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data dir?#%")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tandem.db")
	db := openAt(t, path)
	if err := db.CreateUser(ctx, &tandem.User{Email: "a@example.com", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at %q: %v", path, err)
	}
}

func TestOpenMakesPrivateFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tandem.db")
	db := openAt(t, path)
	if err := db.CreateUser(ctx, &tandem.User{Email: "a@example.com", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("stat %s: %v", p, err)
			continue
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group and others", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
