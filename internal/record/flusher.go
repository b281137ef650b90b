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
	if err := w.opts.Gate.enter(ctx); err != nil {
		return err
	}
	err := w.store.Put(ctx, key, bytes.NewReader(st.pending.gz))
	w.opts.Gate.leave()
	if err != nil {
		return fmt.Errorf("storing %s: %w", key, err)
	}
	st.next++
	w.stored(st.pending.n)
	st.pending = nil
	return nil
}

// stored accounts for n more durable bytes and wakes the Flushes waiting
// for them.
func (w *Writer) stored(n int) {
	w.mu.Lock()
	w.durable += int64(n)
	durable := w.durable
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
	if w.opts.OnStored != nil {
		w.opts.OnStored(durable)
	}
}
