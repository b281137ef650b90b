package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/store"
)

// defaultDataDir returns $TANDEM_DATA, or ./tandem-data when it is unset.
func defaultDataDir() string { return envOr("TANDEM_DATA", "tandem-data") }

// envOr returns $name, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// storage is where a command finds the installation: --data, and --store
// and --blobs, whose defaults are in the data directory.
type storage struct {
	data, store, blobs *string
}

// storageFlags registers --data, --store and --blobs on fs.
func storageFlags(fs *flag.FlagSet) *storage {
	return &storage{
		data:  fs.String("data", defaultDataDir(), "data `directory` (env TANDEM_DATA); the default store is DIR/"+app.DBFile+" and blobs DIR/"+app.BlobsDir),
		store: fs.String("store", envOr("TANDEM_STORE", ""), "the store's `URL` (env TANDEM_STORE): sqlite:///path/tandem.db or postgres://user@host/db (default sqlite://DATA/"+app.DBFile+")"),
		blobs: fs.String("blobs", envOr("TANDEM_BLOBS", ""), "blob storage `URL` for recordings (env TANDEM_BLOBS): file:///path or s3://bucket/prefix?endpoint=... (default file://DATA/"+app.BlobsDir+")"),
	}
}

// storeURL is --store, or the SQLite file in --data.
func (s *storage) storeURL() string {
	if *s.store != "" {
		return *s.store
	}
	return backend.SQLiteURL(filepath.Join(*s.data, app.DBFile))
}

// blobsURL is --blobs, or the blobs directory in --data.
func (s *storage) blobsURL() string {
	if *s.blobs != "" {
		return *s.blobs
	}
	return backend.FileURL(filepath.Join(*s.data, app.BlobsDir))
}

// openStore opens the installation's store for an admin command. Only serve
// creates an SQLite database: an admin command pointed at the wrong place
// must say so, not leave an empty database there and print an empty table.
func (s *storage) openStore(ctx context.Context) (store.Store, error) {
	if err := s.checkExists(); err != nil {
		return nil, err
	}
	st, err := backend.OpenStore(ctx, s.storeURL())
	if err != nil {
		return nil, fmt.Errorf("--store %w", err)
	}
	return st, nil
}

// passportOf returns the passport's part of the store, or an error saying
// that this store keeps none (for command, e.g. "identity add").
func passportOf(db store.Store, command string) (store.Passport, error) {
	ps, ok := db.(store.Passport)
	if !ok {
		return nil, fmt.Errorf("%s: this store keeps no passport", command)
	}
	return ps, nil
}

// openBlobs opens the installation's blob storage.
func (s *storage) openBlobs(ctx context.Context) (blobs.Store, error) {
	bs, err := backend.OpenBlobs(ctx, s.blobsURL())
	if err != nil {
		return nil, fmt.Errorf("--blobs %w", err)
	}
	return bs, nil
}

// checkExists refuses an SQLite store whose file does not exist, naming
// the flag that chose it.
func (s *storage) checkExists() error {
	if *s.store != "" {
		return existingStore(*s.store, "--store")
	}
	dir := *s.data
	_, err := os.Stat(filepath.Join(dir, app.DBFile))
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	hint := "pass the --data directory (or TANDEM_DATA) of your server; only `tandem serve` creates one"
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("data directory %s does not exist: %s", dir, hint)
	}
	return fmt.Errorf("data directory %s holds no Tandem database (%s): %s", dir, app.DBFile, hint)
}

// existingStore refuses a sqlite:// URL, given with flag, whose file does
// not exist. Other URLs pass: a server's database exists before Tandem.
func existingStore(rawURL, flag string) error {
	path, ok := backend.SQLiteFile(rawURL)
	if !ok {
		return nil
	}
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %s: there is no Tandem database at %s: pass the store of your server; only `tandem serve` creates one", flag, backend.Redact(rawURL), path)
	}
	return fmt.Errorf("%s %s: %w", flag, backend.Redact(rawURL), err)
}

// stringsFlag is a flag that may be given many times.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ", ") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage, headed by the given line, to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses args with fs, allowing flags after positional
// arguments (tandem user remove alex@example.com --data DIR), and returns
// the positional arguments. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
