package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/admin"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/retention"
	"github.com/tandemhq/tandem/internal/store"
)

// adminSiteJSON is a site with every setting an admin changes.
type adminSiteJSON struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Key              string    `json:"key"`
	AllowedOrigins   []string  `json:"allowedOrigins"`
	StrictMasking    bool      `json:"strictMasking"`
	CaptureBodies    bool      `json:"captureBodies"`
	ConsentEachAgent bool      `json:"consentEachAgent"`
	Retention        string    `json:"retention"`
	AutoVideo        bool      `json:"autoVideo"`
	CreatedAt        time.Time `json:"createdAt"`
}

func adminSiteOut(s *tandem.Site) adminSiteJSON {
	return adminSiteJSON{ID: s.ID, Name: s.Name, Key: s.Key, AllowedOrigins: append([]string{}, s.AllowedOrigins...),
		StrictMasking: s.StrictMasking, CaptureBodies: s.CaptureBodies, ConsentEachAgent: s.ConsentEachAgent,
		Retention: retention.Format(s.RecordingRetention), AutoVideo: s.AutoVideo, CreatedAt: s.CreatedAt.UTC()}
}

// siteSettingsJSON is a request's settings; absent fields stay.
type siteSettingsJSON struct {
	Name             *string   `json:"name"`
	AllowedOrigins   *[]string `json:"allowedOrigins"`
	StrictMasking    *bool     `json:"strictMasking"`
	CaptureBodies    *bool     `json:"captureBodies"`
	ConsentEachAgent *bool     `json:"consentEachAgent"`
	Retention        *string   `json:"retention"`
	AutoVideo        *bool     `json:"autoVideo"`
}

func (j siteSettingsJSON) settings() admin.SiteSettings {
	return admin.SiteSettings{Name: j.Name, Origins: j.AllowedOrigins, StrictMasking: j.StrictMasking,
		CaptureBodies: j.CaptureBodies, ConsentEachAgent: j.ConsentEachAgent, Retention: j.Retention, AutoVideo: j.AutoVideo}
}

func (s *Server) handleAdminSites(w http.ResponseWriter, r *http.Request) {
	sites, err := s.deps.Admin.Sites(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]adminSiteJSON, 0, len(sites))
	for _, site := range sites {
		out = append(out, adminSiteOut(site))
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"sites": out})
}

func (s *Server) handleAdminCreateSite(w http.ResponseWriter, r *http.Request) {
	var req siteSettingsJSON
	if err := httpjson.Read(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	site, err := s.deps.Admin.CreateSite(r.Context(), userOf(r), req.settings())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{"site": adminSiteOut(site)})
}

func (s *Server) handleAdminUpdateSite(w http.ResponseWriter, r *http.Request) {
	var req siteSettingsJSON
	if err := httpjson.Read(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	site, err := s.deps.Admin.UpdateSite(r.Context(), userOf(r), r.PathValue("id"), req.settings())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.siteChanged(r, site.ID)
	httpjson.Write(w, http.StatusOK, map[string]any{"site": adminSiteOut(site)})
}

type auditJSON struct {
	ID        int64     `json:"id"`
	SessionID string    `json:"sessionId"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Detail    string    `json:"detail"`
	At        time.Time `json:"at"`
}

// handleAdminAudit lists the audit log newest first; "next" is the before
// of the following page, absent on the last.
func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), SessionID: q.Get("session"), Limit: 50}
	for _, p := range []struct {
		name string
		to   *int64
	}{{"before", &f.Before}, {"limit", nil}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "%s must be a positive whole number", p.name))
			return
		}
		if p.to != nil {
			*p.to = n
		} else if n > store.MaxAuditLimit {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxAuditLimit))
			return
		} else {
			f.Limit = int(n)
		}
	}
	es, err := s.deps.Admin.Audit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]auditJSON, 0, len(es))
	for _, e := range es {
		out = append(out, auditJSON{ID: e.ID, SessionID: e.SessionID, Actor: e.Actor, Action: e.Action, Detail: e.Detail, At: e.At.UTC()})
	}
	resp := map[string]any{"entries": out}
	if len(es) == f.Limit {
		resp["next"] = es[len(es)-1].ID
	}
	httpjson.Write(w, http.StatusOK, resp)
}
