package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/store"
)

// assistJSON is an assist as the API shows it (docs/protocol.md).
type assistJSON struct {
	ID        string             `json:"id"`
	SiteID    string             `json:"siteId"`
	SiteName  string             `json:"siteName,omitempty"`
	State     tandem.AssistState `json:"state"`
	PersonID  string             `json:"personId"`
	PageID    string             `json:"pageId"`
	PageURL   string             `json:"pageUrl"`
	UserAgent string             `json:"userAgent"`
	Viewport  tandem.Viewport    `json:"viewport"`
	AgentID   string             `json:"agentId,omitempty"`
	AgentName string             `json:"agentName,omitempty"`
	CreatedAt time.Time          `json:"createdAt"`
	StartedAt *time.Time         `json:"startedAt,omitempty"`
	EndedAt   *time.Time         `json:"endedAt,omitempty"`
	EndReason string             `json:"endReason,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// names looks up site and agent names for assists, once per id.
type names struct {
	s     *Server
	ctx   context.Context
	sites map[string]string
	users map[string]string
}

func (s *Server) names(ctx context.Context) *names {
	n := &names{s: s, ctx: ctx, sites: map[string]string{}, users: map[string]string{}}
	if sites, err := s.deps.Sites.ListSites(ctx); err == nil {
		for _, site := range sites {
			n.sites[site.ID] = site.Name
		}
	}
	return n
}

func (n *names) user(id string) string {
	if id == "" {
		return ""
	}
	if name, ok := n.users[id]; ok {
		return name
	}
	name := ""
	if u, err := n.s.deps.Sessions.Users.UserByID(n.ctx, id); err == nil {
		name = u.Name
	}
	n.users[id] = name
	return name
}

func (n *names) assist(a *tandem.Assist) assistJSON {
	return assistJSON{
		ID: a.ID, SiteID: a.SiteID, SiteName: n.sites[a.SiteID], State: a.State, PersonID: a.PersonID,
		PageID: a.PageID, PageURL: a.PageURL, UserAgent: a.UserAgent, Viewport: a.Viewport,
		AgentID: a.AgentID, AgentName: n.user(a.AgentID), CreatedAt: a.CreatedAt,
		StartedAt: timePtr(a.StartedAt), EndedAt: timePtr(a.EndedAt), EndReason: a.EndReason,
	}
}

func (n *names) assists(list []*tandem.Assist) []assistJSON {
	out := make([]assistJSON, 0, len(list))
	for _, a := range list {
		out = append(out, n.assist(a))
	}
	return out
}

var validStates = map[string]bool{"waiting": true, "consenting": true, "live": true, "ended": true}

func (s *Server) handleListAssists(w http.ResponseWriter, r *http.Request) {
	f := store.AssistFilter{SiteID: r.URL.Query().Get("site")}
	for _, st := range r.URL.Query()["state"] {
		if !validStates[st] {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "unknown state %q (want waiting, consenting, live or ended)", st))
			return
		}
		f.States = append(f.States, tandem.AssistState(st))
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit must be 1 to 1000"))
			return
		}
		f.Limit = n
	}
	list, err := s.deps.Assists.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"assists": s.names(r.Context()).assists(list)})
}

func (s *Server) handleGetAssist(w http.ResponseWriter, r *http.Request) {
	d, err := s.deps.Assists.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type consentJSON struct {
		AgentID  string    `json:"agentId"`
		PersonID string    `json:"personId"`
		PageURL  string    `json:"pageUrl"`
		Method   string    `json:"method"`
		Allowed  bool      `json:"allowed"`
		Text     string    `json:"text"`
		At       time.Time `json:"at"`
	}
	type pageJSON struct {
		PageID string    `json:"pageId"`
		URL    string    `json:"url"`
		Title  string    `json:"title"`
		Hash   string    `json:"hash"`
		At     time.Time `json:"at"`
	}
	type auditJSON struct {
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		Detail string    `json:"detail,omitempty"`
		At     time.Time `json:"at"`
	}
	out := struct {
		Assist   assistJSON    `json:"assist"`
		Consents []consentJSON `json:"consents"`
		Pages    []pageJSON    `json:"pages"`
		Audit    []auditJSON   `json:"audit"`
	}{Assist: s.names(r.Context()).assist(d.Assist), Consents: []consentJSON{}, Pages: []pageJSON{}, Audit: []auditJSON{}}
	for _, c := range d.Consents {
		out.Consents = append(out.Consents, consentJSON{c.AgentID, c.PersonID, c.PageURL, c.Method, c.Allowed, c.Text, c.At})
	}
	for _, p := range d.Pages {
		out.Pages = append(out.Pages, pageJSON{p.PageID, p.URL, p.Title, p.Hash, p.At})
	}
	for _, e := range d.Audit {
		out.Audit = append(out.Audit, auditJSON{e.Actor, e.Action, e.Detail, e.At})
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (s *Server) handleAccept(w http.ResponseWriter, r *http.Request) {
	a, err := s.deps.Assists.Accept(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"assist": s.names(r.Context()).assist(a)})
}

func (s *Server) handleEnd(w http.ResponseWriter, r *http.Request) {
	a, err := s.deps.Assists.End(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"assist": s.names(r.Context()).assist(a)})
}

func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request) {
	a, frames, err := s.deps.Assists.Recording(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := httpjson.Write(w, http.StatusOK, map[string]any{"assist": s.names(r.Context()).assist(a), "frames": frames}); err != nil {
		// Answered 500: a recording that cannot be encoded is a bug.
		s.log.Error("recording answer failed", "assist", a.ID, "err", err)
	}
}

func (s *Server) handleCreateInvite(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SiteID     string `json:"siteId"`
		URL        string `json:"url"`
		TTLSeconds int    `json:"ttlSeconds"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.SiteID == "" {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "siteId is required"))
		return
	}
	if body.TTLSeconds < 0 {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "ttlSeconds must be positive"))
		return
	}
	inv, err := s.deps.Assists.CreateInvite(r.Context(), userOf(r), body.SiteID, body.URL, time.Duration(body.TTLSeconds)*time.Second)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, inv)
}

func (s *Server) handleListSites(w http.ResponseWriter, r *http.Request) {
	sites, err := s.deps.Sites.ListSites(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type siteJSON struct {
		ID             string   `json:"id"`
		Name           string   `json:"name"`
		Key            string   `json:"key"`
		AllowedOrigins []string `json:"allowedOrigins"`
		StrictMasking  bool     `json:"strictMasking"`
		CaptureBodies  bool     `json:"captureBodies"`
	}
	out := []siteJSON{}
	for _, st := range sites {
		out = append(out, siteJSON{st.ID, st.Name, st.Key, st.AllowedOrigins, st.StrictMasking, st.CaptureBodies})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"sites": out})
}
