package httpapi

import (
	"net/http"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/admin"
	"github.com/tandemhq/tandem/internal/httpjson"
)

// adminRoutes are the console's administration: agents, sites and the
// audit log, for admins only (adminOnly), and the redemption of an
// agent's invite, which the invited agent does before they have a session.
func (s *Server) adminRoutes() []route {
	return []route{
		{"GET", "/api/v1/admin/agents", s.adminOnly(s.handleAdminAgents), signedIn},
		{"POST", "/api/v1/admin/agents", s.adminOnly(s.handleAdminInvite), signedIn},
		{"PATCH", "/api/v1/admin/agents/{id}", s.adminOnly(s.handleAdminUpdateAgent), signedIn},
		{"POST", "/api/v1/admin/agents/{id}/keys", s.adminOnly(s.handleAdminAddKey), signedIn},
		{"DELETE", "/api/v1/admin/agents/{id}/keys", s.adminOnly(s.handleAdminRemoveKey), signedIn},
		{"GET", "/api/v1/admin/sites", s.adminOnly(s.handleAdminSites), signedIn},
		{"POST", "/api/v1/admin/sites", s.adminOnly(s.handleAdminCreateSite), signedIn},
		{"PATCH", "/api/v1/admin/sites/{id}", s.adminOnly(s.handleAdminUpdateSite), signedIn},
		{"GET", "/api/v1/admin/audit", s.adminOnly(s.handleAdminAudit), signedIn},
		// signIn: no session yet, but a cross-origin post is refused.
		{"POST", "/api/v1/agent-invites/redeem", s.handleRedeemAgentInvite, signIn},
	}
}

// adminOnly answers 503 where administration is not served and 403 to a
// signed-in user who is not an admin.
func (s *Server) adminOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Admin == nil {
			s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "administration is not served here"))
			return
		}
		if err := admin.RequireAdmin(userOf(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		next(w, r)
	}
}

type keyJSON struct {
	Type        string `json:"type"`
	Fingerprint string `json:"fingerprint"`
	Comment     string `json:"comment"`
}

type agentJSON struct {
	ID         string     `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Disabled   bool       `json:"disabled"`
	DisabledAt *time.Time `json:"disabledAt,omitempty"`
	Invited    bool       `json:"invited"`
	CreatedAt  time.Time  `json:"createdAt"`
	Keys       []keyJSON  `json:"keys"`
}

func keyOut(k admin.Key) keyJSON {
	return keyJSON{Type: k.Type, Fingerprint: k.Fingerprint, Comment: k.Comment}
}

func agentOut(a admin.Agent) agentJSON {
	u := a.User
	out := agentJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Invited: a.Invited,
		CreatedAt: u.CreatedAt.UTC(), Keys: []keyJSON{}}
	if !u.DisabledAt.IsZero() {
		at := u.DisabledAt.UTC()
		out.Disabled, out.DisabledAt = true, &at
	}
	for _, k := range a.Keys {
		out.Keys = append(out.Keys, keyOut(k))
	}
	return out
}

func (s *Server) handleAdminAgents(w http.ResponseWriter, r *http.Request) {
	agents, err := s.deps.Admin.Agents(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]agentJSON, 0, len(agents))
	for _, a := range agents {
		out = append(out, agentOut(a))
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"agents": out})
}

func (s *Server) handleAdminInvite(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	}
	if err := httpjson.Read(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	inv, err := s.deps.Admin.Invite(r.Context(), userOf(r), req.Email, req.Name, tandem.Role(req.Role))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The token is shown once, in a console address the admin passes on;
	// it is in the fragment, so that no server log or referrer carries it.
	httpjson.Write(w, http.StatusCreated, map[string]any{
		"agent": agentOut(inv.Agent), "token": inv.Token, "path": "/console/#invite=" + inv.Token,
	})
}

func (s *Server) handleAdminUpdateAgent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Role     *string `json:"role"`
		Disabled *bool   `json:"disabled"`
	}
	if err := httpjson.Read(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	c := admin.Change{Disabled: req.Disabled}
	if req.Role != nil {
		role := tandem.Role(*req.Role)
		c.Role = &role
	}
	a, err := s.deps.Admin.UpdateAgent(r.Context(), userOf(r), r.PathValue("id"), c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"agent": agentOut(a)})
}

func (s *Server) handleAdminAddKey(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key string `json:"key"`
	}
	if err := httpjson.Read(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	k, err := s.deps.Admin.AddKey(r.Context(), userOf(r), r.PathValue("id"), req.Key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{"key": keyOut(k)})
}

// handleAdminRemoveKey takes the fingerprint as a query parameter: a
// SHA256 fingerprint holds "/" and "+", which a path segment would mangle.
func (s *Server) handleAdminRemoveKey(w http.ResponseWriter, r *http.Request) {
	fp := r.URL.Query().Get("fingerprint")
	if fp == "" {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "fingerprint is required, e.g. SHA256:…"))
		return
	}
	if err := s.deps.Admin.RemoveKey(r.Context(), userOf(r), r.PathValue("id"), fp); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleRedeemAgentInvite sets an invited agent's password and signs them
// in. Limited per client address like the people's invites: a token is
// long and random, but guessing must stay slow.
func (s *Server) handleRedeemAgentInvite(w http.ResponseWriter, r *http.Request) {
	if s.deps.Admin == nil {
		s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "administration is not served here"))
		return
	}
	if !s.redeemLimit.Allow("agent-invite:" + clientIP(r)) {
		s.fail(w, r, tandem.Errorf(tandem.ERateLimited, "too many attempts; wait a minute"))
		return
	}
	var req struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := httpjson.Read(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.deps.Admin.Redeem(r.Context(), req.Token, req.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"user": userJSON(u)})
}
