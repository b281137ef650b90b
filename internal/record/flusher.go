package record

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// The storing goroutine runs only while a Writer has work, so that the
// thousands of idle sessions of a server keep no goroutine each. Work is
// requested by a buffer filling up (rollover), the flush timer, Flush and
// Close. A request starts the goroutine unless one runs already; one that
// runs takes the request once it has stored what it was storing. It exits
// when it finds no request left, and it decides so under w.mu, the lock
// under which requests are made: a request is thus either seen by the
// goroutine or starts the next one, never lost between the two, and two
// never run at once.

// chunk is a compressed piece of the stream waiting to be stored.
type chunk struct {
	gz []byte
	n  int // uncompressed bytes
}

// runState is what the storing goroutine keeps between chunks, and from one
// goroutine to the next.
type runState struct {
	pending *chunk // taken from the buffer, not yet stored
	next    uint64 // number of the next chunk
	listed  bool   // next has been set from the chunks already stored
	// spooling is set while chunks go to the Spool, so that this is
	// logged once when it starts rather than for every chunk.
	spooling bool
	// spoolFull is set while the Spool refuses chunks, for the same.
	spoolFull bool
}

// request asks for the full buffers to be stored and, with all, the partly
// filled one too, starting the storing goroutine if none runs. w.mu is held.
func (w *Writer) request(all bool) {
	if w.stopped {
		return
	}
	w.requested = true
	w.wantAll = w.wantAll || all
	if !w.running {
		w.running = true
		w.storing.Add(1)
		go w.storeLoop()
	}
}

// armTimer has the partial buffer stored flushEvery from now. The timer is
// made on first use: a Writer that records nothing needs none. w.mu is held.
func (w *Writer) armTimer() {
	if w.timer == nil {
		w.timer = time.AfterFunc(w.flushEvery, w.timeUp)
		return
	}
	w.timer.Reset(w.flushEvery)
}

// timeUp requests the flush that the timer was armed for. A timer armed
// before a Flush stored everything finds nothing, and then starts no
// goroutine; the next write to the empty buffer arms it again.
func (w *Writer) timeUp() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 || len(w.full) > 0 {
		w.request(true)
	}
}

// storeLoop is the storing goroutine: it serves requests until none is
// left or the Writer is stopped.
func (w *Writer) storeLoop() {
	defer w.storing.Done()
	for {
		all, ok := w.nextRequest()
		if !ok {
			return
		}
		if !w.storeRetrying(w.ctx, all) {
			w.mu.Lock()
			w.running = false
			w.mu.Unlock()
			return
		}
	}
}

// nextRequest takes the request waiting, if any, and reports whether to
// store: with none, or with the Writer stopped, it marks the goroutine
// gone, under the same lock that request reads that mark under.
func (w *Writer) nextRequest() (all, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.requested || w.stopped {
		w.running = false
		return false, false
	}
	all = w.wantAll
	w.requested, w.wantAll = false, false
	return all, true
}

// storeRetrying stores what is due, retrying after a failure with a backoff
// that grows with each failure in a row, and then everything, as the
// partial buffer has waited as well. It reports false when the Writer was
// stopped while storage was failing.
func (w *Writer) storeRetrying(ctx context.Context, all bool) bool {
	fails := 0
	for {
		err := w.storeDue(ctx, all)
		if err == nil {
			if fails > 0 {
				w.setLastErr(nil)
			}
			return true
		}
		fails++
		w.setLastErr(err)
		if !sleep(ctx, w.opts.FlushInterval<<min(fails-1, maxBackoffShift)) {
			return false
		}
		all = true
	}
}

// setLastErr records the latest storage failure, or nil after a success.
func (w *Writer) setLastErr(err error) {
	w.mu.Lock()
	w.lastErr = err
	w.mu.Unlock()
}

// sleep waits for d and reports true, or false if ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// storeDue stores the chunk that failed before, then every full buffer, and
// with all also the one being filled; one chunk each. It takes the one
// being filled only once, so that steady writes during the Puts make full
// chunks rather than a stream of small ones.
func (w *Writer) storeDue(ctx context.Context, all bool) error {
	st := &w.run
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
			if !partial {
				// Only a busy stream fills buffers; keep one to reuse. A
				// stream stored because its time was up is mostly idle:
				// let its buffer go rather than hold it for every session.
				w.recycle(data)
			}
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
	w.lastPartial = len(data)
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

// put stores st.pending as the next chunk and wakes the Flushes it
// satisfies. With a Spool, a chunk the store fails to take in time goes to
// the spool instead, and while the store is down chunks go there at once.
func (w *Writer) put(ctx context.Context, st *runState) error {
	sp := w.opts.Spool
	if !st.listed {
		if err := w.list(ctx, st); err != nil {
			return err
		}
	}
	key := chunkKey(w.sessionID, st.next)
	spooled := false // tried the spool already
	if sp != nil && sp.Down() {
		if err := w.spool(st, key, nil); err == nil {
			return nil
		}
		// The spool is full: try the store, which may be back.
		spooled = true
	}
	pctx := ctx
	if sp != nil {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, w.opts.PutTimeout)
		defer cancel()
	}
	if err := w.opts.Gate.enter(pctx); err != nil {
		if sp != nil && ctx.Err() == nil && !spooled {
			// Others' chunks hold the store up: this one waits on disk.
			return w.spool(st, key, fmt.Errorf("waiting to store %s: %w", key, err))
		}
		return err
	}
	err := w.store.Put(pctx, key, bytes.NewReader(st.pending.gz))
	w.opts.Gate.leave()
	if err != nil {
		err = fmt.Errorf("storing %s: %w", key, err)
		if sp != nil && ctx.Err() == nil {
			sp.failed(err)
			if !spooled {
				return w.spool(st, key, err)
			}
		}
		return err
	}
	if sp != nil {
		sp.succeeded()
	}
	st.spooling = false
	w.done1(st)
	return nil
}

// list numbers the next chunk after the ones stored, and spooled, already.
func (w *Writer) list(ctx context.Context, st *runState) error {
	st.next = max(st.next, w.opts.FirstChunk)
	if w.opts.New {
		if w.opts.Spool != nil {
			if n, ok := w.opts.Spool.last(w.sessionID); ok && n >= st.next {
				st.next = n + 1
			}
		}
		st.listed = true
		return nil
	}
	lctx := ctx
	if w.opts.Spool != nil {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, w.opts.PutTimeout)
		defer cancel()
	}
	nums, err := chunks(lctx, w.store, w.sessionID)
	if err != nil {
		if w.opts.Spool != nil && ctx.Err() == nil {
			w.opts.Spool.failed(err)
		}
		return err
	}
	if len(nums) > 0 {
		st.next = max(st.next, nums[len(nums)-1]+1)
	}
	if w.opts.Spool != nil {
		if n, ok := w.opts.Spool.last(w.sessionID); ok && n >= st.next {
			st.next = n + 1
		}
	}
	st.listed = true
	return nil
}

// spool hands st.pending to the Spool under key. When the spool cannot
// take it, the chunk stays pending, to be retried, and the error says why
// (with cause, the store's failure, if any).
func (w *Writer) spool(st *runState, key string, cause error) error {
	sp := w.opts.Spool
	if err := sp.add(key, st.pending.gz); err != nil {
		if !st.spoolFull {
			st.spoolFull = true
			sp.log.Error("recording spool cannot take a chunk; the recording waits in memory", "session", w.sessionID, "err", err, "cause", cause)
		}
		if cause != nil {
			return fmt.Errorf("%w (and the spool: %v)", cause, err)
		}
		return err
	}
	st.spoolFull = false
	if !st.spooling {
		st.spooling = true
		sp.log.Warn("recording goes to the local spool until storage answers", "session", w.sessionID, "cause", cause)
	}
	w.done1(st)
	return nil
}

// done1 moves on from st.pending, now durable.
func (w *Writer) done1(st *runState) {
	st.next++
	w.stored(st.pending.n)
	st.pending = nil
}

// stored accounts for n more durable bytes and wakes the Flushes waiting
// for them, after OnStored has heard of it: a Flush that returns finds its
// bytes reported (the assist acknowledges them as stored).
func (w *Writer) stored(n int) {
	w.mu.Lock()
	w.durable += int64(n)
	durable := w.durable
	var wake []chan struct{}
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if wt.target <= w.durable {
			wake = append(wake, wt.ch)
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
	w.mu.Unlock()
	if w.opts.OnStored != nil {
		w.opts.OnStored(durable)
	}
	for _, ch := range wake {
		close(ch)
	}
}
