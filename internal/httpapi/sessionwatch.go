package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
)

// A console WebSocket outlives the request that signed it in: without a
// second look, an agent who signs out, whose session expires or whom an
// admin disables would keep the queue, live assists and terminals open
// until they reconnect. watchSession looks again, every
// Deps.SessionRecheck, and ends the channel when the session is gone: a
// socket opened through accept closes with CloseBadToken (the console then
// shows its sign-in form), and the request's context is cancelled for the
// rest (the web terminal).

// defaultSessionRecheck is how often an open console channel's session is
// checked when Deps.SessionRecheck is zero: a store read per channel.
const defaultSessionRecheck = 5 * time.Second

// errSignedOut is the cause of a console channel's end when its session
// is gone.
var errSignedOut = errors.New("the console session ended")

type sessionWatchKey struct{}

// sessionWatch is the console session of one WebSocket request.
type sessionWatch struct {
	mu  sync.Mutex
	ws  *websocket.Conn // the accepted socket, once there is one
	off bool            // the session is gone: a socket accepted now closes at once
}

// adopt records the socket accepted for the request of ctx, closing it at
// once when the session ended meanwhile. It reports whether ws stays open.
func adoptSocket(ctx context.Context, ws *websocket.Conn) bool {
	w, _ := ctx.Value(sessionWatchKey{}).(*sessionWatch)
	if w == nil {
		return true
	}
	w.mu.Lock()
	w.ws = ws
	off := w.off
	w.mu.Unlock()
	if off {
		_ = closeWS(ws, protocol.CloseBadToken, "signed out")
	}
	return !off
}

// end closes the socket, if there is one, with CloseBadToken.
func (w *sessionWatch) end() {
	w.mu.Lock()
	w.off = true
	ws := w.ws
	w.mu.Unlock()
	if ws != nil {
		_ = closeWS(ws, protocol.CloseBadToken, "signed out")
	}
}

// watchSession ends the WebSocket of a signed-in request (see above) when
// its session does; it runs after requireSession.
func (s *Server) watchSession(next http.Handler) http.Handler {
	every := s.deps.SessionRecheck
	if every <= 0 {
		every = defaultSessionRecheck
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancelCause(r.Context())
		defer cancel(nil)
		watch := &sessionWatch{}
		ctx = context.WithValue(ctx, sessionWatchKey{}, watch)
		r = r.WithContext(ctx)
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				// Only a definite "no" ends the channel: a store that
				// cannot answer now is no reason to drop an agent.
				if _, err := s.authenticate(r); tandem.ErrorCode(err) == tandem.EUnauthorized {
					s.log.Info("console channel closed: its session ended", "path", r.URL.Path, "why", err)
					watch.end()
					cancel(errSignedOut)
					return
				}
			}
		}()
		next.ServeHTTP(w, r)
	})
}
