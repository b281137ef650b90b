// Package hub fans one session's frames out from its single writer (the
// person's page, or a terminal's host) to any number of readers (agents,
// helpers), as described in docs/protocol.md.
//
// A Hub checks sequence numbers, keeps what a late reader needs to rebuild
// the view (the current page's last full snapshot and the frames after it),
// lets a reconnecting reader resume from the last frame it applied, and
// hands every accepted frame to an optional record sink. It never blocks
// the writer: a reader whose queue is full is cut off and must reconnect.
//
// Frames are shared, not copied: once given to Publish, a frame must not be
// modified by anyone, and readers must not modify the frames they receive.
package hub

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem"
)

// Defaults of Options.
const (
	DefaultReaderQueue      = 1024
	DefaultMaxRetainedBytes = 32 << 20
)

// Sink receives every data frame the hub accepts, in order, with its receive
// time, before readers see it. It is called on the writer's path and must
// not wait; a *record.Writer is one.
type Sink interface {
	WriteFrame(at time.Time, frame []byte) error
}

// Options configure a Hub. Zero fields take the defaults.
type Options struct {
	// ReaderQueue is how many frames may wait for a reader before it is cut
	// off as a slow consumer (in addition to its backlog at subscription).
	ReaderQueue int
	// MaxRetainedBytes bounds the snapshots and tail kept for late readers.
	MaxRetainedBytes int
	// OnNeedSnapshot, if set, is called when the frames since the last full
	// snapshot grow past half of MaxRetainedBytes, so that the caller asks
	// the person for a new snapshot. It is called once per need (again only
	// after a snapshot arrived), from Publish but without any hub lock held.
	OnNeedSnapshot func()
	// Sink, if set, records every accepted data frame.
	Sink Sink
	// Now gives receive times; time.Now by default.
	Now func() time.Time
}

// Stats are a Hub's counters, for metrics.
type Stats struct {
	FramesIn       uint64 // data frames accepted
	BytesIn        uint64 // bytes of accepted data frames
	Duplicates     uint64 // data frames dropped as already seen
	SlowReadersCut uint64 // readers cut off for a full queue
	Readers        int    // readers connected now
	RetainedBytes  int    // snapshots and tail kept for late readers
	LastSeq        uint64
}

// ErrClosed is what Publish and Subscribe return on a hub closed without a
// reason.
var ErrClosed = tandem.Errorf(tandem.EUnavailable, "session hub closed")

// snapshot is a retained frame: a page's full snapshot, or its meta frame.
type snapshot struct {
	page string
	hash string
	seq  uint64 // sequence number of the frame
	used uint64 // the latest seq of the frame or a ref to it, for eviction
	data []byte
}

// Hub is the fan-out of one session. Publish is for its one writer;
// everything else may be called from any goroutine.
type Hub struct {
	opts      Options
	needBytes int // tail size that calls OnNeedSnapshot

	// pub serializes Publish. The state below marked (pub+mu) changes only
	// with both held, so Publish reads it holding pub alone while Subscribe
	// reads it holding mu alone.
	pub sync.Mutex

	mu       sync.Mutex
	closed   bool                 // (pub+mu)
	closeErr error                // (pub+mu)
	last     uint64               // (pub+mu) seq of the last accepted frame
	page     string               // (pub+mu) page of the current base
	snaps    map[string]*snapshot // (pub+mu) page → its last full snapshot
	metas    map[string]*snapshot // (pub+mu) page → its last meta frame
	base     *snapshot            // (pub+mu) snapshot the tail follows; nil if none
	baseMeta *snapshot            // (pub+mu) meta of base's page when the tail began
	stale    bool                 // (pub+mu) tail dropped for memory: wait for a snapshot
	tail     [][]byte             // (pub+mu) frames after base
	tailFrom uint64               // (pub+mu) seq of tail[0], or of the next frame
	tailSize int                  // (pub+mu)
	retained int                  // (pub+mu) bytes of snaps, metas and tail
	asked    bool                 // (pub+mu) OnNeedSnapshot called since base
	readers  []*Reader            // (mu)

	framesIn, bytesIn, dups, cut atomic.Uint64
}

// New returns an empty Hub.
func New(opts Options) *Hub {
	if opts.ReaderQueue <= 0 {
		opts.ReaderQueue = DefaultReaderQueue
	}
	if opts.MaxRetainedBytes <= 0 {
		opts.MaxRetainedBytes = DefaultMaxRetainedBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Hub{opts: opts, needBytes: opts.MaxRetainedBytes / 2, tailFrom: 1}
}

// LastSeq returns the sequence number of the last accepted data frame: the
// "ack" the writer is told.
func (h *Hub) LastSeq() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Readers returns how many readers are connected.
func (h *Hub) Readers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.readers)
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	s := Stats{Readers: len(h.readers), RetainedBytes: h.retained, LastSeq: h.last}
	h.mu.Unlock()
	s.FramesIn = h.framesIn.Load()
	s.BytesIn = h.bytesIn.Load()
	s.Duplicates = h.dups.Load()
	s.SlowReadersCut = h.cut.Load()
	return s
}

// Publish accepts one data frame from the writer and delivers it to every
// reader without waiting for any.
//
// The frame's sequence number must be LastSeq()+1. A frame with an older
// one was resent after a reconnect: it is dropped, and Publish returns
// dup=true and no error. A newer one is a sequence gap, and the error (like
// every other error about the frame) has code tandem.EBadProtocol. An error
// from the Sink is returned as is and the frame is not accepted, so that
// the writer sends it again rather than have it missing from the record.
func (h *Hub) Publish(frame []byte) (dup bool, err error) {
	hd, err := ParseHeader(frame)
	if err != nil {
		return false, err
	}
	h.pub.Lock()
	need, err := h.publish(hd, frame)
	h.pub.Unlock()
	if errors.Is(err, errDuplicate) {
		h.dups.Add(1)
		return true, nil
	}
	if need && h.opts.OnNeedSnapshot != nil {
		h.opts.OnNeedSnapshot()
	}
	return false, err
}

var errDuplicate = errors.New("duplicate")

// publish does Publish's work with h.pub held; need says to call
// OnNeedSnapshot.
func (h *Hub) publish(hd Header, frame []byte) (need bool, err error) {
	if h.closed {
		return false, h.closedError()
	}
	if err := h.check(hd); err != nil {
		return false, err
	}
	if h.opts.Sink != nil {
		if err := h.opts.Sink.WriteFrame(h.opts.Now(), frame); err != nil {
			return false, fmt.Errorf("recording frame %d: %w", hd.Seq, err)
		}
	}
	h.framesIn.Add(1)
	h.bytesIn.Add(uint64(len(frame)))

	h.mu.Lock()
	defer h.mu.Unlock()
	h.apply(hd, frame)
	need = h.trim()
	h.deliver(frame)
	return need, nil
}

// check validates a data frame against the state. h.pub is held.
func (h *Hub) check(hd Header) error {
	if hd.Seq == 0 {
		return tandem.Errorf(tandem.EBadProtocol, "%q frame without a sequence number", hd.Kind)
	}
	if hd.Seq <= h.last {
		return errDuplicate
	}
	if hd.Seq > h.last+1 {
		return tandem.Errorf(tandem.EBadProtocol, "sequence gap: got %d after %d", hd.Seq, h.last)
	}
	switch hd.Kind {
	case KindMeta, KindEv:
	case KindSnap:
		if hd.Page == "" || hd.Hash == "" {
			return tandem.Errorf(tandem.EBadProtocol, "snap frame %d without page and hash", hd.Seq)
		}
	case KindRef:
		if hd.Page == "" || hd.Hash == "" {
			return tandem.Errorf(tandem.EBadProtocol, "ref frame %d without page and hash", hd.Seq)
		}
		if s := h.snaps[hd.Page]; s == nil || s.hash != hd.Hash {
			return tandem.Errorf(tandem.EBadProtocol, "ref frame %d: no snapshot of page %q with hash %q", hd.Seq, hd.Page, hd.Hash)
		}
	case KindLeave:
		if hd.Page == "" {
			return tandem.Errorf(tandem.EBadProtocol, "leave frame %d without a page", hd.Seq)
		}
	default:
		return tandem.Errorf(tandem.EBadProtocol, "unknown data frame kind %q", hd.Kind)
	}
	return nil
}

// apply changes the retained state for an accepted frame. pub and mu are held.
func (h *Hub) apply(hd Header, frame []byte) {
	h.last = hd.Seq
	switch hd.Kind {
	case KindSnap:
		if h.snaps == nil {
			h.snaps = make(map[string]*snapshot)
		}
		h.drop(h.snaps[hd.Page])
		s := &snapshot{page: hd.Page, hash: hd.Hash, seq: hd.Seq, used: hd.Seq, data: frame}
		h.snaps[hd.Page] = s
		h.retained += len(frame)
		h.restart(s, nil)
		return
	case KindRef:
		s := h.snaps[hd.Page]
		s.used = hd.Seq
		h.restart(s, frame)
		return
	case KindLeave:
		if hd.Page != h.page {
			h.drop(h.snaps[hd.Page])
			h.drop(h.metas[hd.Page])
		}
	case KindMeta:
		if hd.Page != "" {
			if h.metas == nil {
				h.metas = make(map[string]*snapshot)
			}
			h.drop(h.metas[hd.Page])
			h.metas[hd.Page] = &snapshot{page: hd.Page, seq: hd.Seq, used: hd.Seq, data: frame}
			h.retained += len(frame)
		}
	}
	h.tail = append(h.tail, frame)
	h.tailSize += len(frame)
	h.retained += len(frame)
}

// restart makes s the base that the tail follows; first, if not nil, is the
// tail's first frame (the ref that chose s).
func (h *Hub) restart(s *snapshot, first []byte) {
	h.retained -= h.tailSize
	h.base, h.baseMeta, h.page = s, h.metas[s.page], s.page
	h.stale, h.asked = false, false
	h.tail, h.tailSize, h.tailFrom = nil, 0, h.last+1
	if first != nil {
		h.tail = append(h.tail, first)
		h.tailSize = len(first)
		h.retained += len(first)
		h.tailFrom = h.last
	}
}

// drop forgets a retained snapshot or meta frame.
func (h *Hub) drop(s *snapshot) {
	if s == nil {
		return
	}
	m := h.snaps
	if s.hash == "" {
		m = h.metas
	}
	if m[s.page] == s {
		delete(m, s.page)
		h.retained -= len(s.data)
	}
}

// trim keeps the retained bytes under the limit and reports whether to call
// OnNeedSnapshot. It gives up, in order: snapshots of other pages (least
// recently used first), then the tail (late readers then wait for the next
// snapshot), then the current page's snapshot itself. pub and mu are held.
func (h *Hub) trim() (need bool) {
	limit := h.opts.MaxRetainedBytes
	for h.retained > limit {
		var oldest *snapshot
		for _, m := range [...]map[string]*snapshot{h.snaps, h.metas} {
			for _, s := range m {
				if s.page != h.page && (oldest == nil || s.used < oldest.used) {
					oldest = s
				}
			}
		}
		if oldest == nil {
			break
		}
		h.drop(h.snaps[oldest.page])
		h.drop(h.metas[oldest.page])
	}
	if h.retained > limit && (len(h.tail) > 0 || !h.stale) {
		h.retained -= h.tailSize
		h.tail, h.tailSize, h.tailFrom = nil, 0, h.last+1
		h.base, h.baseMeta, h.stale = nil, nil, true
	}
	if h.retained > limit {
		h.drop(h.snaps[h.page])
		h.drop(h.metas[h.page])
	}
	if !h.asked && (h.stale || h.tailSize > h.needBytes) {
		h.asked = true
		return true
	}
	return false
}

// deliver queues frame for every reader, cutting off those whose queue is
// full. mu is held.
func (h *Hub) deliver(frame []byte) {
	kept := h.readers[:0]
	for _, r := range h.readers {
		select {
		case r.ch <- frame:
			kept = append(kept, r)
		default:
			h.cut.Add(1)
			r.end(tandem.Errorf(tandem.ESlowConsumer, "reader fell more than %d frames behind", h.opts.ReaderQueue))
		}
	}
	clear(h.readers[len(kept):])
	h.readers = kept
}

// Broadcast sends a control frame (presence, state, health, ...) to every
// current reader, under the same no-wait rule as data frames. It is neither
// retained for late readers nor recorded.
func (h *Hub) Broadcast(frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.deliver(frame)
}

// Close cuts off every reader with reason (which their Err returns) and
// makes later Publish and Subscribe calls fail with it, or with ErrClosed
// when reason is nil. Closing again does nothing.
func (h *Hub) Close(reason error) {
	h.pub.Lock()
	defer h.pub.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed, h.closeErr = true, reason
	for _, r := range h.readers {
		r.end(reason)
	}
	clear(h.readers)
	h.readers = nil
}

// closedError is the error for calls on a closed hub. pub or mu is held.
func (h *Hub) closedError() error {
	if h.closeErr != nil {
		return h.closeErr
	}
	return ErrClosed
}

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

// syncBacklog returns the frames that rebuild the view, led by a sync frame.
// mu is held.
func (h *Hub) syncBacklog() [][]byte {
	var pre []*snapshot
	if h.base != nil {
		pre = append(pre, h.base)
		if m := h.baseMeta; m != nil && m.seq < h.tailFrom {
			pre = append(pre, m)
		}
		slices.SortFunc(pre, func(a, b *snapshot) int { return compareSeq(a.seq, b.seq) })
	}
	tail := h.tail
	if h.stale {
		tail = nil
	}
	first := h.last + 1
	switch {
	case len(pre) > 0:
		first = pre[0].seq
	case len(tail) > 0:
		first = h.tailFrom
	}
	backlog := make([][]byte, 0, 1+len(pre)+len(tail))
	backlog = append(backlog, EncodeFrame(Header{Kind: KindSync, From: first}, nil))
	for _, s := range pre {
		backlog = append(backlog, s.data)
	}
	return append(backlog, tail...)
}

func compareSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
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
