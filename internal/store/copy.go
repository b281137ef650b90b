package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/tandemhq/tandem"
)

// CopyBatch is how many rows Copy writes in one transaction.
const CopyBatch = 500

// Copy moves every row of from into to, table by table, parents first, in
// batches of CopyBatch rows, calling progress (when not nil) after each
// batch with the table and how many of its rows are copied so far, and once
// for a table with none. It refuses, writing nothing, a destination whose
// tables differ from the source's or are not all empty. At the end it
// checks that every table has as many rows on both sides.
//
// The source must not change meanwhile: stop the servers that use it first.
// A failure part way leaves the batches written so far in to; start again
// with a fresh destination.
func Copy(ctx context.Context, from, to Copier, progress func(table string, rows int64)) error {
	tables := from.Tables()
	if dst := to.Tables(); !slices.Equal(tables, dst) {
		return tandem.Errorf(tandem.EInvalid, "the source has tables %v and the destination %v; are both at the same version of tandem?", tables, dst)
	}
	for _, table := range tables {
		n, err := to.CountRows(ctx, table)
		if err != nil {
			return fmt.Errorf("copy: destination: %w", err)
		}
		if n > 0 {
			return tandem.Errorf(tandem.EConflict, "the destination is not empty (table %s has %d rows); copy only into a new, empty store", table, n)
		}
	}
	for _, table := range tables {
		if err := copyRows(ctx, from, to, table, progress); err != nil {
			return err
		}
	}
	for _, table := range tables {
		src, err := from.CountRows(ctx, table)
		if err != nil {
			return fmt.Errorf("copy: check source: %w", err)
		}
		dst, err := to.CountRows(ctx, table)
		if err != nil {
			return fmt.Errorf("copy: check destination: %w", err)
		}
		if src != dst {
			return fmt.Errorf("copy: table %s has %d rows in the source and %d in the destination; did the source change during the copy?", table, src, dst)
		}
	}
	return nil
}

// copyRows copies the rows of one table in batches.
func copyRows(ctx context.Context, from, to Copier, table string, progress func(string, int64)) error {
	var copied int64
	batch := make([]Row, 0, CopyBatch)
	flush := func() error {
		if err := to.WriteRows(ctx, table, batch); err != nil {
			return fmt.Errorf("write after %d rows: %w", copied, err)
		}
		copied += int64(len(batch))
		batch = make([]Row, 0, CopyBatch)
		if progress != nil {
			progress(table, copied)
		}
		return nil
	}
	err := from.ReadTable(ctx, table, func(r Row) error {
		batch = append(batch, r)
		if len(batch) == CopyBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	if len(batch) > 0 || copied == 0 {
		return flush()
	}
	return nil
}
