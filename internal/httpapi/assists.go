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
	// RecordingDeletedAt is when the site's retention deleted the
	// recording; absent while it is kept.
	RecordingDeletedAt *time.Time `json:"recordingDeletedAt,omitempty"`
	// ConversationID is the assist's support conversation, if it has one.
	ConversationID string `json:"conversationId,omitempty"`
	// Verified is the person's passport identity when their help request
	// carried an active passport token of the site; absent otherwise.
	Verified *verifiedJSON `json:"verified,omitempty"`
}

// verifiedJSON is who the passport says an assist's person is.
type verifiedJSON struct {
	IdentityID string `json:"identityId"`
	Email      string `json:"email"`
	Name       string `json:"name,omitempty"`
}

func verifiedOf(v tandem.VerifiedPerson) *verifiedJSON {
	if v.IsZero() {
		return nil
	}
	return &verifiedJSON{IdentityID: v.IdentityID, Email: v.Email, Name: v.Name}
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
	// convs holds the conversations of the assists a listing prefetched
	// (assists maps them in one call); an assist not in it is looked up.
	convs map[string]string
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
		RecordingDeletedAt: timePtr(a.RecordingDeletedAt), ConversationID: n.conversation(a.ID),
		Verified: verifiedOf(a.Verified),
	}
}

// conversation is the id of an assist's support conversation, or "".
func (n *names) conversation(assistID string) string {
	cs := n.s.deps.Conversations
	if cs == nil {
		return ""
	}
	if n.convs != nil {
		return n.convs[assistID]
	}
	c, err := cs.ForAssist(n.ctx, assistID)
	if err != nil {
		return ""
	}
	return c.ID
}

func (n *names) assists(list []*tandem.Assist) []assistJSON {
	if cs := n.s.deps.Conversations; cs != nil && len(list) > 0 {
		ids := make([]string, len(list))
		for i, a := range list {
			ids[i] = a.ID
		}
		if convs, err := cs.ForAssists(n.ctx, ids); err == nil {
			n.convs = convs
		}
	}
	out := make([]assistJSON, 0, len(list))
	for _, a := range list {
		out = append(out, n.assist(a))
	}
	return out
}

var validStates = map[string]bool{"waiting": true, "consenting": true, "live": true, "ended": true}

// handleListAssists lists assists a page at a time: newest first (or oldest
// first with order=oldest), and "next", when there may be more, is the
// cursor that continues after this page (after=).
func (s *Server) handleListAssists(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AssistFilter{SiteID: q.Get("site"), After: q.Get("after")}
	for _, st := range q["state"] {
		if !validStates[st] {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "unknown state %q (want waiting, consenting, live or ended)", st))
			return
		}
		f.States = append(f.States, tandem.AssistState(st))
	}
	switch q.Get("order") {
	case "", "newest":
	case "oldest":
		f.Oldest = true
	default:
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "order must be newest or oldest"))
		return
	}
	limit := store.DefaultAssistLimit
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxAssistLimit {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxAssistLimit))
			return
		}
		limit = n
	}
	// One more than the page tells whether there is a next page.
	f.Limit = min(limit+1, store.MaxAssistLimit)
	list, err := s.deps.Assists.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{}
	if len(list) > limit || len(list) == store.MaxAssistLimit {
		list = list[:limit]
		out["next"] = store.AssistCursor(list[len(list)-1])
	}
	out["assists"] = s.names(r.Context()).assists(list)
	httpjson.Write(w, http.StatusOK, out)
}

// openStates are the states the agents' queue shows, in its order.
var openStates = []tandem.AssistState{tandem.AssistWaiting, tandem.AssistConsenting, tandem.AssistLive}

// queueView is the payload of a queue frame: up to limit assists of each
// open state, the longest waiting first, and how many there are of each, so
// that no waiting person is ever out of sight without the count saying so.
type queueView struct {
	Assists []assistJSON               `json:"assists"`
	Counts  map[tandem.AssistState]int `json:"counts"`
	Limit   int                        `json:"limit"`
	// AgentsAvailable counts the agents who take requests now;
	// LeftMessages says when the person of each listed waiting request
	// that left a message did so.
	AgentsAvailable int                  `json:"agentsAvailable"`
	LeftMessages    map[string]time.Time `json:"leftMessages"`
}

// queueLimit reads the queue channel's limit parameter (100 by default).
func queueLimit(r *http.Request) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return store.DefaultAssistLimit, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > store.MaxAssistLimit {
		return 0, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxAssistLimit)
	}
	return n, nil
}

// queue returns what the queue channel sends now.
func (s *Server) queue(ctx context.Context, limit int) (*queueView, error) {
	counts, err := s.deps.Assists.Count(ctx, store.AssistFilter{States: openStates})
	if err != nil {
		return nil, err
	}
	v := &queueView{Assists: []assistJSON{}, Counts: map[tandem.AssistState]int{}, Limit: limit}
	n := s.names(ctx)
	for _, st := range openStates {
		v.Counts[st] = counts[st]
		if counts[st] == 0 {
			continue
		}
		list, err := s.deps.Assists.List(ctx, store.AssistFilter{States: []tandem.AssistState{st}, Oldest: true, Limit: limit})
		if err != nil {
			return nil, err
		}
		v.Assists = append(v.Assists, n.assists(list)...)
	}
	return v, s.queueAvailability(ctx, v)
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
		// ConsentEachAgent: every agent after the first waits for the person.
		ConsentEachAgent bool `json:"consentEachAgent"`
		// RecordingRetentionSeconds: how long recordings are kept after
		// their assist ends; 0 keeps them forever.
		RecordingRetentionSeconds int64 `json:"recordingRetentionSeconds"`
		// AutoVideo: each assist is exported to video when it ends.
		AutoVideo bool `json:"autoVideo"`
	}
	out := []siteJSON{}
	for _, st := range sites {
		out = append(out, siteJSON{st.ID, st.Name, st.Key, st.AllowedOrigins, st.StrictMasking, st.CaptureBodies, st.ConsentEachAgent,
			int64(st.RecordingRetention / time.Second), st.AutoVideo})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"sites": out})
}
