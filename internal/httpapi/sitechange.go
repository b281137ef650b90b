package httpapi

import "net/http"

// siteChanged tells the live assists of site id, on every node, that its
// settings were edited: their people's SDKs apply the new masking, network
// bodies and screen mapping at once, not on their next connect. The edit is
// stored already, so a failure here is logged and the request still
// succeeds: the people get the settings when they reconnect.
func (s *Server) siteChanged(r *http.Request, id string) {
	if s.deps.Assists == nil {
		return
	}
	if err := s.deps.Assists.SiteChanged(r.Context(), id); err != nil {
		s.log.Warn("tell live assists of a site edit", "site", id, "err", err)
	}
}
