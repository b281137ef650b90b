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

// Tables returns the names of the tables to copy, parents first.
func (db *DB) Tables() []string { return store.CopyTableNames() }

// ReadTable calls fn with every row of table in primary-key order, booleans
// as bool and times as int64 milliseconds (as they are stored).
func (db *DB) ReadTable(ctx context.Context, table string, fn func(store.Row) error) error {
	t, err := store.CopyTable(table)
	if err != nil {
		return err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+strings.Join(t.Columns, ", ")+` FROM `+t.Name+
		` ORDER BY `+strings.Join(t.Key, ", "))
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	values := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		row := make(store.Row, len(t.Columns))
		for i, col := range t.Columns {
			v, err := fromSQLite(values[i], slices.Contains(t.Bools, col))
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
	t, err := store.CopyTable(table)
	if err != nil {
		return err
	}
	args := make([][]any, len(rows))
	for i, row := range rows {
		if args[i], err = t.Args(row); err != nil {
			return tandem.Errorf(tandem.EInvalid, "%s row %d: %v", table, i, err)
		}
	}
	marks := strings.Repeat(", ?", len(t.Columns))[2:]
	err = db.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO `+t.Name+` (`+strings.Join(t.Columns, ", ")+`) VALUES (`+marks+`)`)
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

// CountRows returns how many rows table has.
func (db *DB) CountRows(ctx context.Context, table string) (int64, error) {
	t, err := store.CopyTable(table)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t.Name).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}
