package httpapi

import (
	"net/http"

	"github.com/tandemhq/tandem"
)

// Terminals is terminal assistance's part of the console API (package
// sshrelay serves it). Its routes are in apiRoutes, so that they are signed
// in, counted and recovered like every other route; u is the signed-in
// agent.
type Terminals interface {
	ServeList(w http.ResponseWriter, r *http.Request, u *tandem.User)
	ServeTerminal(w http.ResponseWriter, r *http.Request, u *tandem.User)
	ServeRecording(w http.ResponseWriter, r *http.Request, u *tandem.User)
	ServeWebTerminal(w http.ResponseWriter, r *http.Request, u *tandem.User)
	// ServePeerJoin takes a helper that another node passes to the node
	// that runs their session (see nodeRoutes); it checks the node's
	// signature itself.
	ServePeerJoin(w http.ResponseWriter, r *http.Request)
}

// terminalRoute adapts one Terminals method to a route's handler; with
// terminal assistance off, every terminal route answers 404.
func (s *Server) terminalRoute(serve func(Terminals, http.ResponseWriter, *http.Request, *tandem.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Terminals == nil {
			s.fail(w, r, tandem.Errorf(tandem.ENotFound, "terminal assistance is off on this server"))
			return
		}
		serve(s.deps.Terminals, w, r, userOf(r))
	}
}

// handlePeerJoin is the node-to-node route of terminal assistance.
func (s *Server) handlePeerJoin(w http.ResponseWriter, r *http.Request) {
	if s.deps.Terminals == nil {
		s.fail(w, r, tandem.Errorf(tandem.ENotFound, "terminal assistance is off on this server"))
		return
	}
	s.deps.Terminals.ServePeerJoin(w, r)
}
