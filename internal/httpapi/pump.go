package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/assist"
)

// channel is the assist side of a WebSocket: frames in, frames out.
//
// Sending never blocks the assist: the channel queues frames and calls the
// wake function given to Start whenever there may be something new, and the
// transport then takes them with Next (nil when there is none now) until the
// channel is drained or returns the *assist.CloseError to close with.
type channel interface {
	Handle(ctx context.Context, frame []byte) error
	Start(wake func())
	Next() ([]byte, error)
	// Abort closes the channel with code and reason after a frame read
	// was refused, unless it is closing already (the first close wins).
	Abort(code int, reason string)
	Close()
}

// writeTimeout bounds one frame's write: a peer that stops reading is cut
// off rather than allowed to hold its frames (and memory) forever.
const writeTimeout = 10 * time.Second

// Buffer sizes of an upgraded connection. See smallBuffers.
const (
	readBufferSize  = 1 << 10
	writeBufferSize = 2 << 10
)

// pump runs a channel until either side ends it. It is started in its own
// goroutine once the handshake is done, so that the request's goroutine (and
// its stack, deep from serving HTTP) ends: an idle channel then costs one
// small goroutine, parked in a read, and no writer (see sender).
//
// The channel's context is not the request's, which ended with its handler,
// but one that ends when the server stops (Deps.Stopping).
func (s *Server) pump(path string, ws *websocket.Conn, ch channel, kind string, readLimit int64) {
	if s.deps.Observer != nil {
		s.deps.Observer.Channel(kind, 1)
		defer s.deps.Observer.Channel(kind, -1)
	}
	ws.SetReadLimit(readLimit)
	ctx, cancel := context.WithCancel(s.deps.Stopping)
	defer cancel()
	defer ch.Close()
	// Reads and writes get a context that is never cancelled, so that the
	// WebSocket library does not arm a timer for every frame (garbage that
	// shows as latency under load); instead, the end of ctx and a stuck
	// write close the connection, which ends any read or write under way.
	stop := context.AfterFunc(ctx, func() { _ = ws.CloseNow() })
	defer stop()
	ioCtx := context.WithoutCancel(ctx)

	snd := &sender{ch: ch, ws: ws, ctx: ioCtx, end: cancel}
	snd.watchdog = time.AfterFunc(writeTimeout, func() { _ = ws.CloseNow() })
	snd.watchdog.Stop()
	ch.Start(snd.wake)

	for {
		typ, data, err := s.readFrame(ioCtx, ws)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				s.log.Warn("frame too large", "channel", kind, "path", path)
			}
			return
		}
		if typ == websocket.MessageText {
			err = ch.Handle(ctx, data)
		} else {
			err = &assist.CloseError{Code: assist.CloseBadFrame, Reason: "frames are text"}
		}
		if err != nil {
			var ce *assist.CloseError
			if errors.As(err, &ce) {
				if ce.Code == assist.CloseBadFrame || ce.Code == assist.CloseForbidden {
					s.log.Warn("channel closed on bad input", "channel", kind, "path", path, "reason", ce.Reason)
				}
			} else {
				s.log.Error("channel failed", "channel", kind, "err", err)
				ce = &assist.CloseError{Code: int(websocket.StatusInternalError), Reason: "internal error"}
			}
			// The channel decides how it closes: if something else closed
			// it first (the assist ended, a newer connection replaced it),
			// that close and the frame before it ("ended") go out, not
			// this one. The sender writes them; wait for it, bounded by its
			// write timeout and the server's stop.
			ch.Abort(ce.Code, ce.Reason)
			snd.wake()
			<-ctx.Done()
			return
		}
	}
}

// sender writes a channel's frames to its WebSocket from a goroutine that
// runs only while there is something to write: wake starts one if none
// runs, and it drains the channel and ends. At most one runs at a time, and
// a wake that comes while it is finishing is never lost.
type sender struct {
	ch       channel
	ws       *websocket.Conn
	ctx      context.Context // never cancelled: see pump
	end      context.CancelFunc
	watchdog *time.Timer // closes the connection when a write is stuck
	state    atomic.Int32
}

// States of a sender.
const (
	senderIdle    = iota // no goroutine
	senderRunning        // a goroutine is draining the channel
	senderAgain          // running, and woken again since it began its pass
	senderDone           // the channel is closed: nothing more is written
)

// wake makes sure that what the channel has queued gets written.
func (s *sender) wake() {
	for {
		switch s.state.Load() {
		case senderIdle:
			if s.state.CompareAndSwap(senderIdle, senderRunning) {
				go s.run()
				return
			}
		case senderRunning:
			if s.state.CompareAndSwap(senderRunning, senderAgain) {
				return
			}
		default: // already woken, or done
			return
		}
	}
}

func (s *sender) run() {
	for {
		if !s.drain() {
			s.state.Store(senderDone)
			s.end()
			return
		}
		if s.state.CompareAndSwap(senderRunning, senderIdle) {
			return
		}
		// Woken during the pass: something may have been queued after
		// the channel said it had nothing.
		s.state.Store(senderRunning)
	}
}

// drain writes frames until the channel has none; false when the channel
// closed (or the connection failed) and the sender must stop.
func (s *sender) drain() bool {
	for {
		frame, err := s.ch.Next()
		if err != nil {
			var ce *assist.CloseError
			if errors.As(err, &ce) {
				_ = closeWS(s.ws, ce.Code, ce.Reason)
			}
			return false
		}
		if frame == nil {
			return true
		}
		s.watchdog.Reset(writeTimeout)
		err = s.ws.Write(s.ctx, websocket.MessageText, frame)
		if !s.watchdog.Stop() || err != nil {
			return false
		}
	}
}

// maxCloseReason is the most bytes of reason a close frame holds.
const maxCloseReason = 123

// closeWS closes ws with code and reason. Every close goes through here:
// a reason longer than a close frame holds makes the library drop the
// connection without a close frame (the peer sees 1006), so it is cut, at
// a UTF-8 boundary so that it stays valid text.
func closeWS(ws *websocket.Conn, code int, reason string) error {
	return ws.Close(websocket.StatusCode(code), truncateReason(reason))
}

// truncateReason cuts reason to maxCloseReason bytes without splitting a
// character; an invalid byte sequence is replaced rather than sent.
func truncateReason(reason string) string {
	reason = strings.ToValidUTF8(reason, "\uFFFD")
	if len(reason) <= maxCloseReason {
		return reason
	}
	cut := maxCloseReason - len("…")
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut] + "…"
}

// readFrame reads one message into a pooled buffer and returns an exact-size
// copy: one allocation per frame, however the message arrived.
func (s *Server) readFrame(ctx context.Context, ws *websocket.Conn) (websocket.MessageType, []byte, error) {
	typ, r, err := ws.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	buf := s.frameBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // do not keep a snapshot-sized buffer around
			buf.Reset()
			s.frameBufs.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(r); err != nil {
		return 0, nil, err
	}
	return typ, bytes.Clone(buf.Bytes()), nil
}

// smallBuffers hands the WebSocket library small bufio buffers in place of
// net/http's 4 KiB ones, which it would keep for the connection's life: at
// thousands of idle channels those are most of their memory. A frame larger
// than a buffer is read or written straight through the socket anyway.
type smallBuffers struct{ http.ResponseWriter }

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil { // net/http flushed the 101 already
		conn.Close()
		return nil, nil, err
	}
	// Keep what the client sent after its handshake, in the new buffer.
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ = brw.Reader.Peek(n)
		early = bytes.Clone(early)
	}
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(early), conn), max(readBufferSize, len(early)))
	if len(early) > 0 {
		if _, err := br.Peek(len(early)); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, writeBufferSize)), nil
}
