package store

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

// CopyTable knows the tables of CopyTables by name and nothing else, so a
// name reaches SQL only once it is one of them.
func TestCopyTable(t *testing.T) {
	names := CopyTableNames()
	if len(names) != len(CopyTables()) {
		t.Fatalf("CopyTableNames has %d names for %d tables", len(names), len(CopyTables()))
	}
	for i, ct := range CopyTables() {
		if names[i] != ct.Name {
			t.Errorf("CopyTableNames()[%d] = %q, want %q", i, names[i], ct.Name)
		}
		got, err := CopyTable(ct.Name)
		if err != nil || got.Name != ct.Name || !slices.Equal(got.Columns, ct.Columns) {
			t.Errorf("CopyTable(%q) = %v, %v", ct.Name, got, err)
		}
		for _, col := range slices.Concat(ct.Key, ct.Bools) {
			if !slices.Contains(ct.Columns, col) {
				t.Errorf("table %s: key or boolean %q is not a column", ct.Name, col)
			}
		}
	}
	for _, name := range []string{"", "no_such_table", "audit; DROP TABLE users", "AUDIT", "schema_migrations"} {
		if _, err := CopyTable(name); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("CopyTable(%q) = %v, want EInvalid", name, err)
		}
	}
}

// Args puts a row's values in column order and refuses a row that does not
// fit the table exactly.
func TestTableArgs(t *testing.T) {
	sites, err := CopyTable("sites")
	if err != nil {
		t.Fatal(err)
	}
	good := func() Row {
		return Row{"id": "s1", "name": "Shop", "key": "k", "allowed_origins": `["https://shop.example"]`,
			"strict_masking": true, "capture_bodies": false, "consent_each_agent": true,
			"recording_retention": int64(3600), "triage_bot_id": "", "created_at": int64(1700000000000), "screen_mapping": "", "auto_video": true}
	}
	args, err := sites.Args(good())
	if err != nil {
		t.Fatalf("Args(good row): %v", err)
	}
	want := []any{"s1", "Shop", "k", `["https://shop.example"]`, true, false, true, int64(3600), "", int64(1700000000000), "", true}
	if len(args) != len(want) {
		t.Fatalf("Args = %v, want %v", args, want)
	}
	for i := range want {
		if args[i] != want[i] {
			t.Errorf("Args[%d] (%s) = %#v, want %#v", i, sites.Columns[i], args[i], want[i])
		}
	}
	if args, err := (Table{Name: "x", Columns: []string{"a", "b", "c"}}).Args(Row{"c": []byte{1}, "a": nil, "b": 2.5}); err != nil ||
		args[0] != nil || args[1] != 2.5 || string(args[2].([]byte)) != "\x01" {
		t.Errorf("Args of nil, float64, []byte = %#v, %v", args, err)
	}

	for _, tt := range []struct {
		name   string
		change func(Row)
		want   string // in the error
	}{
		{"extra column", func(r Row) { r["evil"] = "x" }, `no column "evil"`},
		{"another column for a missing one", func(r Row) { delete(r, "key"); r["evil"] = "x" }, `no value for column "key"`},
		{"missing column", func(r Row) { delete(r, "name") }, `no value for column "name"`},
		{"bool in a column that is not boolean", func(r Row) { r["recording_retention"] = true }, `column "recording_retention"`},
		{"integer in a boolean column", func(r Row) { r["strict_masking"] = int64(1) }, `column "strict_masking"`},
		{"nil in a boolean column", func(r Row) { r["capture_bodies"] = nil }, `column "capture_bodies"`},
		{"int rather than int64", func(r Row) { r["created_at"] = 1 }, `column "created_at": a value of type int`},
		{"time", func(r Row) { r["created_at"] = time.Now() }, `column "created_at": a value of type time.Time`},
	} {
		r := good()
		tt.change(r)
		args, err := sites.Args(r)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Args with %s = %v, %v; want an error with %q", tt.name, args, err, tt.want)
		}
	}
}
