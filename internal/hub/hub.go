// Package hub fans one web assist's frames out from its single writer (the
// person's page) to any number of readers (agents), as described in
// docs/protocol.md. Terminal sessions have a fan-out of their own in
// internal/sshrelay, which redraws a lagging helper's screen instead of
// cutting it off.
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
	// After is the sequence number the hub starts after (0 for a new
	// session): an assist taken over from the store, whose recording
	// holds the frames up to After, continues from there. The writer's
	// next frame is After+1 (older ones are dropped as resent
	// duplicates), and a reader finds nothing retained before it: it gets
	// a sync frame and waits for the next snapshot.
	After uint64
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
	return &Hub{opts: opts, needBytes: opts.MaxRetainedBytes / 2, last: opts.After, tailFrom: opts.After + 1}
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
	return h.PublishParsed(hd, frame)
}

// PublishParsed is Publish for a caller that has parsed the frame's header
// already (hd must be ParseHeader(frame)): the header is not parsed again.
func (h *Hub) PublishParsed(hd Header, frame []byte) (dup bool, err error) {
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

// errDuplicate tells Publish that check found a frame seen before.
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

// deliver queues frame for every reader, cutting off those whose queue is
// full. mu is held.
func (h *Hub) deliver(frame []byte) {
	kept := h.readers[:0]
	for _, r := range h.readers {
		if r.push(frame) {
			kept = append(kept, r)
			continue
		}
		h.cut.Add(1)
		r.end(tandem.Errorf(tandem.ESlowConsumer, "reader fell more than %d frames behind", h.opts.ReaderQueue), true)
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
		r.end(reason, false)
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
