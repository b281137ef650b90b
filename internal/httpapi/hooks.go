package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/slackhook"
)

// HookReceiver posts what tools send a bot's incoming webhook
// (slackhook.Receiver). Its errors are *slackhook.Error.
type HookReceiver interface {
	Receive(ctx context.Context, token string, m *botapi.Message) (*tandem.Message, error)
}

// hookRoutes are the incoming webhooks bots and other tools post to (/hooks/{token}).
// They are outside /api/ and its cross-origin rules: monitoring and CI
// tools post from anywhere, and the token in the path is the credential.
func (s *Server) hookRoutes() []route {
	return []route{
		{"POST", "/hooks/{token}", s.handleHook, public},
	}
}

// handleHook answers as Slack's incoming webhooks do: 200 text/html "ok",
// or an error string such as "no_text" with a 4xx status, which tools
// written for Slack understand.
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) {
	if s.deps.Hooks == nil {
		writeSlack(w, slackhook.ErrNoService)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, slackhook.MaxBody)
	m, err := slackhook.Parse(r)
	if err == nil {
		_, err = s.deps.Hooks.Receive(r.Context(), r.PathValue("token"), &m)
	}
	if err != nil {
		var e *slackhook.Error
		if !errors.As(err, &e) {
			s.log.Error("incoming webhook", "err", err)
			e = slackhook.ErrInternal
		}
		writeSlack(w, e)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "ok")
}

// writeSlack writes e as Slack does: its code as the whole body (plain
// text), with the detail in a header for people reading responses.
func writeSlack(w http.ResponseWriter, e *slackhook.Error) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if e.Detail != "" {
		h.Set("X-Tandem-Error", e.Detail)
	}
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	w.WriteHeader(e.Status)
	io.WriteString(w, e.Code)
}
