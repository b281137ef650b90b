package record

import (
	"bytes"
	"context"
	"fmt"
	"github.com/klauspost/compress/gzip"
	"sync"
	"time"
)

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

// compressionLevel trades a little size for speed: on recorded frames level
// 2 compresses about 3.5 times as fast as the default level 6 (230 vs
// 66 MB/s on one core) for output 13% larger, and recording runs beside
// every live session.
const compressionLevel = 2

// compressors holds gzip writers between chunks: each is large (hundreds of
// KiB of tables), and a server records many sessions at once, so they are
// shared rather than kept per Writer.
var compressors = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, compressionLevel) // the level is valid
	return zw
}}

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
