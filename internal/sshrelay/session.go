package sshrelay

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
	"github.com/tandemhq/tandem/internal/termscreen"
)

// session is one shared terminal: the host's tunnel, the screen model, the
// helpers attached to it, and what is recorded.
type session struct {
	srv     *Server
	id      string
	req     *wire.ShareRequest
	grants  map[string]grant
	hostFP  string
	created time.Time
	ctx     context.Context // ends when the session ends
	cancel  context.CancelFunc
	rec     *castWriter
	events  chan wire.Event // to the host, dropped when it lags

	inputMu sync.Mutex // one helper's input at a time to the host

	mu sync.Mutex
	// host is the host's connection now: nil while it is away (its
	// connection dropped and it may resume). A resume replaces it.
	host      *hostLink
	term      ssh.Channel // the host's terminal channel, once open
	away      *time.Timer // while the host is away: ends the session at HostGrace
	moved     bool        // stopped here to go on elsewhere: helpers are told to reconnect
	screen    *termscreen.Screen
	cols      int
	rows      int
	helpers   map[*helper]struct{}
	ended     bool
	over      chan struct{} // closed once end has finished
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
	se      *session
	info    helperInfo
	out     sink
	done    chan struct{} // closed when the helper leaves
	once    sync.Once
	wake    chan struct{} // output to write
	drained chan struct{} // writeLoop took the queue: room for more

	// Guarded by se.mu.
	term       string // the helper's TERM, as their client said (SSH only)
	cols, rows int
	queue      [][]byte
	queued     int
	resync     bool // drop the queue and draw the screen
	skipped    bool // the resync skips output: say so first
	lagging    bool // fell behind and has not caught up: not waited for
	viewport   bool // window smaller than the host's: render, don't pass through
	dirty      bool
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

// runEvents forwards events to the host on term until ctx (the host's
// connection) ends.
func (se *session) runEvents(ctx context.Context, term ssh.Channel) {
	for {
		select {
		case e := <-se.events:
			b, _ := json.Marshal(e)
			if _, err := term.SendRequest(wire.RequestEvent, false, b); err != nil {
				return
			}
		case <-ctx.Done():
			return
		}
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
	h.drained = make(chan struct{}, 1)
	h.done = make(chan struct{})
	h.viewport = !se.screen.Fits(h.cols, h.rows)
	h.resync = !h.viewport
	h.dirty = h.viewport
	se.helpers[h] = struct{}{}
	se.joined = append(se.joined, h.info)
	se.mu.Unlock()
	se.srv.obs.TerminalHelpers(1)
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
		se.srv.obs.TerminalHelpers(-1)
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
// the host's key is deleted, and the recording is made durable. A second
// caller waits for the first to finish, so that whoever returns after end
// (the host's connection handler, which Close waits for) knows the
// recording is closed.
func (se *session) end(reason string) { se.stop(reason, stopEnd) }

// How a session stops on this server.
type stopKind int

const (
	// stopEnd ends the session: its end is stored and its lease given up.
	stopEnd stopKind = iota
	// stopLost stops serving a session whose lease was lost: another node
	// may own it now, so nothing is stored.
	stopLost
	// stopHandover stops serving a session that goes on elsewhere (Drain):
	// the recording is made durable, the lease handed over, the end not
	// stored, and helpers are told to reconnect.
	stopHandover
)

// stop stops the session on this server, as kind says.
func (se *session) stop(reason string, kind stopKind) {
	se.mu.Lock()
	if se.ended {
		se.mu.Unlock()
		<-se.over
		return
	}
	se.ended = true
	se.endReason = reason
	se.endedAt = time.Now()
	se.moved = kind != stopEnd
	if se.away != nil {
		se.away.Stop()
	}
	host := se.host
	helpers := make([]*helper, 0, len(se.helpers))
	for h := range se.helpers {
		helpers = append(helpers, h)
	}
	se.mu.Unlock()
	defer close(se.over)

	srv := se.srv
	srv.mu.Lock()
	delete(srv.sessions, se.id)
	srv.mu.Unlock()
	srv.obs.TerminalSessions(-1)

	if kind == stopHandover && host != nil {
		// No more output here: what the recording holds when it closes
		// is all this server had, and the next owner appends after it.
		host.conn.Close()
	}
	// The recording is durable and the host's key deleted before anyone
	// is told the session ended.
	rctx, rcancel := context.WithTimeout(context.Background(), recordingCloseTimeout)
	if err := se.rec.close(rctx); err != nil {
		srv.log.Error("close recording", "session", se.id, "err", err)
	}
	rcancel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if kind == stopEnd && srv.cfg.Node != nil {
		// Only the owner ends a session. Another node may have taken it
		// over while this one's heartbeat was late (its host resumed
		// there): then the end is not this node's to store, and the
		// helpers here are told to join again.
		if err := srv.cfg.Node.Confirm(ctx, se.id); tandem.ErrorCode(err) == tandem.EConflict {
			srv.log.Warn("session not ended here: another node serves it now", "session", se.id)
			kind = stopLost
			se.mu.Lock()
			se.moved, se.endReason = true, "this server no longer serves the session; run the same command again"
			se.mu.Unlock()
		}
	}
	switch kind {
	case stopEnd:
		err := srv.cfg.Store.EndTerminal(ctx, se.id, reason, se.endedAt)
		if err != nil {
			srv.log.Error("end terminal", "session", se.id, "err", err)
		}
		srv.releaseLease(se.id, err == nil)
	case stopHandover:
		srv.handOverLease(se.id)
	}
	se.cancel() // helpers' connection handlers say goodbye and hang up
	for _, h := range helpers {
		se.detach(h)
	}
	switch kind {
	case stopEnd:
		srv.audit.add(se.id, "host:"+se.hostFP, "end", reason)
	case stopHandover:
		srv.audit.add(se.id, "system", "handover", reason)
	}
	if host != nil {
		host.conn.Close()
	}
	if kind == stopEnd {
		srv.log.Info("session ended", "session", se.id, "reason", reason)
	} else {
		srv.log.Info("session stopped here, not ended", "session", se.id, "reason", reason)
	}
}

// hostConn returns the host's connection, or nil while the host is away.
func (se *session) hostConn() ssh.Conn {
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.host == nil {
		return nil
	}
	return se.host.conn
}

// movedReason returns why a session that was not ended stopped here, or
// "" when it ended (or runs).
func (se *session) movedReason() string {
	se.mu.Lock()
	defer se.mu.Unlock()
	if !se.moved {
		return ""
	}
	return se.endReason
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
