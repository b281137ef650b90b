package backend

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/s3test"
)

// s3:// opens a bucket of a real S3-compatible server, and CopyBlobs moves
// a directory's blobs into it, checked, and again without copying twice.
func TestS3BlobsAndCopy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir, err := OpenBlobs(ctx, FileURL(filepath.Join(t.TempDir(), "blobs")))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"recordings/a/00000001.gz": bytes.Repeat([]byte("a"), 3<<20),
		"recordings/a/00000002.gz": []byte("second"),
		"recordings/b/00000001.gz": {},
	}
	for k, v := range want {
		if err := dir.Put(ctx, k, bytes.NewReader(v)); err != nil {
			t.Fatal(err)
		}
	}
	bucket, err := OpenBlobs(ctx, s3test.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	// A stale copy of one key is replaced, not kept.
	if err := bucket.Put(ctx, "recordings/a/00000002.gz", strings.NewReader("stale")); err != nil {
		t.Fatal(err)
	}
	var calls int
	st, err := CopyBlobs(ctx, dir, bucket, func(BlobCopy) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 3 || st.Copied != 3 || st.Present != 0 || st.Bytes != 3<<20+6 || calls != 3 {
		t.Errorf("first copy: %+v, %d progress calls", st, calls)
	}
	for k, v := range want {
		rc, err := bucket.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, v) {
			t.Errorf("%s in the bucket: %d bytes, %v; want %d", k, len(got), err, len(v))
		}
	}
	st, err = CopyBlobs(ctx, dir, bucket, nil)
	if err != nil || st.Copied != 0 || st.Present != 3 {
		t.Errorf("second copy: %+v, %v; want everything there already", st, err)
	}
}

// A bucket that cannot be reached is an error at once that names the URL
// without its secret.
func TestS3Unreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = OpenBlobs(ctx, "s3://AKIAKEY:hunter2secret@bucket/rec?endpoint=http://"+addr+"&region=us-east-1")
	want := "s3://AKIAKEY:xxxxx@bucket/rec?endpoint=http://" + addr + "&region=us-east-1: cannot connect: "
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("OpenBlobs on a closed port: %v\nwant it to start with %q", err, want)
	}
	_, err = OpenBlobs(ctx, "s3://AKIAKEY:hunter2secret@/rec")
	if err == nil || !strings.Contains(err.Error(), ": invalid: ") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("OpenBlobs without a bucket: %v", err)
	}
}

func TestMain(m *testing.M) { pgtest.Main(m) }

// postgres:// opens a real PostgreSQL database, migrated; one that cannot
// be reached is an error at once that names the URL without its password.
func TestPostgresStore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := OpenStore(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateSite(ctx, &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Secret(ctx, "k", []byte("v")); err != nil || string(v) != "v" {
		t.Fatalf("Secret = %q, %v", v, err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	raw := "postgres://tandem:hunter2secret@" + addr + "/tandem?sslmode=disable&connect_timeout=5"
	_, err = OpenStore(ctx, raw)
	want := "postgres://tandem:xxxxx@" + addr + "/tandem?sslmode=disable&connect_timeout=5: cannot connect: "
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("OpenStore on a closed port: %v\nwant it to start with %q", err, want)
	}
}
