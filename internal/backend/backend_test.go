package backend

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://tandem:hunter2@db:5432/tandem?sslmode=disable", "postgres://tandem:xxxxx@db:5432/tandem?sslmode=disable"},
		{"postgres://tandem@db/tandem", "postgres://tandem@db/tandem"},
		{"postgresql://u:p@ss@w0rd@db/x", "postgresql://u:xxxxx@db/x"},
		{"postgres://u:bad@db:notaport/x", "postgres://u:xxxxx@db:notaport/x"},
		{"postgres://db/x?user=u&password=hunter2&sslmode=require", "postgres://db/x?user=u&password=xxxxx&sslmode=require"},
		{"s3://AKIA:SECRETKEY@bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1", "s3://AKIA:xxxxx@bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1"},
		{"s3://bucket/p?secret_key=abc&X-Amz-Signature=def#frag", "s3://bucket/p?secret_key=xxxxx&X-Amz-Signature=xxxxx#frag"},
		{"sqlite:///var/lib/tandem/tandem.db", "sqlite:///var/lib/tandem/tandem.db"},
		{"file://rel/blobs", "file://rel/blobs"},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// An error about a URL never shows its password, even when the cause
// quotes the URL it was given.
func TestErrorsScrubCredentials(t *testing.T) {
	raw := "postgres://tandem:s%40cret@db/tandem?password=other"
	cause := errors.New(`dial "postgres://tandem:s%40cret@db/tandem": password s@cret and other refused`)
	msg := "--store " + newError(raw, "cannot connect", cause).Error()
	for _, secret := range []string{"s%40cret", "s@cret", "other"} {
		if strings.Contains(msg, secret) {
			t.Errorf("message %q shows %q", msg, secret)
		}
	}
	if !strings.HasPrefix(msg, "--store postgres://tandem:xxxxx@db/tandem?password=xxxxx: cannot connect: ") {
		t.Errorf("message %q: want the flag, the redacted URL and what failed first", msg)
	}
}

// A credential of a character or two is not masked inside the message (the
// URL still is): masking every "s" would garble what failed.
func TestShortCredentialLeavesMessageReadable(t *testing.T) {
	raw := "s3://k:s@bucket?endpoint=http://127.0.0.1:9"
	msg := newError(raw, "cannot connect", errors.New(`s3blobs: cannot use bucket "bucket": Access Denied.`)).Error()
	want := `s3://k:xxxxx@bucket?endpoint=http://127.0.0.1:9: cannot connect: s3blobs: cannot use bucket "bucket": Access Denied.`
	if msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}

func TestOpenStoreRefusesWhatItCannotOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct{ url, want string }{
		{"mysql://tandem:hunter2@db/tandem", `mysql://tandem:xxxxx@db/tandem: unknown kind of store "mysql" (want sqlite:// or postgres://)`},
		{filepath.Join(dir, "tandem.db"), "not a URL of a store"},
		{"sqlite://", "has no path"},
		{"sqlite://" + dir + "/t.db?mode=ro", "takes no options"},
		{"sqlite://" + dir + "/%zz.db", "bad path"},
		{"file://" + dir + "/blobs", `unknown kind of store "file"`},
		{"sqlite://" + dir + "/is-a-file/tandem.db", "cannot create its directory"},
	}
	if err := os.WriteFile(filepath.Join(dir, "is-a-file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		st, err := OpenStore(ctx, tt.url)
		if err == nil {
			st.Close()
			t.Errorf("OpenStore(%q) opened", tt.url)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenStore(%q) = %v, want %q in it", tt.url, err, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("refused URLs left files: %v", entries)
	}
}

func TestOpenBlobsRefusesWhatItCannotOpen(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ url, want string }{
		{"gs://bucket", `unknown kind of blob storage "gs" (want file:// or s3://)`},
		{"/var/lib/tandem/blobs", "not a URL of a blob storage"},
		{"file://", "has no path"},
		{"file://x?y", "takes no options"},
		{"sqlite://x.db", `unknown kind of blob storage "sqlite"`},
	} {
		if _, err := OpenBlobs(ctx, tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenBlobs(%q) = %v, want %q in it", tt.url, err, tt.want)
		}
	}
}

// sqlite:// and file:// take absolute and relative paths, and the URLs
// made from --data name the same files, whatever characters the path has.
func TestOpenLocalBackends(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "odd ?#% name")
	st, err := OpenStore(ctx, SQLiteURL(filepath.Join(dir, "tandem.db")))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSite(ctx, &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the database's directory: %v, %v; want it made with 0700", fi, err)
	}
	if path, ok := SQLiteFile(SQLiteURL(filepath.Join(dir, "tandem.db"))); !ok || path != filepath.Join(dir, "tandem.db") {
		t.Errorf("SQLiteFile = %q, %v", path, ok)
	}
	if _, ok := SQLiteFile("postgres://db/x"); ok {
		t.Error("SQLiteFile accepted a postgres URL")
	}

	// A relative URL is relative to the working directory.
	t.Chdir(dir)
	st, err = OpenStore(ctx, "SQLITE://tandem.db")
	if err != nil {
		t.Fatal(err)
	}
	sites, err := st.ListSites(ctx)
	st.Close()
	if err != nil || len(sites) != 1 {
		t.Fatalf("the relative URL opened another database: %v, %v", sites, err)
	}

	bs, err := OpenBlobs(ctx, "file://blobs")
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Put(ctx, "recordings/a/1.gz", strings.NewReader("chunk")); err != nil {
		t.Fatal(err)
	}
	bs, err = OpenBlobs(ctx, FileURL(filepath.Join(dir, "blobs")))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := bs.Get(ctx, "recordings/a/1.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); !bytes.Equal(b, []byte("chunk")) {
		t.Errorf("read %q through the absolute URL", b)
	}
}
