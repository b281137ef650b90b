// Package dirblobs is a blobs.Store on a local directory: the default for a
// single node, where each key is a file under the directory.
package dirblobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// tempPrefix starts the names of files being written. Valid keys never have a
// segment that starts with a dot, so these never collide with a blob and
// List skips them (including any left behind by a crash).
const tempPrefix = ".put-"

// Store keeps blobs as files under one directory. It is safe for concurrent
// use, also by several processes sharing the directory.
type Store struct {
	dir string
}

var _ blobs.Store = (*Store)(nil)

// New returns a Store for dir, creating the directory if needed.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("dirblobs: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("dirblobs: creating %s: %w", abs, err)
	}
	return &Store{dir: abs}, nil
}

// Dir returns the directory the store keeps its files in.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(key string) string {
	return filepath.Join(s.dir, filepath.FromSlash(key))
}

// Put writes r to a temporary file beside the final one, syncs it, renames it
// over the key and syncs the directory, so that a Put that returned survives
// a crash and a failed one leaves the old blob in place.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := blobs.ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dst := s.path(key)
	// The directory usually exists (the chunks of a recording share one), so
	// it is made only when creating the file says it is missing. A
	// concurrent Delete may remove it again between making it and creating
	// the temporary file in it; try again a few times.
	f, err := os.CreateTemp(filepath.Dir(dst), tempPrefix+"*")
	for range 3 {
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err = s.mkdirs(filepath.Dir(dst)); err != nil {
			return fmt.Errorf("dirblobs: put %s: %w", key, err)
		}
		f, err = os.CreateTemp(filepath.Dir(dst), tempPrefix+"*")
	}
	if err != nil {
		return fmt.Errorf("dirblobs: put %s: %w", key, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := copyTo(ctx, f, r); err != nil {
		return fmt.Errorf("dirblobs: put %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("dirblobs: put %s: sync: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dirblobs: put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("dirblobs: put %s: %w", key, err)
	}
	ok = true
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("dirblobs: put %s: %w", key, err)
	}
	return nil
}

// mkdirs creates dir and its missing parents under s.dir, syncing each
// parent after a child was made so that the new path itself is durable.
func (s *Store) mkdirs(dir string) error {
	if dir == s.dir {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := s.mkdirs(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return syncDir(filepath.Dir(dir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Get opens the file of key.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blobs.ValidKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(key))
	if isNotFound(err) {
		return nil, tandem.Errorf(tandem.ENotFound, "no blob %q", key)
	} else if err != nil {
		return nil, fmt.Errorf("dirblobs: get %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("dirblobs: get %s: %w", key, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, tandem.Errorf(tandem.ENotFound, "no blob %q", key)
	}
	return f, nil
}

// isNotFound reports whether err says a path does not exist, also when one
// of its parents is a file (ENOTDIR).
func isNotFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// List walks only the directory that holds the prefix's last full segment.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	if err := blobs.ValidPrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root := s.dir
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		root = s.path(prefix[:i])
	}
	var keys []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && isNotFound(err) {
				return fs.SkipAll
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != root {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return ctx.Err()
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("dirblobs: list %q: %w", prefix, err)
	}
	// WalkDir orders by name within each directory, which is not the order
	// of whole keys ("a.b" sorts before "a/1").
	slices.Sort(keys)
	return keys, nil
}

// Delete removes the file of key and then its parent directories that
// became empty, so that deleted recordings leave no directories behind.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blobs.ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := s.path(key)
	fi, err := os.Lstat(p)
	if isNotFound(err) || (err == nil && fi.IsDir()) {
		return nil
	} else if err != nil {
		return fmt.Errorf("dirblobs: delete %s: %w", key, err)
	}
	if err := os.Remove(p); err != nil && !isNotFound(err) {
		return fmt.Errorf("dirblobs: delete %s: %w", key, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil && !isNotFound(err) {
		return fmt.Errorf("dirblobs: delete %s: %w", key, err)
	}
	for dir := filepath.Dir(p); dir != s.dir; dir = filepath.Dir(dir) {
		// Remove fails on a directory that is not empty, which ends the climb.
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// copyTo writes r to f. A reader that writes itself out (an in-memory
// chunk: a *bytes.Reader) does so in one call and no copy buffer; io.Copy
// would go through the file's ReadFrom, which allocates a 32 KiB buffer for
// every blob. Other readers are copied in pieces, stopping when ctx ends.
func copyTo(ctx context.Context, f *os.File, r io.Reader) error {
	if wt, ok := r.(io.WriterTo); ok {
		_, err := wt.WriteTo(f)
		return err
	}
	_, err := io.Copy(f, ctxReader{ctx, r})
	return err
}

// ctxReader stops a long copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
