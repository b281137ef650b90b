package hub

import "slices"

// Subscribe adds a reader. from is the sequence number of the last data
// frame the reader applied, 0 for none.
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
func (h *Hub) Subscribe(from uint64) (*Reader, error) {
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
		hub:  h,
		ch:   make(chan []byte, len(backlog)+h.opts.ReaderQueue),
		done: make(chan struct{}),
	}
	for _, f := range backlog {
		r.ch <- f
	}
	h.readers = append(h.readers, r)
	return r, nil
}

// Reader is one subscriber's view of a hub.
type Reader struct {
	hub  *Hub
	ch   chan []byte
	done chan struct{}
	err  error // set before done is closed
}

// Frames yields the reader's frames in order. It is closed when the reader
// is cut off, the hub is closed, or Close is called.
func (r *Reader) Frames() <-chan []byte { return r.ch }

// Done is closed when the reader ends, at the same time as Frames; a reader
// that is cut off should stop at once rather than drain Frames.
func (r *Reader) Done() <-chan struct{} { return r.done }

// Err returns why the reader ended: a *tandem.Error of code
// tandem.ESlowConsumer when it fell behind, the hub's close reason, or nil
// while it runs and after Close.
func (r *Reader) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}

// Close removes the reader from its hub.
func (r *Reader) Close() {
	h := r.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if i := slices.Index(h.readers, r); i >= 0 {
		h.readers = slices.Delete(h.readers, i, i+1)
		r.end(nil)
	}
}

// end closes the reader's channels. The hub's mu is held, and r is (being)
// taken out of hub.readers, so it happens once.
func (r *Reader) end(err error) {
	r.err = err
	close(r.ch)
	close(r.done)
}
