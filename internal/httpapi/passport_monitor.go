package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/store"
)

// passportMonitorRoutes are the console's monitor of the passport's live
// sign-ins (grants): who is signed in where, and the means to make a
// client refresh early or to end a sign-in. Admins only.
func (s *Server) passportMonitorRoutes() []route {
	routes := []route{
		{"GET", "/api/v1/passport/grants", s.handleListGrants, signedIn},
		{"POST", "/api/v1/passport/grants/{id}/refresh", s.handleRefreshGrant, signedIn},
		{"POST", "/api/v1/passport/grants/{id}/revoke", s.handleRevokeGrant, signedIn},
	}
	for i := range routes {
		routes[i].handler = s.needPassport(adminOnly(routes[i].handler))
	}
	return routes
}

// adminOnly refuses agents who are not admins: the monitor shows every
// person's sign-ins and can end them.
func adminOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if u := userOf(r); u == nil || u.Role != tandem.RoleAdmin {
			httpjson.WriteError(w, tandem.Errorf(tandem.EForbidden, "the sign-ins monitor is for admins"))
			return
		}
		next(w, r)
	}
}

// grantEntry is a live grant as the monitor lists it. Token hashes never
// leave the server.
type grantEntry struct {
	ID              string        `json:"id"`
	Identity        grantIdentity `json:"identity"`
	Site            grantSite     `json:"site"`
	Device          grantDevice   `json:"device"`
	Scope           string        `json:"scope"`
	CreatedAt       time.Time     `json:"createdAt"`
	RotatedAt       time.Time     `json:"rotatedAt"`
	AccessExpiresAt time.Time     `json:"accessExpiresAt"`
	ExpiresAt       time.Time     `json:"expiresAt"`
	RefreshAhead    bool          `json:"refreshAhead"`
}

type grantIdentity struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

type grantSite struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

type grantDevice struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

func grantJSON(m passport.MonitoredGrant) grantEntry {
	g := m.Grant
	e := grantEntry{
		ID: g.ID, Identity: grantIdentity{ID: g.IdentityID}, Site: grantSite{ID: g.SiteID},
		Device: grantDevice{ID: g.DeviceID, Kind: string(g.DeviceKind)}, Scope: g.Scope,
		CreatedAt: g.CreatedAt.UTC(), RotatedAt: g.RotatedAt.UTC(), AccessExpiresAt: g.AccessExpiresAt.UTC(),
		ExpiresAt: g.ExpiresAt.UTC(), RefreshAhead: g.RefreshAhead,
	}
	if m.Identity != nil {
		e.Identity.Email, e.Identity.Name = m.Identity.Email, m.Identity.Name
	}
	if m.Site != nil {
		e.Site.Key, e.Site.Name = m.Site.Key, m.Site.Name
	}
	return e
}

// handleListGrants lists live grants, newest first: site= (a site id),
// identity= (an identity id, or a person's email), cursor= (the next of
// the previous page), limit= (1 to 200, 50).
func (s *Server) handleListGrants(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.GrantFilter{SiteID: q.Get("site"), IdentityID: strings.TrimSpace(q.Get("identity")), After: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxGrantLimit {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxGrantLimit))
			return
		}
		f.Limit = n
	}
	if strings.Contains(f.IdentityID, "@") {
		id, err := s.deps.Passport.IdentityIDByEmail(r.Context(), f.IdentityID)
		if tandem.ErrorCode(err) == tandem.ENotFound {
			httpjson.Write(w, http.StatusOK, map[string]any{"grants": []grantEntry{}})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.IdentityID = id
	}
	list, err := s.deps.Passport.LiveGrants(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{}
	entries := make([]grantEntry, 0, len(list))
	for _, m := range list {
		entries = append(entries, grantJSON(m))
	}
	out["grants"] = entries
	if len(list) > 0 && len(list) == store.Limit(f.Limit) {
		out["next"] = list[len(list)-1].Grant.ID
	}
	httpjson.Write(w, http.StatusOK, out)
}

// handleRefreshGrant asks the grant's client to refresh ahead of expiry.
func (s *Server) handleRefreshGrant(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Passport.RequestRefresh(r.Context(), r.PathValue("id"), "user:"+userOf(r).ID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleRevokeGrant ends the grant: every token of it dies, and its client
// is told (signed out).
func (s *Server) handleRevokeGrant(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Passport.RevokeGrant(r.Context(), r.PathValue("id"), "user:"+userOf(r).ID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
