package hub

import (
	"slices"
	"sync"
)

// Subscribe adds a reader. from is the sequence number of the last data
// frame the reader applied, 0 for none. wake, if not nil, is called whenever
// frames are queued for the reader or it ends, so that its consumer takes
// them with Next; it is called with hub locks held and must not block (a
// typical wake starts or signals the goroutine that writes to a socket).
//
// If every frame after from is still retained, the reader gets exactly
// those and then the live ones: a resume. Otherwise it first gets a sync
// frame ({"k":"sync","from":N}, N the sequence number of the first data
// frame after it) followed by the current page's meta and snapshot frames
// and the frames after them, which rebuild the view from scratch; the
// retained meta and snapshot keep their own (older) sequence numbers. After
// a sync with nothing behind it, the view is rebuilt by the next snapshot,
// which OnNeedSnapshot has asked for. Either way no frame is missed or
// repeated between the backlog and the live frames.
func (h *Hub) Subscribe(from uint64, wake func()) (*Reader, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, h.closedError()
	}
	var backlog [][]byte
	if from > 0 && from+1 >= h.tailFrom && from <= h.last {
		backlog = h.tail[from+1-h.tailFrom:]
	} else {
		backlog = h.syncBacklog()
	}
	r := &Reader{
		hub:   h,
		wake:  wake,
		limit: len(backlog) + h.opts.ReaderQueue,
		queue: slices.Clone(backlog),
	}
	h.readers = append(h.readers, r)
	if len(r.queue) > 0 {
		r.notify()
	}
	return r, nil
}

// Reader is one subscriber's view of a hub. Its frames wait in a queue of
// its own that holds only what is pending (an idle reader holds nothing),
// bounded by the hub's ReaderQueue beyond the backlog it started with.
type Reader struct {
	hub   *Hub
	wake  func()
	limit int // most frames that may be pending

	mu    sync.Mutex
	queue [][]byte // frames from head on are pending, oldest first
	head  int
	ended bool
	err   error // why it ended; set with ended
}

// Next returns the reader's next frame without waiting. It returns nil when
// no frame is pending; done reports that the reader has ended and nothing
// more will come (Err says why). A reader cut off as a slow consumer drops
// what it had pending at once; one whose hub closed first yields what was
// already queued.
func (r *Reader) Next() (frame []byte, done bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.head == len(r.queue) {
		return nil, r.ended
	}
	frame = r.queue[r.head]
	r.queue[r.head] = nil
	r.head++
	if r.head == len(r.queue) {
		// Drained: reuse a small array, let a burst's large one go.
		r.head = 0
		if cap(r.queue) > idleQueue {
			r.queue = nil
		} else {
			r.queue = r.queue[:0]
		}
	}
	return frame, false
}

// idleQueue is the most queue capacity a drained reader keeps.
const idleQueue = 8

// Err returns why the reader ended: a *tandem.Error of code
// tandem.ESlowConsumer when it fell behind, the hub's close reason, or nil
// while it runs and after Close.
func (r *Reader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close removes the reader from its hub.
func (r *Reader) Close() {
	h := r.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if i := slices.Index(h.readers, r); i >= 0 {
		h.readers = slices.Delete(h.readers, i, i+1)
		r.end(nil, true)
	}
}

// push queues frame, or reports false when the reader is too far behind.
// The hub's mu is held.
func (r *Reader) push(frame []byte) bool {
	r.mu.Lock()
	ok := len(r.queue)-r.head < r.limit
	if ok {
		r.queue = append(r.queue, frame)
	}
	r.mu.Unlock()
	if ok {
		r.notify()
	}
	return ok
}

// end ends the reader with err, dropping its pending frames if drop. The
// hub's mu is held, and r is (being) taken out of hub.readers, so it
// happens once.
func (r *Reader) end(err error, drop bool) {
	r.mu.Lock()
	r.ended, r.err = true, err
	if drop {
		r.queue, r.head = nil, 0
	}
	r.mu.Unlock()
	r.notify()
}

func (r *Reader) notify() {
	if r.wake != nil {
		r.wake()
	}
}
