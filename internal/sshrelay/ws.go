package sshrelay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// WebSocket close codes of the web terminal (as in docs/terminal.md).
const (
	closeBadFrame  = protocol.CloseBadFrame
	closeForbidden = protocol.CloseForbidden
	closeEnded     = protocol.CloseEnded
	closeTryAgain  = protocol.CloseTryAgain
	closeTooLarge  = protocol.CloseTooLarge
)

// Limits of the web terminal's frames.
const (
	maxWebFrame   = 64 << 10
	webWriteLimit = 10 * time.Second
)

// webFrame is what the browser sends.
type webFrame struct {
	Type string `json:"type"` // "input" or "resize"
	Data string `json:"data,omitempty"`
	Cols int    `json:"cols,omitempty"`
	Rows int    `json:"rows,omitempty"`
}

// ParseWebFrame decodes and checks a frame from the browser.
func ParseWebFrame(b []byte) (webFrame, error) {
	var f webFrame
	if len(b) > maxWebFrame {
		return f, tandem.Errorf(tandem.ETooLarge, "frame over %d bytes", maxWebFrame)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, tandem.Errorf(tandem.EBadProtocol, "malformed frame")
	}
	switch f.Type {
	case "input":
	case "resize":
		if f.Cols < 1 || f.Cols > wire.MaxCols || f.Rows < 1 || f.Rows > wire.MaxRows {
			return f, tandem.Errorf(tandem.EBadProtocol, "window size %dx%d out of range", f.Cols, f.Rows)
		}
	default:
		return f, tandem.Errorf(tandem.EBadProtocol, "unknown frame type %q", clip(f.Type, 20))
	}
	return f, nil
}

// wsSink writes output to the browser as binary frames, and the host's
// window size as a text frame {"type":"size","cols","rows"} when it changes.
type wsSink struct {
	c          *websocket.Conn
	ctx        context.Context
	mu         sync.Mutex
	cols, rows int
}

func (s *wsSink) Write(p []byte) (int, error) {
	ctx, cancel := context.WithTimeout(s.ctx, webWriteLimit)
	defer cancel()
	if err := s.c.Write(ctx, websocket.MessageBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *wsSink) hostSize(cols, rows int) error {
	s.mu.Lock()
	same := s.cols == cols && s.rows == rows
	s.cols, s.rows = cols, rows
	s.mu.Unlock()
	if same {
		return nil
	}
	b, _ := json.Marshal(map[string]any{"type": "size", "cols": cols, "rows": rows})
	ctx, cancel := context.WithTimeout(s.ctx, webWriteLimit)
	defer cancel()
	return s.c.Write(ctx, websocket.MessageText, b)
}

// sizeSink is a sink that wants to know the host's window size.
type sizeSink interface {
	hostSize(cols, rows int) error
}

// ServeWebTerminal is the web terminal: an agent in the console, with the
// rights of an SSH helper, over a WebSocket.
func (s *Server) ServeWebTerminal(w http.ResponseWriter, r *http.Request, u *tandem.User) {
	t, err := s.terminalByPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	se := s.session(t.ID)
	if se == nil && t.EndedAt.IsZero() {
		if err := s.servedElsewhere(r.Context(), t.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if se == nil && t.EndedAt.IsZero() {
		// Live, but no node serves it now: its host is on its way back
		// (its node died or drained). The page tries again.
		s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "session %s is waiting for its host to reconnect; try again", t.ID))
		return
	}
	if se == nil {
		s.fail(w, r, tandem.Errorf(tandem.EExpired, "session %s has ended (%s)", t.ID, t.EndReason))
		return
	}
	if !se.req.AllowAgents && !se.req.Approve {
		s.fail(w, r, tandem.Errorf(tandem.EForbidden, "the host did not allow agents to join"))
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	_ = netx.ClearDeadlines(w) // the terminal outlives the server's request timeouts
	defer c.CloseNow()
	// Frames are bounded by readWeb, which closes with 4413 as documented;
	// the library's own limit would close with 1009.
	c.SetReadLimit(-1)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	sink := &wsSink{c: c, ctx: ctx}
	h := &helper{se: se, out: sink, info: helperInfo{
		Name: u.Name, Actor: "agent:" + u.ID, Via: "web", ReadOnly: se.req.ReadOnly,
	}}
	se.mu.Lock()
	h.cols, h.rows = se.cols, se.rows // the browser sizes itself to the host
	se.mu.Unlock()

	if se.req.Approve {
		ok, err := se.approve(sink, h)
		if err != nil || !ok {
			msg := "the host did not let you in"
			if err != nil {
				msg = err.Error()
			}
			if !ok && err == nil {
				s.audit.add(se.id, h.info.Actor, "join.denied", joinDetail(h.info))
			}
			c.Close(closeForbidden, msg)
			return
		}
	}
	if !se.attach(h) {
		c.Close(closeEnded, "the session has ended")
		return
	}
	defer se.detach(h)

	readErr := make(chan error, 1)
	go func() { readErr <- s.readWeb(ctx, c, se, h) }()
	select {
	case err := <-readErr:
		if te, ok := err.(*tandem.Error); ok {
			code := websocket.StatusCode(closeBadFrame)
			if te.Code == tandem.ETooLarge {
				code = closeTooLarge
			}
			c.Close(code, te.Message)
		}
	case <-h.done:
		if se.ctx.Err() != nil {
			closeStopped(c, se)
		}
	case <-se.ctx.Done():
		se.detach(h)
		closeStopped(c, se)
	}
}

// closeStopped closes a web terminal whose session stopped here: as ended,
// or, when the session goes on elsewhere (this server drained or lost it),
// with "try again", which makes the page reconnect through the balancer.
func closeStopped(c *websocket.Conn, se *session) {
	if why := se.movedReason(); why != "" {
		c.Close(closeTryAgain, why)
		return
	}
	c.Close(closeEnded, fmt.Sprintf("the session has ended: %s", se.endReasonNow()))
}

// readWeb handles the browser's frames until it goes or sends a bad one.
func (s *Server) readWeb(ctx context.Context, c *websocket.Conn, se *session, h *helper) error {
	for {
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		// One byte more than allowed tells a frame that is too large
		// without reading the rest of it.
		b, err := io.ReadAll(io.LimitReader(r, maxWebFrame+1))
		if err != nil {
			return err
		}
		if len(b) > maxWebFrame {
			return tandem.Errorf(tandem.ETooLarge, "frame over %d bytes", maxWebFrame)
		}
		if typ != websocket.MessageText {
			return tandem.Errorf(tandem.EBadProtocol, "frames to the server are JSON text")
		}
		f, err := ParseWebFrame(b)
		if err != nil {
			return err
		}
		switch f.Type {
		case "input":
			se.input(h, []byte(f.Data))
		case "resize":
			se.setSize(h, f.Cols, f.Rows)
		}
	}
}
