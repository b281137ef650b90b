package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tandemhq/tandem/internal/passport"
)

// eventsKeepAlive is how often an idle events stream gets a comment line,
// so that proxies keep it open, and its token is checked again.
const eventsKeepAlive = 25 * time.Second

// passportEvents serves GET /passport/events: the live news of the sign-in
// an access token belongs to, as text/event-stream, for the SDK.
//
//	event: refresh   the passport's monitor asks for a refresh now
//	event: ended     the sign-in is over (data: the GrantEvent, with its reason)
//
// The token comes in the Authorization header (never the URL, which logs
// keep). The stream ends when the token stops being valid: the sign-in
// ended, the token expired, or a refresh replaced it (seen at the next
// keep-alive); the client then reconnects with its current token.
type passportEvents struct {
	svc       grantFollower
	stopping  context.Context
	keepAlive time.Duration
	fail      func(w http.ResponseWriter, r *http.Request, err error) // an OAuth server_error, logged
}

// grantFollower is what the events stream needs of the passport.
type grantFollower interface {
	Verify(ctx context.Context, token string) (*passport.Verification, error)
	Follow(ctx context.Context, grantID string) (<-chan passport.GrantEvent, error)
}

// handlePassportEvents serves GET /passport/events.
func (s *Server) handlePassportEvents(w http.ResponseWriter, r *http.Request) {
	p := passportEvents{svc: s.deps.Passport, stopping: s.deps.Stopping, keepAlive: eventsKeepAlive, fail: s.oauthError}
	p.ServeHTTP(w, r)
}

func (p *passportEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	passportCORS(w, r)
	tok, ok := bearerToken(w, r)
	if !ok {
		return
	}
	v, err := p.svc.Verify(r.Context(), tok)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if !v.Active {
		bearerError(w, v.Reason)
		return
	}
	ctx, cancel := context.WithDeadline(r.Context(), v.ExpiresAt)
	defer cancel()
	stop := context.AfterFunc(p.stopping, cancel)
	defer stop()
	events, err := p.svc.Follow(ctx, v.GrantID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": following the sign-in\n\n"); err != nil {
		return
	}
	// A refresh the monitor asked for before this stream began: the grant
	// still says so until the client refreshes.
	if v.RefreshAhead && !writeGrantEvent(w, passport.GrantEvent{Type: "refresh", GrantID: v.GrantID}) {
		return
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(p.keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return // the token expired, the client left, or the server stops
		case e, ok := <-events:
			if !ok {
				return
			}
			if !writeGrantEvent(w, e) || rc.Flush() != nil {
				return
			}
			if e.Type == "ended" {
				return
			}
		case <-tick.C:
			if v, err := p.svc.Verify(ctx, tok); err == nil && !v.Active {
				return // refreshed away (or ended without news reaching here)
			}
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

// writeGrantEvent writes one event of the stream; false when the client is gone.
func writeGrantEvent(w http.ResponseWriter, e passport.GrantEvent) bool {
	data, err := json.Marshal(e)
	if err != nil {
		return false
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, data)
	return err == nil
}
