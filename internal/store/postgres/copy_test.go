package postgres

import (
	"slices"
	"testing"
)

// Copier's tables and columns are the schema's, every one of them but the
// seq columns: a table or column that a migration adds and copyTables
// lacks would be lost by `tandem migrate-data`.
func TestCopyTablesMatchSchema(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	tables, err := queryRows(ctx, db.pool, scanString, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(db.Tables())); !slices.Equal(got, tables) {
		t.Errorf("Tables() = %v, the schema has %v", got, tables)
	}
	for _, ct := range copyTables() {
		cols, err := queryRows(ctx, db.pool, scanString, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name <> 'seq' ORDER BY ordinal_position`, ct.name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(ct.columns)), slices.Sorted(slices.Values(cols))) {
			t.Errorf("table %s: Copier has columns %v, the schema %v", ct.name, ct.columns, cols)
		}
		keys, err := queryRows(ctx, db.pool, scanString, `SELECT a.attname::text FROM pg_index i
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, ct.name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys, ct.key) {
			t.Errorf("table %s: Copier orders by %v, the primary key is %v", ct.name, ct.key, keys)
		}
		bools, err := queryRows(ctx, db.pool, scanString, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND data_type = 'boolean' ORDER BY ordinal_position`, ct.name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(ct.bools)), slices.Sorted(slices.Values(bools))) {
			t.Errorf("table %s: Copier has booleans %v, the schema %v", ct.name, ct.bools, bools)
		}
		identity, err := queryRows(ctx, db.pool, scanString, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES' AND column_name <> 'seq'`, ct.name)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{ct.identity}; ct.identity == "" && len(identity) > 0 || ct.identity != "" && !slices.Equal(identity, want) {
			t.Errorf("table %s: Copier's identity column is %q, the schema's %v", ct.name, ct.identity, identity)
		}
	}
}
