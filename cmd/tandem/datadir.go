package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tandemhq/tandem/internal/app"
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
