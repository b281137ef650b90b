package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/store"
)

// conversationRoutes are the conversations of agents and people: /api/v1/conversations… and /api/v1/public/conversations….
func (s *Server) conversationRoutes() []route {
	const c, p = "/api/v1/conversations", "/api/v1/public/conversations"
	routes := []route{
		{"GET", c, s.handleListConversations, signedIn},
		{"POST", c, s.handleCreateConversation, signedIn},
		{"GET", c + "/ws", s.handleConversationsChannel, wsSession},
		{"GET", c + "/{id}", s.handleGetConversation, signedIn},
		{"PATCH", c + "/{id}", s.handleUpdateConversation, signedIn},
		{"POST", c + "/{id}/take", s.handleTakeConversation, signedIn},
		{"POST", c + "/{id}/members", s.handleAddMember, signedIn},
		{"DELETE", c + "/{id}/members/{account}", s.handleRemoveMember, signedIn},
		{"POST", p, s.handleOpenSupport, public},
		{"OPTIONS", p, s.handleConversationPreflight, public},
		{"GET", p + "/{id}", s.handleGetConversation, public},
		{"GET", p + "/{id}/ws", s.handlePersonConversationChannel, wsPublic},
	}
	// What agents and people both do, each with their credential.
	for _, r := range []struct {
		method, path string
		h            http.HandlerFunc
	}{
		{"GET", "/{id}/messages", s.handleHistory},
		{"POST", "/{id}/messages", s.handlePost},
		{"POST", "/{id}/read", s.handleRead},
		{"POST", "/{id}/typing", s.handleTyping},
		{"POST", "/{id}/attachments", s.handleUpload},
		{"GET", "/{id}/attachments/{attachmentId}", s.handleAttachment},
	} {
		routes = append(routes, route{r.method, c + r.path, r.h, signedIn}, route{r.method, p + r.path, r.h, public})
	}
	for _, path := range []string{"/{id}", "/{id}/messages", "/{id}/read", "/{id}/typing", "/{id}/attachments", "/{id}/attachments/{attachmentId}"} {
		routes = append(routes, route{"OPTIONS", p + path, s.handleConversationPreflight, public})
	}
	for i := range routes {
		routes[i].handler = s.needConversations(routes[i].handler)
	}
	return routes
}

// needConversations answers 503 on a server whose store keeps no
// conversations.
func (s *Server) needConversations(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Conversations == nil {
			s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "conversations are not served here"))
			return
		}
		next(w, r)
	}
}

// caller is who makes a request about conversation conversationID: the
// console user of the session (routes behind requireSession), or the
// person whose bearer token is that conversation's person token, on a page
// of an origin its site allows. Public routes never look at cookies: a
// page of another site could send them.
func (s *Server) caller(r *http.Request, conversationID string) (tandem.Account, error) {
	if u := userOf(r); u != nil {
		return tandem.Account{Kind: tandem.AccountUser, ID: u.ID}, nil
	}
	token, ok := bearer(r)
	if !ok {
		return tandem.Account{}, tandem.Errorf(tandem.EUnauthorized, "a person token is required (Authorization: Bearer …)")
	}
	return s.person(r, conversationID, token)
}

// person checks a person token and the page's origin.
func (s *Server) person(r *http.Request, conversationID, token string) (tandem.Account, error) {
	cs := s.deps.Conversations
	if cs == nil || !cs.CheckPersonToken(conversationID, token) {
		return tandem.Account{}, tandem.Errorf(tandem.EUnauthorized, "this token is not valid for this conversation")
	}
	if err := cs.CheckOrigin(r.Context(), conversationID, r.Header.Get("Origin")); err != nil {
		return tandem.Account{}, err
	}
	return tandem.Account{Kind: tandem.AccountPerson, ID: conversationID}, nil
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// conversationCaller is the caller of a request on /…/conversations/{id}…,
// with CORS for the public routes; on failure it has answered.
func (s *Server) conversationCaller(w http.ResponseWriter, r *http.Request) (tandem.Account, bool) {
	if userOf(r) == nil {
		allowConversationCORS(w, r)
	}
	a, err := s.caller(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return a, false
	}
	return a, true
}

// allowConversationCORS lets the SDK on a site's pages call the people's
// routes with their token (the handlers check the origin against the
// site's).
func allowConversationCORS(w http.ResponseWriter, r *http.Request) {
	allowCORS(w, r)
	if r.Header.Get("Origin") != "" {
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	}
}

func (s *Server) handleConversationPreflight(w http.ResponseWriter, r *http.Request) {
	allowConversationCORS(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func userAccount(r *http.Request) tandem.Account {
	return tandem.Account{Kind: tandem.AccountUser, ID: userOf(r).ID}
}

// summaryJSON is a conversation in a listing.
type summaryJSON struct {
	Conversation *conversation.ConversationJSON `json:"conversation"`
	Unread       int                            `json:"unread"`
	Last         *botapi.Message                `json:"last"`
}

func (s *Server) handleListConversations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o := conversation.ListOptions{After: q.Get("after")}
	switch q.Get("queue") {
	case "", "0", "false":
	case "1", "true":
		o.Queue = true
	default:
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "queue must be 1 or 0"))
		return
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxConversationLimit))
			return
		}
		o.Limit = n
	}
	cs := s.deps.Conversations
	list, next, err := cs.ListFor(r.Context(), userAccount(r), o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var lasts []*tandem.Message
	for _, sm := range list {
		if sm.Last != nil {
			lasts = append(lasts, sm.Last)
		}
	}
	rendered := cs.Render(r.Context(), lasts, false)
	out := struct {
		Conversations []summaryJSON `json:"conversations"`
		Next          string        `json:"next,omitempty"`
	}{Conversations: make([]summaryJSON, 0, len(list)), Next: next}
	i := 0
	for _, sm := range list {
		row := summaryJSON{Conversation: conversation.JSON(sm.Conversation), Unread: sm.Unread}
		if sm.Last != nil {
			row.Last = rendered[i]
			i++
		}
		out.Conversations = append(out.Conversations, row)
	}
	httpjson.Write(w, http.StatusOK, out)
}

// conversationInfo is what POST and PATCH /conversations… take.
type conversationInfo struct {
	Kind        tandem.ConversationKind `json:"kind"`
	Name        string                  `json:"name"`
	Description string                  `json:"description"`
	AvatarURL   string                  `json:"avatarUrl"`
	Members     []string                `json:"members"`
}

func (s *Server) handleCreateConversation(w http.ResponseWriter, r *http.Request) {
	var body conversationInfo
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(body.Members) > 1000 {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "at most 1000 members at once"))
		return
	}
	var members []tandem.Account
	for _, m := range body.Members {
		a, err := tandem.ParseAccount(m)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		members = append(members, a)
	}
	c, err := s.deps.Conversations.Create(r.Context(), userAccount(r), &tandem.Conversation{
		Kind: body.Kind, Name: body.Name, Description: body.Description, AvatarURL: body.AvatarURL,
	}, members)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, conversation.JSON(c))
}

// memberJSON is a member as clients see it.
type memberJSON struct {
	Account   string         `json:"account"`
	Kind      string         `json:"kind"`
	Name      string         `json:"name"`
	Handle    string         `json:"handle,omitempty"`
	AvatarURL string         `json:"avatarUrl,omitempty"`
	Granted   []tandem.Scope `json:"granted,omitempty"`
	LastRead  int64          `json:"lastRead"`
}

func toMemberJSON(m conversation.MemberInfo) memberJSON {
	return memberJSON{
		Account: m.Account.String(), Kind: string(m.Account.Kind), Name: m.Name, Handle: m.Handle, AvatarURL: m.AvatarURL,
		Granted: m.Granted, LastRead: m.LastRead,
	}
}

func (s *Server) handleGetConversation(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	d, err := s.deps.Conversations.Detail(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Conversation *conversation.ConversationJSON `json:"conversation"`
		Members      []memberJSON                   `json:"members"`
		LastRead     int64                          `json:"lastRead"`
	}{Conversation: conversation.JSON(d.Conversation), Members: make([]memberJSON, 0, len(d.Members)), LastRead: d.LastRead}
	for _, m := range d.Members {
		out.Members = append(out.Members, toMemberJSON(m))
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (s *Server) handleUpdateConversation(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		AvatarURL   *string `json:"avatarUrl"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	cs := s.deps.Conversations
	me := userAccount(r)
	d, err := cs.Detail(r.Context(), me, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := *d.Conversation
	if body.Name != nil {
		c.Name = *body.Name
	}
	if body.Description != nil {
		c.Description = *body.Description
	}
	if body.AvatarURL != nil {
		c.AvatarURL = *body.AvatarURL
	}
	if err := cs.Update(r.Context(), me, &c); err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, conversation.JSON(&c))
}

func (s *Server) handleTakeConversation(w http.ResponseWriter, r *http.Request) {
	c, err := s.deps.Conversations.Take(r.Context(), userAccount(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, conversation.JSON(c))
}

func (s *Server) handleAddMember(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Account string    `json:"account"`
		Granted *[]string `json:"granted"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := tandem.ParseAccount(body.Account)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := &tandem.Member{ConversationID: r.PathValue("id"), Account: a}
	if body.Granted != nil {
		m.Granted = []tandem.Scope{}
		for _, sc := range *body.Granted {
			if !tandem.ValidScope(tandem.Scope(sc)) {
				s.fail(w, r, tandem.Errorf(tandem.EInvalid, "%q is not a scope", sc))
				return
			}
			m.Granted = append(m.Granted, tandem.Scope(sc))
		}
	}
	cs := s.deps.Conversations
	if err := cs.AddMember(r.Context(), userAccount(r), m); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := cs.Detail(r.Context(), userAccount(r), m.ConversationID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, info := range d.Members {
		if info.Account == a {
			httpjson.Write(w, http.StatusCreated, toMemberJSON(info))
			return
		}
	}
	httpjson.Write(w, http.StatusCreated, toMemberJSON(conversation.MemberInfo{Member: m}))
}

func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	a, err := tandem.ParseAccount(r.PathValue("account"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deps.Conversations.RemoveMember(r.Context(), userAccount(r), r.PathValue("id"), a); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleOpenSupport opens a person's support conversation from the SDK's
// chat panel, on a page of an origin the site allows.
func (s *Server) handleOpenSupport(w http.ResponseWriter, r *http.Request) {
	allowConversationCORS(w, r)
	if !s.requestLimit.Allow("ip:" + clientIP(r)) {
		s.fail(w, r, tandem.Errorf(tandem.ERateLimited, "too many requests; wait a moment"))
		return
	}
	var body struct {
		SiteKey  string `json:"siteKey"`
		PersonID string `json:"personId"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	c, token, err := s.deps.Conversations.OpenSupport(r.Context(), body.SiteKey, r.Header.Get("Origin"), body.PersonID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]string{"conversationId": c.ID, "personToken": token})
}
