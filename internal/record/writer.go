package record

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
)

// Defaults of WriterOptions.
const (
	DefaultChunkBytes = 256 << 10
	// DefaultFlushInterval is a trade: a crash loses at most this much of a
	// recording (a normal end always stores everything), and every flush
	// creates a file, which is costly with many sessions at once.
	DefaultFlushInterval  = 5 * time.Second
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
	// New says the session has no stored chunks yet (a new assist or
	// terminal session): chunks are numbered from the first, after any in
	// the Spool, without listing the store first. Without it a recording
	// that starts while the store is down could not be numbered, so could
	// not be spooled, and would be lost if the store stayed down.
	New bool
	// FirstChunk is the lowest number the Writer gives a chunk. A session
	// taken over from another server continues its recording with chunks
	// numbered from an epoch of its own (the lease's fencing token, see
	// Epoch), after any stored: a chunk the previous owner still stores
	// late (it had not heard it lost the session) then never replaces one
	// of the new owner's, and sorts before them.
	FirstChunk uint64
	// ChunkBytes is the buffered size at which a chunk is stored without
	// waiting for the flush interval.
	ChunkBytes int
	// FlushInterval bounds how long written bytes stay only in memory.
	FlushInterval time.Duration
	// MaxBufferBytes bounds the bytes accepted but not yet stored; past it
	// Write fails with ErrBufferFull instead of growing while storage fails.
	MaxBufferBytes int
	// Gate, if set, is shared by Writers to bound how many store chunks at
	// once: with thousands of sessions, storing is background work that
	// must not crowd out the sessions themselves.
	Gate *Gate
	// Spool, if set, takes the chunks the store fails to store, or does
	// not store within PutTimeout, so that they wait on local disk rather
	// than in memory (see Spool). A spooled chunk counts as durable.
	Spool *Spool
	// PutTimeout bounds the wait for the Gate and one Put when there is a
	// Spool to turn to (DefaultPutTimeout).
	PutTimeout time.Duration
	// OnStored, if set, is called after each chunk is durable with the
	// number of bytes written that are now durable (a prefix of what was
	// written; compare with Written). It is called from the storing
	// goroutine with no lock of the Writer held, and must not wait for
	// the Writer (Close waits for that goroutine).
	OnStored func(durable int64)
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
	if o.PutTimeout <= 0 {
		o.PutTimeout = DefaultPutTimeout
		if o.Spool != nil {
			o.PutTimeout = o.Spool.opts.PutTimeout
		}
	}
}

// Writer records one session's byte stream. Write only appends to memory;
// chunks are compressed and stored by a goroutine that the Writer starts
// when there is work (a buffer filled up, the flush interval ran out, Flush
// or Close) and that exits once everything due is stored. So a slow or
// failing store never blocks the session being recorded, and an idle Writer
// (a server holds thousands) costs no goroutine stack. Each Write lands
// whole in one chunk. A Writer is safe for concurrent use; Close it to
// store the rest and stop it.
type Writer struct {
	store     blobs.Store
	sessionID string
	opts      WriterOptions
	// flushEvery is FlushInterval with this writer's jitter.
	flushEvery time.Duration
	// ctx bounds the storing goroutine's calls to the store: Close cancels
	// it to abandon a Put still retrying when Close's own context ran out.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when Close has stopped the Writer
	// storing counts the storing goroutine (at most one), for Close to wait.
	storing sync.WaitGroup
	// run is what the storing goroutine keeps from one chunk to the next.
	// Only the running storing goroutine touches it; running, set and
	// cleared under mu, hands it on from one goroutine to the next.
	run runState

	mu    sync.Mutex
	full  [][]byte // buffers of at least ChunkBytes, oldest first
	buf   []byte   // the buffer being filled
	spare []byte   // an emptied buffer to reuse
	// lastPartial is the size of the last buffer stored before it was full.
	lastPartial int
	written     int64 // bytes accepted since NewWriter
	durable     int64 // of those, bytes stored; always a prefix
	waiters     []waiter
	closed      bool
	err         error // a bad session id: every call fails with it
	lastErr     error // the latest storage failure, cleared by a success
	// timer requests a flush; it is armed when the buffer stops being empty.
	timer *time.Timer
	// When the storing goroutine runs; see request in flusher.go.
	running   bool // a storing goroutine runs
	requested bool // work was requested since it last looked
	wantAll   bool // a request since then asked for the partial buffer too
	stopped   bool // no storing goroutine may start any more

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
		// Spread flushes of sessions that started together over ±20%.
		flushEvery: opts.FlushInterval*4/5 + time.Duration(rand.Int64N(int64(opts.FlushInterval*2/5)+1)),
		ctx:        ctx,
		cancel:     cancel,
		done:       make(chan struct{}),
	}
	if err := validSessionID(sessionID); err != nil {
		w.err = err
		w.stopped = true
	}
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
	w.reserve(len(p))
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
	w.reserve(size)
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
	w.request(false)
	return false
}

// reserve makes room in w.buf for n more bytes. An empty buffer, after a
// flush because the last chunk's time was up, is made for as much as that
// chunk held (and a quarter more): a steady stream then fills one
// allocation per flush. Otherwise the buffer doubles, up to the size of a
// chunk, where append would grow it by quarters and leave some four times
// its final size behind as garbage; doubling leaves about its size, and an
// idle Writer still holds no buffer, as a timed flush lets it go. Across a
// server's sessions that garbage was most of what recording allocated.
// w.mu is held.
func (w *Writer) reserve(n int) {
	need := len(w.buf) + n
	if need <= cap(w.buf) {
		return
	}
	size := 2 * cap(w.buf)
	if len(w.buf) == 0 {
		size = w.lastPartial + w.lastPartial/4
	}
	size = max(min(size, w.opts.ChunkBytes+w.opts.ChunkBytes/4), need)
	buf := make([]byte, len(w.buf), size)
	copy(buf, w.buf)
	w.buf = buf
}

// appended accounts for n bytes just added to w.buf. w.mu is held.
func (w *Writer) appended(n int, wasEmpty bool) {
	w.written += int64(n)
	if wasEmpty && n > 0 {
		w.armTimer()
	}
}

// Written returns how many bytes were accepted since NewWriter: a frame
// whose WriteFrame returned before is durable once OnStored reports at
// least this many.
func (w *Writer) Written() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written
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
	w.request(true)
	w.mu.Unlock()

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
		w.stop()
		if err != nil {
			w.mu.Lock()
			lost := w.written - w.durable
			w.mu.Unlock()
			err = fmt.Errorf("%w; %d bytes not stored", err, lost)
			if w.opts.Spool != nil && w.opts.Spool.opts.Events != nil {
				w.opts.Spool.opts.Events.Lost(lost)
			}
		}
		w.closeErr = err
	})
	return w.closeErr
}

// Abandon stops the Writer without storing what is not stored yet, and
// returns how many bytes that was: a server that lost a session to
// another owner must not add to its recording any more (the session's
// client resends what it was not told is stored, to the new owner). A
// chunk whose Put is under way may still land. Later Close calls return
// ErrClosed.
func (w *Writer) Abandon() int64 {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		w.stop()
		w.closeErr = fmt.Errorf("recording %s: %w (abandoned)", w.sessionID, ErrClosed)
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written - w.durable
}

// stop ends storing for good. It abandons a Put still retrying (Close's
// context ran out), lets no storing goroutine start, stops the timer, waits
// for the goroutine that runs, if any, and then wakes the Flushes still
// waiting.
func (w *Writer) stop() {
	w.cancel()
	w.mu.Lock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
	w.storing.Wait()
	close(w.done)
}
