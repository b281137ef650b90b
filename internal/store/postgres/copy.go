package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// identityColumn returns the identity column of table, whose sequence
// must pass the ids that a copy writes, or "" when it has none (the seq
// columns that only order rows are not copied, so they do not count). A
// test compares it with the schema.
func identityColumn(table string) string {
	switch table {
	case "consents", "audit":
		return "id"
	}
	return ""
}

// Tables returns the names of the tables to copy, parents first.
func (db *DB) Tables() []string { return store.CopyTableNames() }

// ReadTable calls fn with every row of table in primary-key order, integers
// as int64 and times as int64 milliseconds (as they are stored).
func (db *DB) ReadTable(ctx context.Context, table string, fn func(store.Row) error) error {
	t, err := store.CopyTable(table)
	if err != nil {
		return err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+strings.Join(t.Columns, ", ")+` FROM `+t.Name+
		` ORDER BY `+strings.Join(t.Key, ", "))
	if err != nil {
		return wrapErr(err, "read %s", table)
	}
	defer rows.Close()
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return wrapErr(err, "read %s", table)
		}
		row := make(store.Row, len(t.Columns))
		for i, col := range t.Columns {
			v, err := fromPostgres(values[i])
			if err != nil {
				return wrapErr(err, "read %s.%s", table, col)
			}
			row[col] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return wrapErr(err, "read %s", table)
	}
	return nil
}

// fromPostgres returns a value as pgx decoded it in Row's types.
func fromPostgres(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, float64, bool:
		return x, nil
	case []byte:
		return slices.Clone(x), nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}

// WriteRows inserts rows into table in one transaction, with COPY. Every
// row must have exactly the table's columns, with values of Row's types;
// the first row that does not, or that the database refuses, rolls back
// all.
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
	err = db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.Name}, t.Columns, pgx.CopyFromRows(args)); err != nil {
			if isUnique(err) {
				return tandem.Errorf(tandem.EConflict, "a row of %s exists already", table)
			}
			return err
		}
		identity := identityColumn(t.Name)
		if identity == "" || len(rows) == 0 {
			return nil
		}
		// Ids the copy wrote must not be handed out again: the sequence
		// moves past the largest, unless it is past it already.
		_, err := tx.Exec(ctx, `SELECT setval(seq, GREATEST((SELECT max(`+identity+`) FROM `+t.Name+`), nextval(seq) - 1))
			FROM pg_get_serial_sequence($1, $2) AS seq`, t.Name, identity)
		return err
	})
	if err != nil {
		if tandem.ErrorCode(err) != tandem.EInternal {
			return err
		}
		return wrapErr(err, "write %d rows to %s", len(rows), table)
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
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+t.Name).Scan(&n); err != nil {
		return 0, wrapErr(err, "count %s", table)
	}
	return n, nil
}
