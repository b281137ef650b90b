package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/store"
)

// runMigrate applies the store's pending migrations and exits; serve does
// the same at start, so running it first is only needed to migrate before
// servers start (or to see that it works).
func runMigrate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "tandem migrate [--store URL | --data DIR]", stderr)
	data := storageFlags(fs)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	st, err := data.openStore(ctx) // opening applies the migrations
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "%s: the schema is up to date\n", backend.Redact(data.storeURL()))
	return nil
}

// runMigrateData copies an installation from one store and blob storage to
// others: every row, table by table, and every blob, checked.
func runMigrateData(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate-data", "tandem migrate-data --from STORE --to STORE [--from-blobs BLOBS --to-blobs BLOBS]", stderr)
	from := fs.String("from", "", "the `URL` of the store to copy (it must exist), e.g. sqlite:///var/lib/tandem/tandem.db")
	to := fs.String("to", "", "the `URL` of the store to copy into; it must be empty, e.g. postgres://tandem@db/tandem")
	fromBlobs := fs.String("from-blobs", "", "the `URL` of the blob storage to copy, e.g. file:///var/lib/tandem/blobs")
	toBlobs := fs.String("to-blobs", "", "the `URL` of the blob storage to copy into, e.g. s3://bucket/tandem?endpoint=...")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	switch {
	case (*from == "") != (*to == ""):
		return errors.New("migrate-data: give both --from and --to, or neither (to copy blobs only)")
	case (*fromBlobs == "") != (*toBlobs == ""):
		return errors.New("migrate-data: give both --from-blobs and --to-blobs, or neither")
	case *from == "" && *fromBlobs == "":
		fs.Usage()
		return errors.New("migrate-data: nothing to copy: give --from and --to, --from-blobs and --to-blobs, or both")
	case *from != "" && sameStore(*from, *to):
		return errors.New("migrate-data: --from and --to are the same store")
	case *fromBlobs != "" && *fromBlobs == *toBlobs:
		return errors.New("migrate-data: --from-blobs and --to-blobs are the same")
	}

	// Open every source before any destination, so that a typo in a source
	// leaves no new database behind.
	var src, dst store.Store
	var srcBlobs, dstBlobs blobs.Store
	if *from != "" {
		if err := existingStore(*from, "--from"); err != nil {
			return err
		}
		st, err := backend.OpenStore(ctx, *from)
		if err != nil {
			return fmt.Errorf("--from %w", err)
		}
		defer st.Close()
		src = st
	}
	if *fromBlobs != "" {
		bs, err := backend.OpenBlobs(ctx, *fromBlobs)
		if err != nil {
			return fmt.Errorf("--from-blobs %w", err)
		}
		srcBlobs = bs
	}
	if *to != "" {
		st, err := backend.OpenStore(ctx, *to)
		if err != nil {
			return fmt.Errorf("--to %w", err)
		}
		defer st.Close()
		dst = st
		// Refuse a destination in use before copying any blob, so that a
		// refusal changes nothing.
		if err := checkEmpty(ctx, dst); err != nil {
			return fmt.Errorf("migrate-data: --to %s: %w", backend.Redact(*to), err)
		}
	}
	if *toBlobs != "" {
		bs, err := backend.OpenBlobs(ctx, *toBlobs)
		if err != nil {
			return fmt.Errorf("--to-blobs %w", err)
		}
		dstBlobs = bs
	}

	// Blobs first: if their copy fails, it can simply be run again, as the
	// destination store is still empty.
	if srcBlobs != nil {
		fmt.Fprintf(stdout, "copying blobs from %s to %s\n", backend.Redact(*fromBlobs), backend.Redact(*toBlobs))
		st, err := backend.CopyBlobs(ctx, srcBlobs, dstBlobs, func(p backend.BlobCopy) {
			if p.Done%100 == 0 && p.Done < p.Total {
				fmt.Fprintf(stdout, "  blobs: %d of %d\n", p.Done, p.Total)
			}
		})
		if err != nil {
			return fmt.Errorf("migrate-data: blobs: %w (%d of %d done; run the same command again to finish)", err, st.Done, st.Total)
		}
		fmt.Fprintf(stdout, "  blobs: %d of %d: %d copied (%d bytes), %d there already, each checked\n", st.Done, st.Total, st.Copied, st.Bytes, st.Present)
	}
	if src != nil {
		fmt.Fprintf(stdout, "copying the store from %s to %s\n", backend.Redact(*from), backend.Redact(*to))
		if err := copyStore(ctx, src, dst, stdout); err != nil {
			return fmt.Errorf("migrate-data: store: %w", err)
		}
	}
	fmt.Fprintln(stdout, "done")
	return nil
}

// copyStore copies every table of src into dst, printing progress.
func copyStore(ctx context.Context, src, dst store.Store, stdout io.Writer) error {
	from, to, err := copiers(src, dst)
	if err != nil {
		return err
	}
	// Copy reports after each batch of rows, and once for an empty table.
	return store.Copy(ctx, from, to, func(table string, n int64) {
		fmt.Fprintf(stdout, "  %s: %d rows\n", table, n)
	})
}

// checkEmpty refuses a store that holds any row.
func checkEmpty(ctx context.Context, st store.Store) error {
	c, ok := st.(store.Copier)
	if !ok {
		return errors.New("this store cannot be copied into")
	}
	for _, table := range c.Tables() {
		n, err := c.CountRows(ctx, table)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("not empty (table %s has %d rows); copy only into a new, empty store", table, n)
		}
	}
	return nil
}

// copiers returns src and dst as store.Copiers.
func copiers(src, dst store.Store) (store.Copier, store.Copier, error) {
	from, ok := src.(store.Copier)
	if !ok {
		return nil, nil, errors.New("the source store cannot be copied")
	}
	to, ok := dst.(store.Copier)
	if !ok {
		return nil, nil, errors.New("the destination store cannot be copied into")
	}
	return from, to, nil
}

// sameStore reports whether two store URLs name the same store, as far as
// can be told: the same text, or the same SQLite file.
func sameStore(a, b string) bool {
	if a == b {
		return true
	}
	pa, okA := backend.SQLiteFile(a)
	pb, okB := backend.SQLiteFile(b)
	return okA && okB && absPath(pa) == absPath(pb)
}

// absPath is path made absolute, or path when that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
