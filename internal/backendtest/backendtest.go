// Package backendtest chooses the backends an integration or end-to-end
// test suite runs on, so that one suite proves every pair: by default the
// embedded SQLite file and blob directory, and with TANDEM_TEST_BACKENDS=
// postgres+s3 a fresh database on a real PostgreSQL (internal/pgtest) and a
// fresh bucket on a real S3-compatible server (internal/s3test).
//
// A package whose tests use it runs them through pgtest.Main from its
// TestMain, so that a PostgreSQL it started stops with it.
package backendtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/s3test"
	"github.com/tandemhq/tandem/internal/store"
)

// Env names the environment variable that selects the backends: "" or
// "sqlite+file" for the embedded ones, "postgres+s3" for the servers.
const Env = "TANDEM_TEST_BACKENDS"

// Kinds of backends Env may name.
const (
	Embedded = "sqlite+file"
	Servers  = "postgres+s3"
)

// Kind returns the backends Env selects, failing the test for an unknown
// value rather than quietly running on the default.
func Kind(t testing.TB) string {
	t.Helper()
	switch v := os.Getenv(Env); v {
	case "", Embedded:
		return Embedded
	case Servers:
		return Servers
	default:
		t.Fatalf("%s=%q: want %q or %q", Env, v, Embedded, Servers)
		return ""
	}
}

// URLs returns the store and blob storage URLs of fresh, empty backends of
// the selected kind; the embedded ones live under dir.
func URLs(t testing.TB, dir string) (storeURL, blobsURL string) {
	t.Helper()
	if Kind(t) == Servers {
		return pgtest.URL(t), s3test.URL(t)
	}
	return backend.SQLiteURL(filepath.Join(dir, "tandem.db")), backend.FileURL(filepath.Join(dir, "blobs"))
}

// Open opens fresh backends of the selected kind (under dir when embedded)
// and closes them when the test ends.
func Open(t testing.TB, dir string) (store.Store, blobs.Store) {
	t.Helper()
	storeURL, blobsURL := URLs(t, dir)
	ctx := context.Background()
	st, err := backend.OpenStore(ctx, storeURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bl, err := backend.OpenBlobs(ctx, blobsURL)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := bl.(interface{ Close() error }); ok {
		t.Cleanup(func() { c.Close() })
	}
	return st, bl
}
