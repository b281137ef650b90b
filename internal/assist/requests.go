package assist

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/store"
)

// HelpRequest is what the SDK sends when a person asks for help.
type HelpRequest struct {
	SiteKey   string          `json:"siteKey"`
	PageID    string          `json:"pageId"`
	URL       string          `json:"url"`
	Title     string          `json:"title"`
	PersonID  string          `json:"personId"`
	UserAgent string          `json:"userAgent"`
	Viewport  tandem.Viewport `json:"viewport"`
	// ConversationID and ConversationToken, when set, link the assist to
	// the person's support conversation (opened by the chat panel before
	// they asked for help); without them, one is opened for the assist.
	ConversationID    string `json:"conversationId"`
	ConversationToken string `json:"conversationToken"`
	// Origin is the page's origin as the browser reported it (not from the body).
	Origin string `json:"-"`
	// Verified is who the passport says the person is, when the request
	// carried their active passport token for the site (checked by the
	// HTTP layer, never taken from the body).
	Verified tandem.VerifiedPerson `json:"-"`
}

// Started is a new assist as the person's SDK sees it.
type Started struct {
	Assist      *tandem.Assist
	PersonToken string
	// ConversationID and ConversationToken are the assist's support
	// conversation and the person's token for it ("" when there is none).
	ConversationID    string
	ConversationToken string
	// Pickup is what the person is told about the wait; nil for an
	// invite's assist.
	Pickup *Pickup
}

// Limits on what a person's page may send in a request.
const (
	maxURL      = 4096
	maxShort    = 256
	maxUA       = 1024
	maxViewport = 100000
)

func (r *HelpRequest) validate() error {
	switch {
	case r.SiteKey == "":
		return tandem.Errorf(tandem.EInvalid, "siteKey is required")
	case r.PageID == "" || len(r.PageID) > maxShort:
		return tandem.Errorf(tandem.EInvalid, "pageId is required and at most %d bytes", maxShort)
	case len(r.URL) > maxURL || len(r.Title) > maxShort*4 || len(r.PersonID) > maxShort || len(r.UserAgent) > maxUA:
		return tandem.Errorf(tandem.EInvalid, "a field is too long")
	case !utf8.ValidString(r.URL + r.Title + r.PersonID + r.UserAgent + r.PageID):
		return tandem.Errorf(tandem.EInvalid, "fields must be UTF-8")
	case r.Viewport.Width < 0 || r.Viewport.Height < 0 || r.Viewport.Width > maxViewport || r.Viewport.Height > maxViewport ||
		r.Viewport.DPR < 0 || r.Viewport.DPR > 16:
		return tandem.Errorf(tandem.EInvalid, "viewport is out of range")
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return tandem.Errorf(tandem.EInvalid, "url must be an http(s) URL")
	}
	return nil
}

// SiteForOrigin returns the site of key if origin may embed it: the SDK's
// public configuration, and the site of a help request or invite.
func (s *Service) SiteForOrigin(ctx context.Context, key, origin string) (*tandem.Site, error) {
	site, err := s.store.SiteByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	if !site.AllowsOrigin(origin) {
		return nil, tandem.Errorf(tandem.ENotAllowed, "origin %q is not allowed for this site", origin)
	}
	return site, nil
}

// RequestHelp files a person's request; every agent's queue shows it at once.
func (s *Service) RequestHelp(ctx context.Context, req HelpRequest) (*Started, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if s.draining.Load() {
		return nil, errDraining // another node takes it
	}
	site, err := s.SiteForOrigin(ctx, req.SiteKey, req.Origin)
	if err != nil {
		return nil, err
	}
	if req.ConversationID != "" {
		if err := s.checkConversationLink(ctx, req); err != nil {
			return nil, err
		}
	}
	a := &tandem.Assist{
		ID:        newAssistID(),
		SiteID:    site.ID,
		State:     tandem.AssistWaiting,
		PersonID:  personID(req.PersonID),
		PageID:    req.PageID,
		PageURL:   req.URL,
		UserAgent: req.UserAgent,
		Viewport:  req.Viewport,
		CreatedAt: s.cfg.Now(),
		Verified:  req.Verified,
	}
	// The lease first: an assist in the store always has an owner, or had
	// one (see newAssistID).
	if err := s.takeLease(ctx, a.ID); err != nil {
		return nil, fmt.Errorf("create assist: %w", err)
	}
	if err := s.store.CreateWaitingAssist(ctx, a, s.cfg.MaxWaiting); err != nil {
		s.releaseLease(a.ID)
		if tandem.ErrorCode(err) == tandem.EUnavailable {
			s.noteQueueFull(site.ID)
			return nil, tandem.Errorf(tandem.EUnavailable, "too many people are waiting for support right now; please try again in a few minutes")
		}
		return nil, fmt.Errorf("create assist: %w", err)
	}
	s.open(a, site)
	s.audit(ctx, a.ID, "person:"+a.PersonID, "request", req.URL)
	s.log.Info("web assist requested", "assist", a.ID, "site", site.ID)
	s.notifyQueue()
	st := &Started{Assist: a, PersonToken: s.personToken(a.ID), Pickup: ptrTo(s.pickup(ctx, site.ID))}
	s.linkConversation(ctx, st, req.ConversationID)
	return st, nil
}

// checkConversationLink reports whether req may link its assist to the
// support conversation it names. It changes nothing.
func (s *Service) checkConversationLink(ctx context.Context, req HelpRequest) error {
	if s.cfg.Conversations == nil {
		return tandem.Errorf(tandem.EInvalid, "conversations are not served here")
	}
	site, err := s.SiteForOrigin(ctx, req.SiteKey, req.Origin)
	if err != nil {
		return err
	}
	return s.cfg.Conversations.CheckLink(ctx, site.ID, req.ConversationID, req.ConversationToken)
}

// linkConversation gives a new assist its support conversation. A failure
// is logged: the assist goes on without one.
func (s *Service) linkConversation(ctx context.Context, st *Started, conversationID string) {
	if s.cfg.Conversations == nil {
		return
	}
	id, token, err := s.cfg.Conversations.LinkAssist(ctx, st.Assist, conversationID)
	if err != nil {
		s.log.Error("link the assist's conversation", "assist", st.Assist.ID, "err", err)
		return
	}
	st.ConversationID, st.ConversationToken = id, token
}

func personID(id string) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return "anonymous"
	}
	return id
}

// Accept is an agent taking a waiting request: the person is asked to allow.
func (s *Service) Accept(ctx context.Context, agent *tandem.User, id string) (*tandem.Assist, error) {
	l, err := s.liveAssist(ctx, id)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.assist.State != tandem.AssistWaiting {
		state := l.assist.State
		l.mu.Unlock()
		return nil, tandem.Errorf(tandem.EConflict, "this request is %s, not waiting", state)
	}
	next := *l.assist
	next.State, next.AgentID = tandem.AssistConsenting, agent.ID
	// A compare-and-set: of agents accepting at once, here or on another
	// server on the same store, one wins and the others are told.
	if err := s.store.UpdateAssist(ctx, &next, tandem.AssistWaiting); err != nil {
		l.mu.Unlock()
		if tandem.ErrorCode(err) == tandem.EConflict {
			return nil, tandem.Errorf(tandem.EConflict, "another agent accepted this request first")
		}
		return nil, fmt.Errorf("accept assist: %w", err)
	}
	l.assist = &next
	l.agentName = agent.Name
	l.prompt = s.promptText(agent)
	l.toPersonLocked(encodeControl(protocol.KindPrompt, promptPayload{Agent: agentRef{Name: agent.Name}, Text: l.prompt}))
	l.toAgentsLocked(stateFrame(next.State, ""))
	l.mu.Unlock()
	s.audit(ctx, id, "agent:"+agent.ID, "accept", "")
	s.log.Info("web assist accepted", "assist", id, "agent", agent.ID)
	s.notifyQueue()
	if s.cfg.Conversations != nil {
		// The agent sees the whole conversation beside the live view.
		if err := s.cfg.Conversations.AgentAccepted(ctx, id, agent.ID); err != nil {
			s.log.Error("join the assist's conversation", "assist", id, "agent", agent.ID, "err", err)
		}
	}
	return &next, nil
}

func (s *Service) promptText(agent *tandem.User) string {
	return fmt.Sprintf("%s from %s wants to see this page", agent.Name, s.cfg.TeamName)
}

// End ends an assist on an agent's word.
func (s *Service) End(ctx context.Context, agent *tandem.User, id string) (*tandem.Assist, error) {
	if _, err := s.liveAssist(ctx, id); err != nil {
		return nil, err
	}
	return s.end(ctx, "agent:"+agent.ID, id, "ended by "+agent.Name, closeEnded)
}

// liveAssist returns the running state of an assist that has not ended.
func (s *Service) liveAssist(ctx context.Context, id string) (*live, error) {
	l, err := s.runningOrEnded(ctx, id)
	if l != nil || err != nil {
		return l, err
	}
	return s.takeOver(ctx, id)
}

// Detail is an assist with its consent records, pages and audit log.
type Detail struct {
	Assist   *tandem.Assist
	SiteName string
	Agent    string
	Consents []*tandem.Consent
	Pages    []*tandem.Page
	Audit    []*tandem.AuditEntry
}

// Get returns an assist with everything recorded about it.
func (s *Service) Get(ctx context.Context, id string) (*Detail, error) {
	a, err := s.store.AssistByID(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{Assist: a}
	if d.Consents, err = s.store.ConsentsFor(ctx, id); err != nil {
		return nil, err
	}
	if d.Pages, err = s.store.PagesFor(ctx, id); err != nil {
		return nil, err
	}
	if d.Audit, err = s.store.AuditFor(ctx, id); err != nil {
		return nil, err
	}
	return d, nil
}

// List returns assists, newest first unless f asks for the oldest first.
func (s *Service) List(ctx context.Context, f store.AssistFilter) ([]*tandem.Assist, error) {
	return s.store.ListAssists(ctx, f)
}

// Count returns how many assists f selects, by state.
func (s *Service) Count(ctx context.Context, f store.AssistFilter) (map[tandem.AssistState]int, error) {
	return s.store.CountAssists(ctx, f)
}
