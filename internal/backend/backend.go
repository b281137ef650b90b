// Package backend is the one place that turns the URLs of `--store` and
// `--blobs` into backends: sqlite:// and postgres:// stores, file:// and s3://
// blob storage. The rest of Tandem holds only the store.Store and
// blobs.Store interfaces it returns.
//
// Errors name the URL with its credentials masked (see Redact), never a
// password, so that callers may log or print them as they are.
package backend

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// Error is a backend that could not be opened: which URL (credentials
// masked), what went wrong and why. Its message is "URL: what: why" with
// every credential of the URL scrubbed from "why" too, so that a caller can
// prefix the flag that gave the URL: "--store postgres://tandem@db/tandem:
// cannot connect: ...".
type Error struct {
	URL     string // redacted
	What    string
	Err     error // may quote the URL: print Error(), which scrubs it
	secrets []string
}

func (e *Error) Error() string {
	msg := e.URL + ": " + e.What
	if e.Err != nil {
		msg += ": " + scrub(e.Err.Error(), e.secrets)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func newError(rawURL, what string, err error) *Error {
	return &Error{URL: Redact(rawURL), What: what, Err: err, secrets: credentials(rawURL)}
}

// Store schemes and blob storage schemes, as users write them.
const (
	SchemeSQLite   = "sqlite"
	SchemePostgres = "postgres"
	SchemeFile     = "file"
	SchemeS3       = "s3"
)

// OpenStore opens the store rawURL names and applies its pending
// migrations:
//
//   - sqlite:///abs/path/tandem.db or sqlite://relative/path/tandem.db: an
//     SQLite file, created (with its directory, mode 0700) when missing.
//     The path is percent-decoded; it takes no options.
//   - postgres://user:password@host:port/db?sslmode=disable (or
//     postgresql://): a PostgreSQL database.
//
// The caller closes the store.
func OpenStore(ctx context.Context, rawURL string) (store.Store, error) {
	scheme, err := schemeOf(rawURL, "store", "sqlite:///var/lib/tandem/tandem.db or postgres://user@host/db")
	if err != nil {
		return nil, err
	}
	switch scheme {
	case SchemeSQLite:
		path, err := localPath(rawURL)
		if err != nil {
			return nil, err
		}
		// The directory holds password hashes: private, as the data
		// directory always was.
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, newError(rawURL, "cannot create its directory", err)
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, newError(rawURL, "cannot open", err)
		}
		return db, nil
	case SchemePostgres, "postgresql":
		// The PostgreSQL backend (internal/store/postgres, postgres.Open)
		// is wired here once it is part of the build.
		return nil, newError(rawURL, "this build of Tandem has no PostgreSQL backend", nil)
	}
	return nil, newError(rawURL, fmt.Sprintf("unknown kind of store %q (want sqlite:// or postgres://)", scheme), nil)
}

// OpenBlobs opens the blob storage rawURL names:
//
//   - file:///abs/dir or file://relative/dir: a directory, created (mode
//     0700) when missing. The path is percent-decoded; it takes no options.
//   - s3://bucket/prefix?endpoint=http://host:port&region=us-east-1: a
//     bucket of an S3-compatible service, credentials from the URL's
//     user:password or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
func OpenBlobs(ctx context.Context, rawURL string) (blobs.Store, error) {
	scheme, err := schemeOf(rawURL, "blob storage", "file:///var/lib/tandem/blobs or s3://bucket/prefix")
	if err != nil {
		return nil, err
	}
	switch scheme {
	case SchemeFile:
		dir, err := localPath(rawURL)
		if err != nil {
			return nil, err
		}
		bs, err := dirblobs.New(dir)
		if err != nil {
			return nil, newError(rawURL, "cannot open", err)
		}
		return bs, nil
	case SchemeS3:
		// The S3-compatible backend (internal/blobs/s3blobs, s3blobs.Open)
		// is wired here once it is part of the build.
		return nil, newError(rawURL, "this build of Tandem has no S3 backend", nil)
	}
	return nil, newError(rawURL, fmt.Sprintf("unknown kind of blob storage %q (want file:// or s3://)", scheme), nil)
}

// SQLiteFile returns the path of the SQLite file rawURL names, and false
// when rawURL is not a valid sqlite:// URL. Commands that must not create a
// database check with it that the file exists.
func SQLiteFile(rawURL string) (string, bool) {
	if s, err := schemeOf(rawURL, "", ""); err != nil || s != SchemeSQLite {
		return "", false
	}
	path, err := localPath(rawURL)
	return path, err == nil
}

// SQLiteURL is the sqlite:// URL of the file at path, and FileURL the
// file:// URL of the directory dir: the defaults that --data gives.
func SQLiteURL(path string) string { return SchemeSQLite + "://" + escapePath(path) }

// FileURL is the file:// URL of the directory dir.
func FileURL(dir string) string { return SchemeFile + "://" + escapePath(dir) }

// escapePath escapes what localPath would read otherwise: '%' (which starts
// an escape) and the '?' and '#' that would start options or a fragment.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(p)
}

// schemeOf returns rawURL's scheme in lower case, or an error saying what a
// URL of this kind looks like.
func schemeOf(rawURL, kind, example string) (string, error) {
	scheme, _, ok := strings.Cut(rawURL, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/?#@") {
		return "", newError(rawURL, fmt.Sprintf("not a URL of a %s (want e.g. %s)", kind, example), nil)
	}
	return strings.ToLower(scheme), nil
}

// localPath is the path of a sqlite:// or file:// URL: everything after
// "://", percent-decoded. A '?' or '#' is refused rather than taken as part
// of a name, as a user who writes one most likely means an option.
func localPath(rawURL string) (string, error) {
	_, rest, _ := strings.Cut(rawURL, "://")
	if strings.ContainsAny(rest, "?#") {
		return "", newError(rawURL, "takes no options (write a '?' or '#' in a path as %3F or %23)", nil)
	}
	path, err := url.PathUnescape(rest)
	if err != nil {
		return "", newError(rawURL, "bad path", err)
	}
	if path == "" {
		return "", newError(rawURL, "has no path", nil)
	}
	if strings.ContainsRune(path, 0) {
		return "", newError(rawURL, "bad path", fmt.Errorf("holds a NUL"))
	}
	return filepath.Clean(path), nil
}
