package httpapi

// nodeRoutes are the routes that only the nodes of one installation use,
// to pass each other the clients of sessions they do not run. They are no
// part of the API: not under /api/, not in the OpenAPI document. Each
// handler checks that a node signed the request (cluster.Auth).
func (s *Server) nodeRoutes() []route {
	return []route{
		// sshrelay.PeerJoinPath: a helper's SSH connection, passed to the
		// node that runs their terminal session.
		{"GET", "/cluster/v1/terminals/{id}/join", s.handlePeerJoin, public},
	}
}
