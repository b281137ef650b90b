package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	ms, err := Load(fstest.MapFS{
		"0010_later.sql": {Data: []byte("B")},
		"0002_first.sql": {Data: []byte("A")},
		"README.md":      {Data: []byte("not a migration")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0] != (Migration{2, "0002_first", "A"}) || ms[1] != (Migration{10, "0010_later", "B"}) {
		t.Errorf("Load = %+v, want 0002_first then 0010_later", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"NNNN_name.sql": {"init.sql": {}},
		"NNNN_name":     {"0000_zero.sql": {}},
		"same version":  {"0001_a.sql": {}, "01_b.sql": {}},
	} {
		if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Load(%v) = %v, want an error with %q", fsys, err, name)
		}
	}
}

// fakeDB records the statements of each transaction. Its schema_migrations
// holds applied.
type fakeDB struct {
	applied map[int64]bool
	txs     [][]string
	fail    string // a statement that fails
}

func (d *fakeDB) InTx(ctx context.Context, fn func(Tx) error) error {
	tx := &fakeTx{db: d}
	err := fn(tx)
	d.txs = append(d.txs, tx.stmts)
	if err == nil {
		for _, v := range tx.inserted {
			d.applied[v] = true
		}
	}
	return err
}

type fakeTx struct {
	db       *fakeDB
	stmts    []string
	inserted []int64
}

func (t *fakeTx) Exec(ctx context.Context, sql string, args ...any) error {
	t.stmts = append(t.stmts, sql)
	if sql == t.db.fail {
		return errors.New("boom")
	}
	if strings.HasPrefix(sql, "INSERT INTO schema_migrations") {
		t.inserted = append(t.inserted, int64(args[0].(int)))
	}
	return nil
}

func (t *fakeTx) QueryInt(ctx context.Context, sql string, args ...any) (int64, error) {
	t.stmts = append(t.stmts, sql)
	switch {
	case strings.Contains(sql, "max(version)"):
		var maxV int64
		for v := range t.db.applied {
			maxV = max(maxV, v)
		}
		return maxV, nil
	case strings.Contains(sql, "count(*)"):
		if t.db.applied[int64(args[0].(int))] {
			return 1, nil
		}
		return 0, nil
	}
	return 0, errors.New("unexpected query " + sql)
}

// TestApplyLocksEveryTransaction: with a Lock, it is the first statement of
// every transaction the runner makes, before it reads what is applied.
func TestApplyLocksEveryTransaction(t *testing.T) {
	db := &fakeDB{applied: map[int64]bool{1: true}}
	d := Dialect{Lock: "LOCK", Param: func(int) string { return "?" }, Int: "INTEGER"}
	fsys := fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE a")}, "0002_b.sql": {Data: []byte("CREATE b")}}
	if err := Apply(context.Background(), db, d, fsys); err != nil {
		t.Fatal(err)
	}
	if len(db.txs) != 3 {
		t.Fatalf("Apply made %d transactions, want 3 (schema_migrations, then one per migration)", len(db.txs))
	}
	for i, stmts := range db.txs {
		if len(stmts) == 0 || stmts[0] != "LOCK" {
			t.Errorf("transaction %d ran %q, want the lock first", i, stmts)
		}
	}
	if got := strings.Join(db.txs[1], ";"); strings.Contains(got, "CREATE a") {
		t.Errorf("an applied migration ran again: %s", got)
	}
	if got := strings.Join(db.txs[2], ";"); !strings.Contains(got, "CREATE b") || !db.applied[2] {
		t.Errorf("the pending migration did not run: %s", got)
	}
}

func TestApplyRefusesNewerDatabase(t *testing.T) {
	db := &fakeDB{applied: map[int64]bool{7: true}}
	d := Dialect{Param: func(int) string { return "?" }, Int: "INTEGER"}
	err := Apply(context.Background(), db, d, fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE a")}})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Apply on a database at version 7 with migrations to 1 = %v, want it refused as newer", err)
	}
	if len(db.txs) != 1 {
		t.Errorf("Apply ran %d transactions on a newer database, want only the one that read its version", len(db.txs))
	}
}

func TestApplyNamesFailedMigration(t *testing.T) {
	db := &fakeDB{applied: map[int64]bool{}, fail: "CREATE b"}
	d := Dialect{Param: func(int) string { return "?" }, Int: "INTEGER"}
	fsys := fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE a")}, "0002_b.sql": {Data: []byte("CREATE b")}, "0003_c.sql": {Data: []byte("CREATE c")}}
	err := Apply(context.Background(), db, d, fsys)
	if err == nil || !strings.Contains(err.Error(), "0002_b") {
		t.Fatalf("Apply = %v, want an error naming 0002_b", err)
	}
	if !db.applied[1] || db.applied[2] || db.applied[3] {
		t.Errorf("applied %v, want 1 only: the failed one rolled back and none after it run", db.applied)
	}
}
