package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// dbFile is the name of the SQLite database inside the data directory.
const dbFile = "tandem.db"

// defaultDataDir returns $TANDEM_DATA, or ./tandem-data when it is unset.
func defaultDataDir() string {
	if d := os.Getenv("TANDEM_DATA"); d != "" {
		return d
	}
	return "tandem-data"
}

// dataDirFlag registers --data on fs.
func dataDirFlag(fs *flag.FlagSet) *string {
	return fs.String("data", defaultDataDir(), "data `directory` (env TANDEM_DATA); the database is DIR/"+dbFile)
}

// openStore creates dataDir (mode 0700: it holds password hashes and
// recordings) when missing, and opens the database in it.
func openStore(ctx context.Context, dataDir string) (*sqlite.DB, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(dataDir, dbFile))
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
