package dirblobs

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/blobstest"
)

func TestConformance(t *testing.T) {
	blobstest.Run(t, func(t *testing.T) blobs.Store {
		s, err := New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestNewCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := New(dir)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("New did not create %s: %v", dir, err)
	}
	if s.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", s.Dir(), dir)
	}
}

func TestNewOnFileFails(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(f); err == nil {
		t.Fatal("New on a regular file succeeded")
	}
}

// A second Store on the same directory sees what the first one wrote: that
// is how a restarted server finds its recordings.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s1, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Put(t.Context(), "r/s/1", bytes.NewReader([]byte("one"))); err != nil {
		t.Fatal(err)
	}
	s2, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s2.List(t.Context(), "")
	if err != nil || !slices.Equal(keys, []string{"r/s/1"}) {
		t.Fatalf("List on reopened store = %q, %v", keys, err)
	}
}

// Files left by a crash in the middle of a Put are not blobs.
func TestListSkipsTempFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "r/a", bytes.NewReader([]byte("a"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "r", tempPrefix+"123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := s.List(t.Context(), "")
	if err != nil || !slices.Equal(keys, []string{"r/a"}) {
		t.Fatalf("List = %q, %v; want [r/a]", keys, err)
	}
}

func TestDeleteRemovesEmptyDirs(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, k := range []string{"rec/s1/0", "rec/s2/0"} {
		if err := s.Put(ctx, k, bytes.NewReader(nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "rec/s1/0"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rec", "s1")); !os.IsNotExist(err) {
		t.Errorf("empty directory rec/s1 left behind: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rec", "s2", "0")); err != nil {
		t.Errorf("sibling blob gone: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("store directory removed: %v", err)
	}
}

func TestFilePermissions(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "p/q", bytes.NewReader([]byte("secret"))); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		filepath.Join(dir, "p"):      0o700,
		filepath.Join(dir, "p", "q"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %v, want %v", path, got, want)
		}
	}
}
