package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/store"
)

// channel is the assist side of a WebSocket: frames in, frames out.
type channel interface {
	Handle(ctx context.Context, frame []byte) error
	Next(ctx context.Context) ([]byte, error)
	Close()
}

const writeTimeout = 10 * time.Second

// accept upgrades the request. Origins are checked by us, per site or
// same-origin, before this; the library's own check is therefore off.
//
// The person's channel is compressed (permessage-deflate, each message on
// its own so that no per-connection window stays in memory): snapshots are
// large and repetitive and cross the person's network. Agent channels are
// not: the server would compress every frame again for every agent.
func accept(w http.ResponseWriter, r *http.Request, compress bool) (*websocket.Conn, error) {
	mode := websocket.CompressionDisabled
	if compress {
		mode = websocket.CompressionNoContextTakeover
	}
	return websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: mode})
}

// refuse closes a fresh WebSocket with the code the assist gave. Browsers do
// not show a failed handshake's status, so refusals go out as close codes.
func refuse(ws *websocket.Conn, err error) {
	var ce *assist.CloseError
	if errors.As(err, &ce) {
		_ = ws.Close(websocket.StatusCode(ce.Code), ce.Reason)
		return
	}
	_ = ws.Close(websocket.StatusInternalError, "internal error")
}

// pump runs a channel until either side ends it.
func (s *Server) pump(r *http.Request, ws *websocket.Conn, ch channel, kind string, readLimit int64) {
	if s.deps.Observer != nil {
		s.deps.Observer.Channel(kind, 1)
		defer s.deps.Observer.Channel(kind, -1)
	}
	ws.SetReadLimit(readLimit)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer ch.Close()
	// Reads and writes get a context that is never cancelled, so that the
	// WebSocket library does not arm a timer for every frame (garbage that
	// shows as latency under load); instead, the end of ctx and a stuck
	// write close the connection, which ends any read or write under way.
	stop := context.AfterFunc(ctx, func() { _ = ws.CloseNow() })
	defer stop()
	ioCtx := context.WithoutCancel(ctx)

	go func() {
		defer cancel()
		watchdog := time.AfterFunc(writeTimeout, func() { _ = ws.CloseNow() })
		watchdog.Stop()
		for {
			frame, err := ch.Next(ctx)
			if err != nil {
				var ce *assist.CloseError
				if errors.As(err, &ce) {
					_ = ws.Close(websocket.StatusCode(ce.Code), ce.Reason)
				}
				return
			}
			watchdog.Reset(writeTimeout)
			err = ws.Write(ioCtx, websocket.MessageText, frame)
			if !watchdog.Stop() || err != nil {
				return
			}
		}
	}()

	for {
		typ, data, err := s.readFrame(ioCtx, ws)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				s.log.Warn("frame too large", "channel", kind, "path", r.URL.Path)
			}
			return
		}
		if typ != websocket.MessageText {
			_ = ws.Close(assist.CloseBadFrame, "frames are text")
			return
		}
		if err := ch.Handle(ctx, data); err != nil {
			var ce *assist.CloseError
			if errors.As(err, &ce) {
				if ce.Code == assist.CloseBadFrame || ce.Code == assist.CloseForbidden {
					s.log.Warn("channel closed on bad input", "channel", kind, "path", r.URL.Path, "reason", ce.Reason)
				}
				_ = ws.Close(websocket.StatusCode(ce.Code), ce.Reason)
			} else {
				s.log.Error("channel failed", "channel", kind, "err", err)
				_ = ws.Close(websocket.StatusInternalError, "internal error")
			}
			return
		}
	}
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

func (s *Server) handlePersonChannel(w http.ResponseWriter, r *http.Request) {
	ws, err := accept(w, r, true)
	if err != nil {
		return // Accept wrote the HTTP error
	}
	ch, err := s.deps.Assists.ConnectPerson(r.Context(), r.PathValue("id"), r.URL.Query().Get("token"), r.Header.Get("Origin"))
	if err != nil {
		s.log.Info("person channel refused", "assist", r.PathValue("id"), "reason", err)
		refuse(ws, err)
		return
	}
	s.pump(r, ws, ch, "person", s.deps.MaxFrameBytes)
}

func (s *Server) handleAgentChannel(w http.ResponseWriter, r *http.Request) {
	var from uint64
	if f := r.URL.Query().Get("from"); f != "" {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "from must be a sequence number"))
			return
		}
		from = n
	}
	ws, err := accept(w, r, false)
	if err != nil {
		return
	}
	ch, err := s.deps.Assists.ConnectAgent(r.Context(), userOf(r), r.PathValue("id"), from)
	if err != nil {
		refuse(ws, err)
		return
	}
	s.pump(r, ws, ch, "agent", 64<<10)
}

// handleQueueChannel sends every open assist on connect and on each change.
func (s *Server) handleQueueChannel(w http.ResponseWriter, r *http.Request) {
	ws, err := accept(w, r, false)
	if err != nil {
		return
	}
	changed, stop := s.deps.Assists.SubscribeQueue()
	defer stop()
	ctx := ws.CloseRead(r.Context())
	open := store.AssistFilter{States: []tandem.AssistState{tandem.AssistWaiting, tandem.AssistConsenting, tandem.AssistLive}, Limit: 500}
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		list, err := s.deps.Assists.List(ctx, open)
		if err != nil {
			s.log.Error("queue list failed", "err", err)
			_ = ws.Close(websocket.StatusInternalError, "internal error")
			return
		}
		body, err := json.Marshal(s.names(ctx).assists(list))
		if err != nil {
			return
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err = ws.Write(wctx, websocket.MessageText, hub.EncodeFrame(hub.Header{Kind: "queue"}, body))
		cancel()
		if err != nil {
			return
		}
	}
}
