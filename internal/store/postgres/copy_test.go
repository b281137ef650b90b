package postgres

import (
	"slices"
	"testing"

	"github.com/tandemhq/tandem/internal/store"
)

// Copier's tables and columns are the schema's, every one of them but the
// seq columns: a table or column that a migration adds and
// store.CopyTables lacks would be lost by `tandem migrate-data`.
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
	for _, ct := range store.CopyTables() {
		cols, err := queryRows(ctx, db.pool, scanString, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND NOT (column_name = 'seq' AND is_identity = 'YES') ORDER BY ordinal_position`, ct.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(ct.Columns)), slices.Sorted(slices.Values(cols))) {
			t.Errorf("table %s: Copier has columns %v, the schema %v", ct.Name, ct.Columns, cols)
		}
		keys, err := queryRows(ctx, db.pool, scanString, `SELECT a.attname::text FROM pg_index i
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, ct.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys, ct.Key) {
			t.Errorf("table %s: Copier orders by %v, the primary key is %v", ct.Name, ct.Key, keys)
		}
		bools, err := queryRows(ctx, db.pool, scanString, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND data_type = 'boolean' ORDER BY ordinal_position`, ct.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(ct.Bools)), slices.Sorted(slices.Values(bools))) {
			t.Errorf("table %s: Copier has booleans %v, the schema %v", ct.Name, ct.Bools, bools)
		}
		identity, err := queryRows(ctx, db.pool, scanString, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES' AND column_name <> 'seq'`, ct.Name)
		if err != nil {
			t.Fatal(err)
		}
		if id := identityColumn(ct.Name); id == "" && len(identity) > 0 || id != "" && !slices.Equal(identity, []string{id}) {
			t.Errorf("table %s: Copier's identity column is %q, the schema's %v", ct.Name, id, identity)
		}
	}
}
