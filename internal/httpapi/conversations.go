package httpapi

import (
	"net/http"
	"strings"

	"github.com/tandemhq/tandem"
)

// conversationRoutes are the conversations of agents and people: /api/v1/conversations… and /api/v1/public/conversations….
func (s *Server) conversationRoutes() []route {
	return nil
}

// caller is who makes a request about conversation conversationID: the
// console user of the session (routes behind requireSession), or the
// person whose bearer token is that conversation's person token. Public
// routes never look at cookies: a page of another site could send them.
func (s *Server) caller(r *http.Request, conversationID string) (tandem.Account, error) {
	if u := userOf(r); u != nil {
		return tandem.Account{Kind: tandem.AccountUser, ID: u.ID}, nil
	}
	token, ok := bearer(r)
	if !ok {
		return tandem.Account{}, tandem.Errorf(tandem.EUnauthorized, "a person token is required (Authorization: Bearer …)")
	}
	if s.deps.Conversations == nil || !s.deps.Conversations.CheckPersonToken(conversationID, token) {
		return tandem.Account{}, tandem.Errorf(tandem.EUnauthorized, "this token is not valid for this conversation")
	}
	return tandem.Account{Kind: tandem.AccountPerson, ID: conversationID}, nil
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}
