package sqlite

import (
	"slices"
	"testing"

	"github.com/tandemhq/tandem/internal/store"
)

// Copier's tables and columns are the schema's, every one of them: a table
// or column that a migration adds and store.CopyTables lacks would be lost by
// `tandem migrate-data`.
func TestCopyTablesMatchSchema(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := t.Context()
	tables, err := queryRows(ctx, db.r, scanString, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(db.Tables())); !slices.Equal(got, tables) {
		t.Errorf("Tables() = %v, the schema has %v", got, tables)
	}
	for _, ct := range store.CopyTables() {
		cols, err := queryRows(ctx, db.r, scanString, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, ct.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(ct.Columns)), slices.Sorted(slices.Values(cols))) {
			t.Errorf("table %s: Copier has columns %v, the schema %v", ct.Name, ct.Columns, cols)
		}
		keys, err := queryRows(ctx, db.r, scanString, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, ct.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys, ct.Key) {
			t.Errorf("table %s: Copier orders by %v, the primary key is %v", ct.Name, ct.Key, keys)
		}
		for _, b := range ct.Bools {
			if !slices.Contains(ct.Columns, b) {
				t.Errorf("table %s: boolean %s is not a column", ct.Name, b)
			}
		}
	}
}
