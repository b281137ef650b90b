package sshrelay

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/termscreen"
)

// maxQueued is how much output may wait for one helper. A helper further
// behind is not waited for: their queue is dropped and they are drawn the
// current screen once they read again.
const maxQueued = 1 << 20

// viewportFrame is how often a helper whose window is smaller than the
// host's is redrawn (their view is rendered, not passed through).
const viewportFrame = 40 * time.Millisecond

// session is one shared terminal: the host's tunnel, the screen model, the
// helpers attached to it, and what is recorded.
type session struct {
	srv      *Server
	id       string
	req      *wire.ShareRequest
	grants   map[string]grant
	hostFP   string
	hostConn ssh.Conn
	created  time.Time
	ctx      context.Context // ends when the session ends
	cancel   context.CancelFunc
	rec      *castWriter
	events   chan wire.Event // to the host, dropped when it lags

	inputMu sync.Mutex // one helper's input at a time to the host

	mu        sync.Mutex
	term      ssh.Channel // the host's terminal channel, once open
	screen    *termscreen.Screen
	cols      int
	rows      int
	helpers   map[*helper]struct{}
	ended     bool
	endReason string
	endedAt   time.Time
	exit      wire.Exit    // how the shared program ended, as the host said (zero: status 0)
	joined    []helperInfo // everyone who joined, for the API
	nextID    int64
}

// helperInfo describes a helper for the API and the host.
type helperInfo struct {
	id          int64
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint,omitempty"`
	Actor       string    `json:"-"`
	Via         string    `json:"via"`
	ReadOnly    bool      `json:"readOnly"`
	JoinedAt    time.Time `json:"joinedAt"`
	LeftAt      time.Time `json:"leftAt,omitzero"`
}

// sink is where a helper's output goes: an SSH channel or a WebSocket.
type sink interface {
	Write(p []byte) (int, error)
}

// helper is one attached viewer of a session, over SSH or the web.
type helper struct {
	se   *session
	info helperInfo
	out  sink
	done chan struct{} // closed when the helper leaves
	once sync.Once
	wake chan struct{}

	// Guarded by se.mu.
	term       string // the helper's TERM, as their client said (SSH only)
	cols, rows int
	queue      [][]byte
	queued     int
	resync     bool // drop the queue and draw the screen
	viewport   bool // window smaller than the host's: render, don't pass through
	dirty      bool
	dropped    int64 // times the helper fell behind
}

func (se *session) sendEvent(e wire.Event) {
	se.mu.Lock()
	e.Helpers = len(se.helpers)
	se.mu.Unlock()
	select {
	case se.events <- e:
	default:
		// The host is not reading; a status message is not worth blocking for.
	}
}

// runEvents forwards events to the host until the session ends.
func (se *session) runEvents(term ssh.Channel) {
	for {
		select {
		case e := <-se.events:
			b, _ := json.Marshal(e)
			if _, err := term.SendRequest(wire.RequestEvent, false, b); err != nil {
				return
			}
		case <-se.ctx.Done():
			return
		}
	}
}

// output takes a chunk of the host's output: into the screen model, the
// recording and every helper's queue. It never waits for a helper.
func (se *session) output(p []byte) {
	chunk := bytes.Clone(p)
	se.rec.output(chunk)
	se.mu.Lock()
	se.screen.Write(chunk)
	for h := range se.helpers {
		h.push(chunk)
	}
	se.mu.Unlock()
}

// push queues chunk for h; se.mu is held.
func (h *helper) push(chunk []byte) {
	switch {
	case h.viewport:
		h.dirty = true
	case h.resync:
		// A full redraw is coming; it will include this chunk.
	case h.queued+len(chunk) > maxQueued:
		h.queue, h.queued, h.resync = nil, 0, true
		h.dropped++
	default:
		h.queue = append(h.queue, chunk)
		h.queued += len(chunk)
	}
	h.signal()
}

func (h *helper) signal() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// resize follows the host's window.
func (se *session) resize(cols, rows int) {
	se.mu.Lock()
	se.screen.Resize(cols, rows)
	se.cols, se.rows = cols, rows
	for h := range se.helpers {
		h.fit()
		h.signal() // a web terminal follows the host's size
	}
	se.mu.Unlock()
	se.rec.resize(cols, rows)
}

// fit chooses how h is drawn after a change of either window; se.mu is held.
func (h *helper) fit() {
	vp := !h.se.screen.Fits(h.cols, h.rows)
	if vp != h.viewport {
		h.viewport = vp
		h.resync = !vp
		h.dirty = vp
		h.queue, h.queued = nil, 0
		h.signal()
	}
}

// attach adds h and starts drawing: first the screen as it is now, then
// the live output. It returns false when the session has ended.
func (se *session) attach(h *helper) bool {
	se.mu.Lock()
	if se.ended {
		se.mu.Unlock()
		return false
	}
	se.nextID++
	h.info.id = se.nextID
	h.info.JoinedAt = time.Now()
	h.wake = make(chan struct{}, 1)
	h.done = make(chan struct{})
	h.viewport = !se.screen.Fits(h.cols, h.rows)
	h.resync = !h.viewport
	h.dirty = h.viewport
	se.helpers[h] = struct{}{}
	se.joined = append(se.joined, h.info)
	se.mu.Unlock()
	h.signal()
	go h.writeLoop()
	se.srv.audit.add(se.id, h.info.Actor, auditJoin, joinDetail(h.info))
	se.rec.marker(h.info.Name + " joined")
	se.sendEvent(wire.Event{Type: wire.EventJoin, Name: h.info.Name, Fingerprint: h.info.Fingerprint, Via: h.info.Via, ReadOnly: h.info.ReadOnly})
	return true
}

// detach removes h; it is safe to call more than once.
func (se *session) detach(h *helper) {
	h.once.Do(func() {
		close(h.done)
		se.mu.Lock()
		_, was := se.helpers[h]
		delete(se.helpers, h)
		for i := range se.joined {
			if se.joined[i].id == h.info.id {
				se.joined[i].LeftAt = time.Now()
			}
		}
		ended := se.ended
		se.mu.Unlock()
		if !was {
			return
		}
		se.srv.audit.add(se.id, h.info.Actor, "leave", "")
		se.rec.marker(h.info.Name + " left")
		if !ended {
			se.sendEvent(wire.Event{Type: wire.EventLeave, Name: h.info.Name, Fingerprint: h.info.Fingerprint, Via: h.info.Via})
		}
	})
}

// setSize records a helper's window size.
func (se *session) setSize(h *helper, cols, rows int) {
	se.mu.Lock()
	h.cols, h.rows = cols, rows
	if _, ok := se.helpers[h]; ok {
		h.fit()
		if h.viewport {
			h.dirty = true
			h.signal()
		}
	}
	se.mu.Unlock()
}

// writeLoop drains h's queue into its sink. It is the only goroutine that
// waits on the helper, so a stalled helper stalls nobody else.
func (h *helper) writeLoop() {
	se := h.se
	var buf bytes.Buffer
	for {
		select {
		case <-h.wake:
		case <-h.done:
			return
		}
		buf.Reset()
		se.mu.Lock()
		viewport := h.viewport
		switch {
		case h.resync || (h.viewport && h.dirty):
			v := se.screen.ViewFor(h.cols, h.rows)
			if !viewport {
				v = se.screen.Whole()
			}
			se.screen.Render(&buf, v)
			h.resync, h.dirty = false, false
			h.queue, h.queued = nil, 0
		default:
			for _, c := range h.queue {
				buf.Write(c)
			}
			h.queue, h.queued = nil, 0
		}
		cols, rows := se.cols, se.rows
		se.mu.Unlock()
		if ss, ok := h.out.(sizeSink); ok {
			if err := ss.hostSize(cols, rows); err != nil {
				se.detach(h)
				return
			}
		}
		if buf.Len() > 0 {
			if _, err := h.out.Write(buf.Bytes()); err != nil {
				se.detach(h)
				return
			}
		}
		if viewport {
			// Redraw at most once a frame: rendering costs more than
			// passing bytes through.
			select {
			case <-time.After(viewportFrame):
			case <-h.done:
				return
			}
		}
	}
}

// input sends a helper's keystrokes to the host. Watchers' input is
// dropped, and so are their terminals' answers to queries.
func (se *session) input(h *helper, p []byte) {
	if h.info.ReadOnly {
		return
	}
	p = dropTerminalReplies(p)
	if len(p) == 0 {
		return
	}
	term := se.terminal()
	if term == nil {
		return
	}
	// What helpers type (a password at a sudo prompt too) is kept only
	// when the host asked for it; otherwise the audit log has its size.
	if se.req.RecordInput {
		se.rec.input(p)
	}
	se.srv.audit.input(se.id, h.info.Actor, p, se.req.RecordInput)
	se.inputMu.Lock()
	defer se.inputMu.Unlock()
	term.Write(p)
}

// end ends the session once: every helper is told why and disconnected,
// the host's key is deleted, and the recording is made durable.
func (se *session) end(reason string) {
	se.mu.Lock()
	if se.ended {
		se.mu.Unlock()
		return
	}
	se.ended = true
	se.endReason = reason
	se.endedAt = time.Now()
	helpers := make([]*helper, 0, len(se.helpers))
	for h := range se.helpers {
		helpers = append(helpers, h)
	}
	se.mu.Unlock()

	srv := se.srv
	srv.mu.Lock()
	delete(srv.sessions, se.id)
	srv.mu.Unlock()

	// The recording is durable and the host's key deleted before anyone
	// is told the session ended.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := se.rec.close(ctx); err != nil {
		srv.log.Error("close recording", "session", se.id, "err", err)
	}
	if err := srv.cfg.Store.EndTerminal(ctx, se.id, reason, se.endedAt); err != nil {
		srv.log.Error("end terminal", "session", se.id, "err", err)
	}
	se.cancel() // helpers' connection handlers say goodbye and hang up
	for _, h := range helpers {
		se.detach(h)
	}
	srv.audit.add(se.id, "host:"+se.hostFP, "end", reason)
	se.hostConn.Close()
	srv.log.Info("session ended", "session", se.id, "reason", reason)
}

// terminal returns the host's terminal channel, or nil before it opens.
func (se *session) terminal() ssh.Channel {
	se.mu.Lock()
	defer se.mu.Unlock()
	return se.term
}

// endReasonNow returns why the session ended ("" while live).
func (se *session) endReasonNow() string {
	se.mu.Lock()
	defer se.mu.Unlock()
	return se.endReason
}

func joinDetail(h helperInfo) string {
	b, _ := json.Marshal(struct {
		Name        string `json:"name"`
		Fingerprint string `json:"fingerprint,omitempty"`
		Via         string `json:"via"`
		ReadOnly    bool   `json:"readOnly"`
	}{h.Name, h.Fingerprint, h.Via, h.ReadOnly})
	return string(b)
}
