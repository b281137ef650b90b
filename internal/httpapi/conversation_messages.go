package httpapi

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/store"
)

func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	var f store.MessageFilter
	for _, p := range []struct {
		name string
		into *int64
	}{{"before", &f.Before}, {"after", &f.After}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				s.fail(w, r, tandem.Errorf(tandem.EInvalid, "%s must be a sequence number", p.name))
				return
			}
			*p.into = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxMessageLimit))
			return
		}
		f.Limit = n
	}
	cs := s.deps.Conversations
	list, more, err := cs.History(r.Context(), a, r.PathValue("id"), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"messages": cs.Render(r.Context(), list, false), "more": more})
}

func (s *Server) handlePost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	var body struct {
		Text        string   `json:"text"`
		ClientID    string   `json:"clientId"`
		Attachments []string `json:"attachments"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(body.Attachments) > conversation.MaxAttachments {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "a message has at most %d attachments", conversation.MaxAttachments))
		return
	}
	cs := s.deps.Conversations
	m, created, err := cs.Post(r.Context(), a, r.PathValue("id"), body.Text, body.ClientID, body.Attachments)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // the same clientId again: the message stored the first time
	}
	httpjson.Write(w, status, cs.Render(r.Context(), []*tandem.Message{m}, false)[0])
}

func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	var body struct {
		Seq int64 `json:"seq"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deps.Conversations.MarkRead(r.Context(), a, r.PathValue("id"), body.Seq); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTyping(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	if err := s.deps.Conversations.Typing(r.Context(), a, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	if r.ContentLength > conversation.MaxAttachmentBytes {
		s.fail(w, r, tandem.Errorf(tandem.ETooLarge, "a file is at most %d MiB", conversation.MaxAttachmentBytes>>20))
		return
	}
	body := http.MaxBytesReader(w, r.Body, conversation.MaxAttachmentBytes+1)
	att, err := s.deps.Conversations.Upload(r.Context(), a, r.PathValue("id"), r.URL.Query().Get("name"), r.Header.Get("Content-Type"), body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{
		"id": att.ID, "name": att.Name, "contentType": att.ContentType, "size": att.Size,
		"width": att.Width, "height": att.Height,
	})
}

// handleAttachment serves an attachment's bytes: inline only for the
// image types browsers show without running anything, as a download
// otherwise, never sniffed, and sandboxed should a browser render it
// anyway. A person may give the token as ?token= (a download link).
func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request) {
	var a tandem.Account
	if token := r.URL.Query().Get("token"); token != "" && userOf(r) == nil {
		allowConversationCORS(w, r)
		var err error
		if a, err = s.person(r, r.PathValue("id"), token); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		var ok bool
		if a, ok = s.conversationCaller(w, r); !ok {
			return
		}
	}
	att, rc, err := s.deps.Conversations.Open(r.Context(), a, r.PathValue("id"), r.PathValue("attachmentId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	disposition := "attachment"
	if conversation.Inline(att.ContentType) {
		disposition = "inline"
	}
	h.Set("Content-Type", att.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": att.Name}))
	h.Set("Content-Length", strconv.FormatInt(att.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, max-age=86400")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
}

// handleConversationsChannel sends an agent the live events of their
// conversations and of the queue (conversation.Event, one JSON text frame
// each).
func (s *Server) handleConversationsChannel(w http.ResponseWriter, r *http.Request) {
	// Subscribed before the handshake completes: whatever is posted once
	// the client's dial has returned reaches it.
	sub, stop := s.deps.Conversations.Subscribe(userAccount(r))
	defer stop()
	ws, err := accept(w, r, false)
	if err != nil {
		return
	}
	s.conversationEvents(r.Context(), ws, sub)
}

// handlePersonConversationChannel sends a person the live events of their
// support conversation; the token is in the query (browsers send no
// headers with WebSockets) and the page's origin must be the site's.
func (s *Server) handlePersonConversationChannel(w http.ResponseWriter, r *http.Request) {
	// Subscribed before the handshake completes (as the agents' channel),
	// once the person is known.
	a, authErr := s.person(r, r.PathValue("id"), r.URL.Query().Get("token"))
	var sub *conversation.Subscriber
	if authErr == nil {
		var stop func()
		sub, stop = s.deps.Conversations.Subscribe(a)
		defer stop()
	}
	ws, err := accept(w, r, true)
	if err != nil {
		return // Accept wrote the HTTP error
	}
	// Browsers do not show a failed handshake's status: refusals go out
	// as close codes, as on the assist channels.
	if authErr != nil {
		code := protocol.CloseBadToken
		if tandem.ErrorCode(authErr) == tandem.ENotAllowed {
			code = protocol.CloseForbidden
		}
		_ = closeWS(ws, code, tandem.ErrorMessage(authErr))
		return
	}
	s.conversationEvents(r.Context(), ws, sub)
}

// conversationEvents sends sub's events on ws until either ends.
func (s *Server) conversationEvents(ctx context.Context, ws *websocket.Conn, sub *conversation.Subscriber) {
	ctx = ws.CloseRead(ctx)
	for {
		select {
		case <-ctx.Done():
			_ = closeWS(ws, int(websocket.StatusGoingAway), "closing")
			return
		case data, ok := <-sub.C():
			if !ok {
				if sub.Lost() {
					_ = closeWS(ws, protocol.CloseSlow, "too many events; fetch again")
				} else {
					_ = closeWS(ws, int(websocket.StatusGoingAway), "server shutting down")
				}
				return
			}
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := ws.Write(wctx, websocket.MessageText, data)
			cancel()
			if err != nil {
				return
			}
		}
	}
}
