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
	"github.com/tandemhq/tandem/internal/store/sqlite"
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

// dataDirFlag registers --data on fs.
func dataDirFlag(fs *flag.FlagSet) *string {
	return fs.String("data", defaultDataDir(), "data `directory` (env TANDEM_DATA); the database is DIR/"+app.DBFile)
}

// openData opens the store in the data directory dir for an admin command.
// Only serve creates a data directory: an admin command pointed at the
// wrong place must say so, not leave an empty database there and print an
// empty table.
func openData(ctx context.Context, dir string) (*sqlite.DB, error) {
	_, err := os.Stat(filepath.Join(dir, app.DBFile))
	switch {
	case err == nil:
		return app.OpenStore(ctx, dir)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	hint := "pass the --data directory (or TANDEM_DATA) of your server; only `tandem serve` creates one"
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data directory %s does not exist: %s", dir, hint)
	}
	return nil, fmt.Errorf("data directory %s holds no Tandem database (%s): %s", dir, app.DBFile, hint)
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
