package httpapi

import (
	"net/http"

	"github.com/tandemhq/tandem/internal/passport"
)

// tokenFromAuthkey answers grant_type passport.AuthkeyGrant: a site that
// kept a person's authkey gets a new grant for them without the redirect,
// while their passport session lives (docs/passport.md, "Authkeys").
func (s *Server) tokenFromAuthkey(r *http.Request, c *passport.Client) (*passport.Tokens, error) {
	return s.deps.Passport.FromAuthkey(r.Context(), c, r.PostForm.Get("authkey"))
}

// tokenFromVouch answers grant_type passport.VouchGrant (RFC 7523): a
// site's back end vouches for a person it has authenticated
// (docs/passport.md, "Sites that vouch").
func (s *Server) tokenFromVouch(r *http.Request, c *passport.Client) (*passport.Tokens, error) {
	if r.PostForm.Has("client_assertion") {
		return nil, &passport.Error{Code: "invalid_client", Description: "client assertions are not supported: authenticate with the client secret"}
	}
	return s.deps.Passport.Vouch(r.Context(), c, r.PostForm.Get("assertion"), r.PostForm.Get("scope"))
}
