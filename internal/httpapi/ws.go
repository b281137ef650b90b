package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/netx"
)

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
	ws, err := websocket.Accept(smallBuffers{w}, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: mode})
	if err != nil {
		return nil, err
	}
	_ = netx.ClearDeadlines(w) // a channel outlives the server's request timeouts
	if !adoptSocket(r.Context(), ws) {
		return nil, errSignedOut
	}
	return ws, nil
}

// refuse closes a fresh WebSocket with the code the assist gave. Browsers do
// not show a failed handshake's status, so refusals go out as close codes.
func refuse(ws *websocket.Conn, err error) {
	var ce *assist.CloseError
	if errors.As(err, &ce) {
		_ = closeWS(ws, ce.Code, ce.Reason)
		return
	}
	_ = closeWS(ws, int(websocket.StatusInternalError), "internal error")
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
	s.run(ws, ch, func() { s.pump(r.URL.Path, ws, ch, "person", s.deps.MaxFrameBytes) })
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
	s.run(ws, ch, func() { s.pump(r.URL.Path, ws, ch, "agent", 64<<10) })
}

// handleQueueChannel sends the open assists (queueView, up to ?limit= of
// each state) on connect and on each change.
func (s *Server) handleQueueChannel(w http.ResponseWriter, r *http.Request) {
	limit, err := queueLimit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ws, err := accept(w, r, false)
	if err != nil {
		return
	}
	changed, stop := s.deps.Assists.SubscribeQueue()
	defer stop()
	ctx := ws.CloseRead(r.Context())
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		view, err := s.queue(ctx, limit)
		if err != nil {
			s.log.Error("queue list failed", "err", err)
			_ = closeWS(ws, int(websocket.StatusInternalError), "internal error")
			return
		}
		body, err := json.Marshal(view)
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
