package httpapi

import (
	"net/http"

	"github.com/tandemhq/tandem/internal/store"
)

// toOwner serves the routes of one live session (its id in the path): on
// the node that owns the session, or passed to it (cluster.Forwarder) when
// another live node does. The checks of the route's access run here first
// and again on the owner, which runs every check as on one node; a request
// another node forwarded is served here, never passed on again. With no
// owner (a single server, or a session no live node holds) it is served
// here as on one node.
func (s *Server) toOwner(kind store.LeaseKind, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.forwarder == nil {
			next(w, r)
			return
		}
		owner, ok := s.forwarder.Owner(r, r.PathValue("id"), kind)
		if !ok {
			next(w, r)
			return
		}
		status := s.forwarder.Forward(w, r, owner)
		if sw := findStatusWriter(w); sw != nil {
			sw.forwarded = true
			if sw.status == 0 && status != 0 {
				sw.status = status // a WebSocket's 101 went out on the hijacked connection
			}
		}
	}
}

// findStatusWriter returns the statusWriter of observe under w, if any.
func findStatusWriter(w http.ResponseWriter) *statusWriter {
	for {
		if sw, ok := w.(*statusWriter); ok {
			return sw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}
