package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// A Spool keeps the chunks that the blob store refused, or did not store in
// time, in a local directory, and stores them from there, retrying with a
// growing backoff, once the store answers again. Writers given a Spool
// (WriterOptions.Spool) hand it such chunks and go on with the next, so a
// slow or failing bucket costs a live session nothing but a file write.
//
// Why a directory rather than memory: a bucket down for 30 s at 1,000
// assists leaves about 30 s × 1,000 × the recording rate waiting, hundreds
// of MiB at a modest 10 KiB/s each, on top of the live sessions' own
// memory; in a directory it costs disk, which is cheap and large. And a
// file outlives the process: a server stopped or killed during an outage
// stores its spool when it starts again (OpenSpool), so a chunk is as safe
// once spooled (written and fsynced) as once stored, and the person's SDK
// may be told it is durable. The directory is bounded
// (SpoolOptions.MaxBytes): past it, Writers keep their chunks in memory
// and retry, as they do without a spool, up to WriterOptions.MaxBufferBytes.
//
// Files are named by their blob key under the directory
// (DIR/recordings/<session>/<NNNNNNNN>.gz); names starting with a dot are
// files being written, removed at start.
type Spool struct {
	dir   string
	store blobs.Store
	opts  SpoolOptions
	log   *slog.Logger

	mu    sync.Mutex
	items []*spooled // oldest first
	bytes int64      // of the items, and of files being written
	down  bool       // the store failed last time; chunks go to the spool
	// changed is closed and replaced whenever an item leaves, for Drained.
	changed chan struct{}
	wake    chan struct{} // an item arrived (capacity 1)

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// spooled is one chunk waiting in the spool.
type spooled struct {
	key  string
	size int64
	busy bool // a worker is storing it
	// discarded: the recording was deleted while a worker stored this
	// chunk; the worker deletes what it stored.
	discarded bool
}

// Defaults of SpoolOptions.
const (
	DefaultSpoolBytes = 1 << 30
	defaultRetryMin   = time.Second
	defaultRetryMax   = 15 * time.Second
	// DefaultPutTimeout bounds one chunk's Put when a Writer has a Spool:
	// a chunk is at most a few hundred KiB, so a store that takes longer
	// is in trouble, and the chunk is better off in the spool.
	DefaultPutTimeout = 10 * time.Second
)

// ErrSpoolFull is returned when a chunk would take the spool past its
// MaxBytes.
var ErrSpoolFull = errors.New("recording spool full")

// SpoolOptions tune a Spool. Zero fields take the defaults.
type SpoolOptions struct {
	// MaxBytes bounds the spool's files (DefaultSpoolBytes).
	MaxBytes int64
	// Parallel is how many spooled chunks are stored at once (1); set it
	// as the store's blobs.Parallel says.
	Parallel int
	// RetryMin and RetryMax bound the wait after a failed store: it
	// doubles from RetryMin with each failure in a row, up to RetryMax
	// (1 s, 15 s).
	RetryMin, RetryMax time.Duration
	// PutTimeout bounds one Put (DefaultPutTimeout).
	PutTimeout time.Duration
	// Events, if set, is told about failures and the spool's use.
	Events Events
	Logger *slog.Logger
}

// Events is told what recording storage does, for metrics. Its methods
// must be cheap and safe for concurrent use.
type Events interface {
	// StoreFailed: a chunk's Put failed or ran out of time.
	StoreFailed()
	// Spooled: a chunk of n bytes went to the spool.
	Spooled(n int64)
	// Unspooled: a spooled chunk of n bytes was stored (or, when stored
	// is false, dropped because the store refused its key for good).
	Unspooled(n int64, stored bool)
	// Lost: n recorded bytes will never be stored.
	Lost(n int64)
}

// OpenSpool opens (creating it if needed) the spool directory dir, queues
// the chunks a previous run left there and starts storing them to store.
// Close stops it.
func OpenSpool(dir string, store blobs.Store, opts SpoolOptions) (*Spool, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultSpoolBytes
	}
	opts.Parallel = max(opts.Parallel, 1)
	if opts.RetryMin <= 0 {
		opts.RetryMin = defaultRetryMin
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(defaultRetryMax, opts.RetryMin)
	}
	if opts.PutTimeout <= 0 {
		opts.PutTimeout = DefaultPutTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("recording spool: %w", err)
	}
	s := &Spool{
		dir: dir, store: store, opts: opts, log: opts.Logger,
		changed: make(chan struct{}), wake: make(chan struct{}, 1),
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if len(s.items) > 0 {
		s.log.Warn("recording chunks left in the spool by the last run; storing them", "chunks", len(s.items), "bytes", s.bytes)
		if opts.Events != nil {
			for _, it := range s.items {
				opts.Events.Spooled(it.size)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for range opts.Parallel {
		s.wg.Go(func() { s.work(ctx) })
	}
	return s, nil
}

// load queues the chunks found in the directory and removes the files
// that were being written when the last run stopped.
func (s *Spool) load() error {
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return os.Remove(path)
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if blobs.ValidKey(key) != nil || !strings.HasPrefix(key, root) {
			s.log.Warn("ignoring a file in the recording spool that names no chunk", "file", path)
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		s.items = append(s.items, &spooled{key: key, size: info.Size()})
		s.bytes += info.Size()
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the recording spool %s: %w", s.dir, err)
	}
	// Keys name chunks in order within a session.
	slices.SortFunc(s.items, func(a, b *spooled) int { return strings.Compare(a.key, b.key) })
	s.down = len(s.items) > 0
	return nil
}

// Close stops storing; what is left stays in the directory for the next
// OpenSpool.
func (s *Spool) Close() {
	s.cancel()
	s.wg.Wait()
}

// Down reports whether the store failed last time it was tried and has not
// stored anything since: Writers then spool their chunks at once rather
// than each wait for a failure of its own.
func (s *Spool) Down() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

// Pending returns how many chunks and bytes wait in the spool.
func (s *Spool) Pending() (chunks int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items), s.bytes
}

// Drained returns when the spool is empty, or with ctx's error.
func (s *Spool) Drained(ctx context.Context) error {
	for {
		s.mu.Lock()
		n, ch := len(s.items), s.changed
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the recording spool (%d chunks left): %w", n, ctx.Err())
		}
	}
}

// failed notes that the store failed to store a chunk.
func (s *Spool) failed(err error) {
	if s.opts.Events != nil {
		s.opts.Events.StoreFailed()
	}
	s.mu.Lock()
	was := s.down
	s.down = true
	s.mu.Unlock()
	if !was {
		s.log.Error("recording storage is failing; chunks wait in the local spool", "dir", s.dir, "err", err)
	}
}

// succeeded notes that the store stored a chunk: it is up again.
func (s *Spool) succeeded() {
	s.mu.Lock()
	was := s.down
	s.down = false
	left := len(s.items)
	s.mu.Unlock()
	if was {
		s.log.Info("recording storage answers again", "spooled", left)
	}
}

// add writes chunk gz, to be stored under key, to the spool. It returns
// once the file is durable, or with ErrSpoolFull or the file's error.
func (s *Spool) add(key string, gz []byte) error {
	size := int64(len(gz))
	s.mu.Lock()
	if s.bytes+size > s.opts.MaxBytes {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d of %d bytes used", ErrSpoolFull, s.bytes, s.opts.MaxBytes)
	}
	s.bytes += size // reserved while the file is written
	s.mu.Unlock()
	if err := s.write(key, gz); err != nil {
		s.mu.Lock()
		s.bytes -= size
		s.mu.Unlock()
		return err
	}
	s.mu.Lock()
	s.items = append(s.items, &spooled{key: key, size: size})
	s.mu.Unlock()
	if s.opts.Events != nil {
		s.opts.Events.Spooled(size)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// write stores gz in the file of key: written to a temporary file, synced,
// renamed into place and the directory synced, so that a crash leaves the
// whole chunk or none.
func (s *Spool) write(key string, gz []byte) error {
	path := s.path(key)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("spooling %s: %w", key, err)
	}
	f, err := os.CreateTemp(dir, ".chunk-*")
	if err != nil {
		return fmt.Errorf("spooling %s: %w", key, err)
	}
	_, err = f.Write(gz)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("spooling %s: %w", key, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("spooling %s: sync directory: %w", key, err)
		}
	}
	return nil
}

func (s *Spool) path(key string) string { return filepath.Join(s.dir, filepath.FromSlash(key)) }

// last returns the number of the last chunk of sessionID in the spool, so
// that a Writer of that session numbers its chunks after it.
func (s *Spool) last(sessionID string) (n uint64, ok bool) {
	prefix := root + sessionID + "/"
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range s.items {
		if num, good := chunkNumber(prefix, it.key); good && (!ok || num > n) {
			n, ok = num, true
		}
	}
	return n, ok
}

// Discard drops every spooled chunk of sessionID, whose recording is being
// deleted (its site's retention ran out, or the site was removed), so that
// storing them later cannot leave an orphan blob. A chunk a worker is
// storing at that moment is deleted from the store once stored. It returns
// how many chunks it dropped.
func (s *Spool) Discard(sessionID string) (int, error) {
	if err := validSessionID(sessionID); err != nil {
		return 0, err
	}
	prefix := root + sessionID + "/"
	s.mu.Lock()
	var dropped []*spooled
	s.items = slices.DeleteFunc(s.items, func(it *spooled) bool {
		if !strings.HasPrefix(it.key, prefix) {
			return false
		}
		if it.busy {
			it.discarded = true
			return false
		}
		dropped = append(dropped, it)
		s.bytes -= it.size
		return true
	})
	if len(dropped) > 0 {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()
	var errs []error
	for _, it := range dropped {
		if err := os.Remove(s.path(it.key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("discarding spooled %s: %w", it.key, err))
		}
		if s.opts.Events != nil {
			s.opts.Events.Unspooled(it.size, false)
		}
	}
	return len(dropped), errors.Join(errs...)
}

// work stores spooled chunks, oldest first, until ctx ends.
func (s *Spool) work(ctx context.Context) {
	fails := 0
	for {
		it := s.next()
		if it == nil {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
				continue
			}
		}
		err := s.storeOne(ctx, it)
		if err == nil {
			fails = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		fails++
		s.failed(err)
		if !sleep(ctx, min(s.opts.RetryMin<<min(fails-1, 20), s.opts.RetryMax)) {
			return
		}
	}
}

// next marks the oldest chunk no worker is storing as busy and returns it,
// or nil. It passes the wake-up on when more chunks wait, for the other
// workers.
func (s *Spool) next() *spooled {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *spooled
	more := false
	for _, it := range s.items {
		if it.busy {
			continue
		}
		if found == nil {
			found = it
			it.busy = true
		} else {
			more = true
			break
		}
	}
	if more {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return found
}

// storeOne stores a spooled chunk and removes it from the spool.
func (s *Spool) storeOne(ctx context.Context, it *spooled) error {
	gz, err := os.ReadFile(s.path(it.key))
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, s.opts.PutTimeout)
		err = s.store.Put(pctx, it.key, bytes.NewReader(gz))
		cancel()
		if err != nil {
			err = fmt.Errorf("storing spooled %s: %w", it.key, err)
		}
	} else {
		err = fmt.Errorf("reading spooled %s: %w", it.key, err)
	}
	stored := err == nil
	s.mu.Lock()
	discarded := it.discarded
	s.mu.Unlock()
	if discarded {
		// Deleted while it was being stored: what was stored goes too.
		dctx, cancel := context.WithTimeout(ctx, s.opts.PutTimeout)
		derr := s.store.Delete(dctx, it.key)
		cancel()
		if derr != nil {
			s.mu.Lock()
			it.busy = false
			s.mu.Unlock()
			return fmt.Errorf("deleting discarded %s: %w", it.key, derr)
		}
		stored, err = false, nil
	}
	if !stored && err != nil && tandem.ErrorCode(err) != tandem.EInvalid {
		s.mu.Lock()
		it.busy = false
		s.mu.Unlock()
		return err
	}
	if !stored && !discarded {
		// Never happens with a key Writers made; keeping it would block
		// nothing but would retry for ever.
		s.log.Error("recording chunk in the spool refused by the store; dropped", "key", it.key, "err", err)
		if s.opts.Events != nil {
			s.opts.Events.Lost(it.size)
		}
	}
	if rerr := os.Remove(s.path(it.key)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		s.log.Error("removing a stored chunk from the recording spool", "key", it.key, "err", rerr)
	}
	s.mu.Lock()
	if i := slices.Index(s.items, it); i >= 0 {
		s.items = slices.Delete(s.items, i, i+1)
	}
	s.bytes -= it.size
	was := s.down
	s.down = s.down && !stored
	close(s.changed)
	s.changed = make(chan struct{})
	left := len(s.items)
	s.mu.Unlock()
	if was && stored {
		s.log.Info("recording storage answers again; storing the spool", "chunks", left)
	}
	if s.opts.Events != nil {
		s.opts.Events.Unspooled(it.size, stored)
	}
	return nil
}
