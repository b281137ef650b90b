package record

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// Defaults of WriterOptions.
const (
	DefaultChunkBytes     = 256 << 10
	DefaultFlushInterval  = time.Second
	DefaultMaxBufferBytes = 64 << 20
)

// maxBackoff bounds the wait between retries of a failing store, as a
// multiple of the flush interval.
const maxBackoffShift = 5

// Errors of a Writer. ErrBufferFull is a *tandem.Error of code
// tandem.EUnavailable, so that callers can tell the client to slow down.
var (
	ErrClosed     = errors.New("recording is closed")
	ErrBufferFull = tandem.Errorf(tandem.EUnavailable, "recording buffer full: storage is failing or too slow")
)

// WriterOptions tune a Writer. Zero fields take the defaults.
type WriterOptions struct {
	// ChunkBytes is the buffered size at which a chunk is stored without
	// waiting for the flush interval.
	ChunkBytes int
	// FlushInterval bounds how long written bytes stay only in memory.
	FlushInterval time.Duration
	// MaxBufferBytes bounds the bytes accepted but not yet stored; past it
	// Write fails with ErrBufferFull instead of growing while storage fails.
	MaxBufferBytes int
}

func (o *WriterOptions) setDefaults() {
	if o.ChunkBytes <= 0 {
		o.ChunkBytes = DefaultChunkBytes
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.MaxBufferBytes <= 0 {
		o.MaxBufferBytes = DefaultMaxBufferBytes
	}
}

// Writer records one session's byte stream. Write only appends to memory; a
// goroutine of the Writer compresses and stores chunks, so a slow or failing
// store never blocks the session being recorded. Each Write lands whole in
// one chunk. A Writer is safe for concurrent use; Close it to stop its
// goroutine and store the rest.
type Writer struct {
	store     blobs.Store
	sessionID string
	opts      WriterOptions

	kick   chan struct{} // a buffer is full: store it
	flush  chan struct{} // Flush or Close waits: store everything
	timer  *time.Timer   // armed when the buffer stops being empty
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the goroutine has returned
	cancel context.CancelFunc

	mu      sync.Mutex
	full    [][]byte // buffers of at least ChunkBytes, oldest first
	buf     []byte   // the buffer being filled
	spare   []byte   // an emptied buffer to reuse
	written int64    // bytes accepted since NewWriter
	durable int64    // of those, bytes stored; always a prefix
	waiters []waiter
	closed  bool
	err     error // a bad session id: every call fails with it
	lastErr error // the latest storage failure, cleared by a success

	closeOnce sync.Once
	closeErr  error
}

// waiter is a Flush waiting until durable reaches target.
type waiter struct {
	target int64
	ch     chan struct{}
}

// NewWriter returns a Writer that appends to the recording of sessionID in
// store. If chunks of that session are stored already (a restarted server),
// new chunks follow them. An invalid session id makes every call fail.
func NewWriter(store blobs.Store, sessionID string, opts WriterOptions) *Writer {
	opts.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	w := &Writer{
		store:     store,
		sessionID: sessionID,
		opts:      opts,
		kick:      make(chan struct{}, 1),
		flush:     make(chan struct{}, 1),
		timer:     time.NewTimer(opts.FlushInterval),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		cancel:    cancel,
	}
	w.timer.Stop()
	if err := validSessionID(sessionID); err != nil {
		w.err = err
		close(w.done)
		return w
	}
	go w.run(ctx)
	return w
}

// Write appends p to the recording. It never waits for storage; it fails
// only when the Writer is closed or when storage has failed for so long that
// MaxBufferBytes are waiting.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.admit(len(p)); err != nil {
		return 0, err
	}
	wasEmpty := w.rollover()
	w.buf = append(w.buf, p...)
	w.appended(len(p), wasEmpty)
	return len(p), nil
}

// WriteFrame appends one framed entry (see AppendFrame) without an extra
// copy, so that a Writer can be a hub's record sink directly.
func (w *Writer) WriteFrame(at time.Time, frame []byte) error {
	size := frameSize(frame)
	if size > MaxFrameBytes {
		return fmt.Errorf("recording a frame of %d bytes: over the limit of %d", len(frame), MaxFrameBytes)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.admit(size); err != nil {
		return err
	}
	wasEmpty := w.rollover()
	w.buf = appendFrame(w.buf, at, frame)
	w.appended(size, wasEmpty)
	return nil
}

// admit checks that n more bytes may be buffered. w.mu is held.
func (w *Writer) admit(n int) error {
	switch {
	case w.err != nil:
		return w.err
	case w.closed:
		return fmt.Errorf("recording %s: %w", w.sessionID, ErrClosed)
	case w.written-w.durable+int64(n) > int64(w.opts.MaxBufferBytes):
		if w.lastErr != nil {
			return fmt.Errorf("recording %s: %w (%d bytes wait; last error: %v)",
				w.sessionID, ErrBufferFull, w.written-w.durable, w.lastErr)
		}
		return fmt.Errorf("recording %s: %w (%d bytes wait)", w.sessionID, ErrBufferFull, w.written-w.durable)
	}
	return nil
}

// rollover queues the current buffer when it is full, before a write that
// then starts the next one: so chunks end between writes and hold at most
// one write more than ChunkBytes. It reports whether nothing was waiting to
// be stored. w.mu is held.
func (w *Writer) rollover() (wasEmpty bool) {
	if len(w.buf) < w.opts.ChunkBytes {
		return len(w.buf) == 0 && len(w.full) == 0
	}
	w.full = append(w.full, w.buf)
	w.buf = w.spare
	w.spare = nil
	if w.buf == nil {
		w.buf = make([]byte, 0, w.opts.ChunkBytes+w.opts.ChunkBytes/4)
	}
	signal(w.kick)
	return false
}

// appended accounts for n bytes just added to w.buf. w.mu is held.
func (w *Writer) appended(n int, wasEmpty bool) {
	w.written += int64(n)
	if wasEmpty && n > 0 {
		w.timer.Reset(w.opts.FlushInterval)
	}
}

// signal wakes the goroutine through ch without waiting.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Flush returns when everything written before it was called is durable,
// or with an error when ctx is done first.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	if w.err != nil {
		w.mu.Unlock()
		return w.err
	}
	target := w.written
	if w.durable >= target {
		w.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	w.waiters = append(w.waiters, waiter{target, ch})
	w.mu.Unlock()
	signal(w.flush)

	select {
	case <-ch:
		return nil
	case <-w.done:
		return w.flushError(ch, ErrClosed)
	case <-ctx.Done():
		return w.flushError(ch, ctx.Err())
	}
}

// flushError withdraws the waiter ch and describes why a flush failed.
func (w *Writer) flushError(ch chan struct{}, cause error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, wt := range w.waiters {
		if wt.ch == ch {
			w.waiters = append(w.waiters[:i], w.waiters[i+1:]...)
			break
		}
	}
	if w.lastErr != nil {
		return fmt.Errorf("flushing recording %s: %w (last storage error: %v)", w.sessionID, cause, w.lastErr)
	}
	return fmt.Errorf("flushing recording %s: %w", w.sessionID, cause)
}

// Close stores everything written and stops the Writer. It returns nil only
// when the last chunk is durable; if ctx ends first, what was not stored is
// lost and Close says so. Later calls return the first call's result.
func (w *Writer) Close(ctx context.Context) error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		err := w.Flush(ctx)
		w.cancel() // abandons a Put still retrying when ctx ran out
		close(w.stop)
		<-w.done
		w.timer.Stop()
		if err != nil {
			w.mu.Lock()
			err = fmt.Errorf("%w; %d bytes not stored", err, w.written-w.durable)
			w.mu.Unlock()
		}
		w.closeErr = err
	})
	return w.closeErr
}

// chunk is a compressed piece of the stream waiting to be stored.
type chunk struct {
	gz []byte
	n  int // uncompressed bytes
}

// runState is what the storing goroutine keeps between wake-ups.
type runState struct {
	pending *chunk // taken from the buffer, not yet stored
	next    uint64 // number of the next chunk
	listed  bool   // next has been set from the chunks already stored
}

func (w *Writer) run(ctx context.Context) {
	defer close(w.done)
	var st runState
	all := false // store the partly filled buffer too, not only full ones
	fails := 0
	for {
		if err := w.storeDue(ctx, &st, all); err != nil {
			fails++
			w.mu.Lock()
			w.lastErr = err
			w.mu.Unlock()
			backoff := w.opts.FlushInterval << min(fails-1, maxBackoffShift)
			select {
			case <-w.stop:
				return
			case <-time.After(backoff):
			}
			all = true
			continue
		}
		if fails > 0 {
			fails = 0
			w.mu.Lock()
			w.lastErr = nil
			w.mu.Unlock()
		}
		select {
		case <-w.stop:
			return
		case <-w.kick:
			all = false
		case <-w.flush:
			all = true
		case <-w.timer.C:
			all = true
		}
	}
}

// storeDue stores the chunk that failed before, then every full buffer, and
// with all also the one being filled; one chunk each. It takes the one
// being filled only once, so that steady writes during the Puts make full
// chunks rather than a stream of small ones.
func (w *Writer) storeDue(ctx context.Context, st *runState, all bool) error {
	for {
		if st.pending == nil {
			data, partial := w.take(all)
			if data == nil {
				return nil
			}
			if partial {
				all = false
			}
			gz, err := compress(data)
			if err != nil {
				return err
			}
			st.pending = &chunk{gz: gz, n: len(data)}
			w.recycle(data)
		}
		if err := w.put(ctx, st); err != nil {
			return err
		}
	}
}

// take returns the oldest full buffer, or with all the one being filled
// (and partial set); nil when there is nothing to store.
func (w *Writer) take(all bool) (data []byte, partial bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.full) > 0 {
		data = w.full[0]
		w.full[0] = nil
		w.full = w.full[1:]
		return data, false
	}
	if !all || len(w.buf) == 0 {
		return nil, false
	}
	data = w.buf
	w.buf, w.spare = w.spare, nil
	return data, true
}

// recycle keeps data's memory for the next buffer, unless a storage outage
// or a huge write made it large.
func (w *Writer) recycle(data []byte) {
	if cap(data) > 2*w.opts.ChunkBytes {
		return
	}
	w.mu.Lock()
	if w.spare == nil {
		w.spare = data[:0]
	}
	w.mu.Unlock()
}

// put stores st.pending as the next chunk and wakes the Flushes it satisfies.
func (w *Writer) put(ctx context.Context, st *runState) error {
	if !st.listed {
		nums, err := chunks(ctx, w.store, w.sessionID)
		if err != nil {
			return err
		}
		if len(nums) > 0 {
			st.next = nums[len(nums)-1] + 1
		}
		st.listed = true
	}
	key := chunkKey(w.sessionID, st.next)
	if err := w.store.Put(ctx, key, bytes.NewReader(st.pending.gz)); err != nil {
		return fmt.Errorf("storing %s: %w", key, err)
	}
	st.next++
	w.mu.Lock()
	w.durable += int64(st.pending.n)
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if wt.target <= w.durable {
			close(wt.ch)
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
	w.mu.Unlock()
	st.pending = nil
	return nil
}

// compressors holds gzip writers between chunks: each is large (hundreds of
// KiB of tables), and a server records many sessions at once, so they are
// shared rather than kept per Writer.
var compressors = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// compress returns data as one complete gzip member.
func compress(data []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(data)/4 + 64)
	zw := compressors.Get().(*gzip.Writer)
	defer compressors.Put(zw)
	zw.Reset(&out)
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("compressing a chunk: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing a chunk: %w", err)
	}
	return out.Bytes(), nil
}
