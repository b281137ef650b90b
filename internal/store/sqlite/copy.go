package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// copyTable is what Copier knows of one table: its columns in order, the
// columns of its primary key, and which INTEGER columns hold booleans
// (SQLite has no boolean type, and Row carries them as bool).
type copyTable struct {
	name    string
	columns []string
	key     []string
	bools   []string
}

// copyTables returns the tables Copier moves, parents before children. A
// test compares them with the schema, so that a column added by a later
// migration cannot be left behind by a copy.
func copyTables() []copyTable {
	return []copyTable{
		{"users", []string{"id", "email", "name", "password_hash", "role", "created_at"}, []string{"id"}, nil},
		{"user_keys", []string{"fingerprint", "user_id", "authorized_key", "created_at"}, []string{"fingerprint"}, nil},
		{"sites", []string{"id", "name", "key", "allowed_origins", "strict_masking", "capture_bodies", "consent_each_agent",
			"recording_retention", "created_at"}, []string{"id"}, []string{"strict_masking", "capture_bodies", "consent_each_agent"}},
		{"login_sessions", []string{"token_hash", "user_id", "csrf_token", "created_at", "expires_at"}, []string{"token_hash"}, nil},
		{"assists", []string{"id", "site_id", "state", "person_id", "page_id", "page_url", "user_agent",
			"viewport_width", "viewport_height", "viewport_dpr", "agent_id", "created_at", "started_at", "ended_at", "end_reason",
			"recording_deleted_at"}, []string{"id"}, nil},
		{"consents", []string{"id", "assist_id", "agent_id", "person_id", "page_url", "method", "allowed", "text", "at"},
			[]string{"id"}, []string{"allowed"}},
		{"pages", []string{"assist_id", "page_id", "hash", "url", "title", "at"}, []string{"assist_id", "page_id", "hash"}, nil},
		{"invites", []string{"id", "site_id", "agent_id", "token_hash", "code_hash", "url", "created_at", "expires_at", "used_at",
			"assist_id"}, []string{"id"}, nil},
		{"audit", []string{"id", "session_id", "actor", "action", "detail", "at"}, []string{"id"}, nil},
		{"terminals", []string{"id", "host_key", "host_name", "command", "read_only", "approve", "created_at", "ended_at",
			"end_reason", "recording_id", "record_input"}, []string{"id"}, []string{"read_only", "approve", "record_input"}},
		{"secrets", []string{"name", "value", "created_at"}, []string{"name"}, nil},
		{"recording_deletions", []string{"id", "queued_at"}, []string{"id"}, nil},
		{"leases", []string{"session_id", "kind", "node", "node_url", "token", "expires_at"}, []string{"session_id"}, nil},
	}
}

// copyTableNamed returns the table called name, or tandem.EInvalid: names
// are checked against this list before they reach any SQL.
func copyTableNamed(name string) (copyTable, error) {
	for _, t := range copyTables() {
		if t.name == name {
			return t, nil
		}
	}
	return copyTable{}, tandem.Errorf(tandem.EInvalid, "%q is not a table of the store", name)
}

// Tables returns the names of the tables to copy, parents first.
func (db *DB) Tables() []string {
	var names []string
	for _, t := range copyTables() {
		names = append(names, t.name)
	}
	return names
}

// ReadTable calls fn with every row of table in primary-key order, booleans
// as bool and times as int64 milliseconds (as they are stored).
func (db *DB) ReadTable(ctx context.Context, table string, fn func(store.Row) error) error {
	t, err := copyTableNamed(table)
	if err != nil {
		return err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+strings.Join(t.columns, ", ")+` FROM `+t.name+
		` ORDER BY `+strings.Join(t.key, ", "))
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	values := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		row := make(store.Row, len(t.columns))
		for i, col := range t.columns {
			v, err := fromSQLite(values[i], slices.Contains(t.bools, col))
			if err != nil {
				return fmt.Errorf("read %s.%s: %w", table, col, err)
			}
			row[col] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return nil
}

// fromSQLite returns a value as the driver scanned it in Row's types.
func fromSQLite(v any, isBool bool) (any, error) {
	switch x := v.(type) {
	case nil, string, float64:
		return x, nil
	case []byte:
		return slices.Clone(x), nil
	case int64:
		if isBool {
			return x != 0, nil
		}
		return x, nil
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}

// WriteRows inserts rows into table in one write transaction. Every row
// must have exactly the table's columns, with values of Row's types; the
// first row that does not, or that the database refuses, rolls back all.
func (db *DB) WriteRows(ctx context.Context, table string, rows []store.Row) error {
	t, err := copyTableNamed(table)
	if err != nil {
		return err
	}
	args := make([][]any, len(rows))
	for i, row := range rows {
		if args[i], err = rowArgs(t, row); err != nil {
			return tandem.Errorf(tandem.EInvalid, "%s row %d: %v", table, i, err)
		}
	}
	marks := strings.Repeat(", ?", len(t.columns))[2:]
	err = db.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO `+t.name+` (`+strings.Join(t.columns, ", ")+`) VALUES (`+marks+`)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, a := range args {
			_, err := stmt.ExecContext(ctx, a...)
			if isUnique(err) {
				return tandem.Errorf(tandem.EConflict, "%s row %d exists already", table, i)
			}
			if err != nil {
				return fmt.Errorf("row %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		if tandem.ErrorCode(err) != tandem.EInternal {
			return err
		}
		return fmt.Errorf("write %d rows to %s: %w", len(rows), table, err)
	}
	return nil
}

// rowArgs returns row's values in the order of t's columns, or why row does
// not fit t.
func rowArgs(t copyTable, row store.Row) ([]any, error) {
	if len(row) != len(t.columns) {
		for col := range row {
			if !slices.Contains(t.columns, col) {
				return nil, fmt.Errorf("no column %q", col)
			}
		}
	}
	out := make([]any, len(t.columns))
	for i, col := range t.columns {
		v, ok := row[col]
		if !ok {
			return nil, fmt.Errorf("no value for column %q", col)
		}
		_, isBool := v.(bool)
		if isBool != slices.Contains(t.bools, col) {
			return nil, fmt.Errorf("column %q: a value of type %T; booleans go to boolean columns only", col, v)
		}
		switch x := v.(type) {
		case nil, string, int64, float64, []byte, bool:
			out[i] = x
		default:
			return nil, fmt.Errorf("column %q: a value of type %T", col, v)
		}
	}
	return out, nil
}

// CountRows returns how many rows table has.
func (db *DB) CountRows(ctx context.Context, table string) (int64, error) {
	t, err := copyTableNamed(table)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}
