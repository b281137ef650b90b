package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/bot"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/store"
)

// The bot API: what a bot server calls with its token. No cookie counts
// here, only the bearer token, so no browser can be made to call it.
func (s *Server) botAPIRoutes() []route {
	return []route{
		{"GET", "/api/v1/bot/me", s.asBot(s.handleBotMe), public},
		{"GET", "/api/v1/bot/conversations", s.asBot(s.handleBotConversations), public},
		{"POST", "/api/v1/bot/conversations", s.asBot(s.handleBotCreateConversation), public},
		{"GET", "/api/v1/bot/conversations/{id}", s.asBot(s.handleBotConversation), public},
		{"PATCH", "/api/v1/bot/conversations/{id}", s.asBot(s.handleBotUpdateConversation), public},
		{"GET", "/api/v1/bot/conversations/{id}/members", s.asBot(s.handleBotMembers), public},
		{"POST", "/api/v1/bot/conversations/{id}/members", s.asBot(s.handleBotAddMember), public},
		{"GET", "/api/v1/bot/conversations/{id}/messages", s.asBot(s.handleBotMessages), public},
		{"POST", "/api/v1/bot/conversations/{id}/messages", s.asBot(s.handleBotPost), public},
		{"PUT", "/api/v1/bot/conversations/{id}/messages/{messageId}", s.asBot(s.handleBotReplace), public},
		{"POST", "/api/v1/bot/conversations/{id}/instructions", s.asBot(s.handleBotInstructions), public},
		{"GET", "/api/v1/bot/conversations/{id}/assist", s.asBot(s.handleBotAssist), public},
		{"POST", "/api/v1/bot/conversations/{id}/invites", s.asBot(s.handleBotInvite), public},
		{"POST", "/api/v1/bot/conversations/{id}/handover", s.asBot(s.handleBotHandover), public},
		{"POST", "/api/v1/bot/conversations/{id}/assist/end", s.asBot(s.handleBotEndAssist), public},
	}
}

type botKey struct{}

// botOf returns the bot of a request that passed asBot.
func botOf(r *http.Request) *tandem.Bot {
	b, _ := r.Context().Value(botKey{}).(*tandem.Bot)
	return b
}

// asBot authenticates the bot by its bearer token, read from the store on
// every request (a revoked token fails at once, on every node).
func (s *Server) asBot(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tandem bots"`)
			s.fail(w, r, tandem.Errorf(tandem.EUnauthorized, "give the bot's token: Authorization: Bearer tdb_…"))
			return
		}
		b, err := s.deps.Bots.Authenticate(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tandem bots", error="invalid_token"`)
			s.fail(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), botKey{}, b)))
	}
}

// rawJSON is a stored JSON body as it is, or null when it is not JSON.
func rawJSON(b []byte) json.RawMessage {
	if !json.Valid(b) {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}

func (s *Server) handleBotMe(w http.ResponseWriter, r *http.Request) {
	b := botOf(r)
	v := botView(b, false)
	httpjson.Write(w, http.StatusOK, map[string]any{"bot": v, "tokenId": b.TokenID})
}

func (s *Server) handleBotConversations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n >= store.MaxConversationLimit {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit is 1 to %d", store.MaxConversationLimit-1))
			return
		}
		limit = n
	}
	list, err := s.deps.Bots.Conversations(r.Context(), botOf(r), q.Get("after"), limit+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{}
	if len(list) > limit {
		list = list[:limit]
		out["next"] = list[len(list)-1].Cursor
	}
	convs := make([]*conversation.ConversationJSON, 0, len(list))
	for _, sum := range list {
		convs = append(convs, conversation.JSON(sum.Conversation))
	}
	out["conversations"] = convs
	httpjson.Write(w, http.StatusOK, out)
}

func (s *Server) handleBotCreateConversation(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		AvatarURL   string          `json:"avatarUrl"`
		Members     []string        `json:"members"`
		Message     *botapi.Message `json:"message"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.deps.Bots.CreateConversation(r.Context(), botOf(r), bot.NewConversation{Name: body.Name, Description: body.Description,
		AvatarURL: body.AvatarURL, Members: body.Members, Message: body.Message})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, conversation.JSON(c))
}

func (s *Server) handleBotConversation(w http.ResponseWriter, r *http.Request) {
	p, err := s.deps.Bots.Conversation(r.Context(), botOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"conversation": conversation.JSON(p.Conversation), "scopes": scopeList(p.Scopes)})
}

func (s *Server) handleBotUpdateConversation(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        *string `json:"name"`
		AvatarURL   *string `json:"avatarUrl"`
		Description *string `json:"description"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.deps.Bots.UpdateConversation(r.Context(), botOf(r), r.PathValue("id"),
		bot.Info{Name: body.Name, AvatarURL: body.AvatarURL, Description: body.Description})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, conversation.JSON(c))
}

type botMemberJSON struct {
	Account  string   `json:"account"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Granted  []string `json:"granted,omitempty"`
	LastRead int64    `json:"lastRead"`
}

func (s *Server) handleBotMembers(w http.ResponseWriter, r *http.Request) {
	ms, err := s.deps.Bots.Members(r.Context(), botOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]botMemberJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, botMemberJSON{Account: m.Ref.Account, Kind: string(m.Member.Account.Kind), Name: m.Ref.Name,
			Granted: scopeList(m.Member.Granted), LastRead: m.Member.LastRead})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"members": out})
}

func (s *Server) handleBotAddMember(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Account string `json:"account"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.deps.Bots.AddMember(r.Context(), botOf(r), r.PathValue("id"), body.Account)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ref := s.deps.Bots.Ref(r.Context(), m.Account)
	httpjson.Write(w, http.StatusCreated, botMemberJSON{Account: ref.Account, Kind: string(m.Account.Kind), Name: ref.Name, LastRead: m.LastRead})
}

// seqParam reads a sequence number parameter (0 when absent).
func seqParam(q map[string][]string, name string) (int64, error) {
	v := ""
	if len(q[name]) > 0 {
		v = q[name][0]
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, tandem.Errorf(tandem.EInvalid, "%s is a message's sequence number", name)
	}
	return n, nil
}

func (s *Server) handleBotMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	before, err := seqParam(q, "before")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := seqParam(q, "after")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n >= store.MaxMessageLimit {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit is 1 to %d", store.MaxMessageLimit-1))
			return
		}
		limit = n
	}
	// One more than the page says whether there are more.
	s.writeBotMessages(w, r, store.MessageFilter{Before: before, After: after, Limit: limit + 1}, limit)
}

func (s *Server) writeBotMessages(w http.ResponseWriter, r *http.Request, f store.MessageFilter, limit int) {
	ms, err := s.deps.Bots.Messages(r.Context(), botOf(r), r.PathValue("id"), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	more := len(ms) > limit
	if more {
		ms = ms[:limit]
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"messages": ms, "more": more})
}

// botMessageBody is a message a bot posts or puts.
type botMessageBody struct {
	Text     string         `json:"text"`
	Blocks   []botapi.Block `json:"blocks"`
	ClientID string         `json:"clientId"`
}

func (s *Server) handleBotPost(w http.ResponseWriter, r *http.Request) {
	var body botMessageBody
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	b := botOf(r)
	m, err := s.deps.Bots.Post(r.Context(), b, r.PathValue("id"), &botapi.Message{Text: body.Text, Blocks: body.Blocks}, body.ClientID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ref := s.deps.Bots.Ref(r.Context(), m.Author)
	httpjson.Write(w, http.StatusCreated, bot.BotView(m, &ref, true))
}

func (s *Server) handleBotReplace(w http.ResponseWriter, r *http.Request) {
	var body botMessageBody
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.ClientID != "" {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "clientId is for new messages"))
		return
	}
	m, err := s.deps.Bots.ReplaceOwn(r.Context(), botOf(r), r.PathValue("id"), r.PathValue("messageId"),
		&botapi.Message{Text: body.Text, Blocks: body.Blocks})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ref := s.deps.Bots.Ref(r.Context(), m.Author)
	httpjson.Write(w, http.StatusOK, bot.BotView(m, &ref, true))
}

// handleBotInstructions applies an answer, as if it answered an event:
// all of it, or none with 403 and the refusals.
func (s *Server) handleBotInstructions(w http.ResponseWriter, r *http.Request) {
	var a botapi.Answer
	if err := httpjson.Read(w, r, &a); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.deps.Bots.Instruct(r.Context(), botOf(r), r.PathValue("id"), a.Instructions)
	var refused *bot.RefusedError
	if errors.As(err, &refused) {
		httpjson.Write(w, http.StatusForbidden, map[string]any{
			"error":   map[string]string{"code": tandem.EForbidden, "message": "instructions refused; none was applied"},
			"refused": refused.Refused,
		})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"applied": n})
}

func (s *Server) handleBotAssist(w http.ResponseWriter, r *http.Request) {
	a, err := s.deps.Bots.AssistOf(r.Context(), botOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"assist": a})
}

func (s *Server) handleBotInvite(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Label string `json:"label"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.deps.Bots.Invite(r.Context(), botOf(r), r.PathValue("id"), body.Label)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{"url": res.Link.Link, "code": res.Link.Code, "expiresAt": res.Link.ExpiresAt,
		"messageId": res.Message.ID})
}

func (s *Server) handleBotHandover(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Summary string `json:"summary"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.deps.Bots.Handover(r.Context(), botOf(r), r.PathValue("id"), body.Summary)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, conversation.JSON(c))
}

func (s *Server) handleBotEndAssist(w http.ResponseWriter, r *http.Request) {
	a, err := s.deps.Bots.EndAssist(r.Context(), botOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"assist": botapi.AssistStatus{ID: a.ID, State: string(a.State), PageURL: a.PageURL, AgentID: a.AgentID}})
}

// pressRoutes are the buttons and commands of conversations, for members
// (agents with their session; people with their conversation's token, on
// a page of their site).
func (s *Server) pressRoutes() []route {
	const c, p = "/api/v1/conversations", "/api/v1/public/conversations"
	return []route{
		{"POST", c + "/{id}/messages/{messageId}/actions", s.handlePress, signedIn},
		{"POST", p + "/{id}/messages/{messageId}/actions", s.handlePress, public},
		{"OPTIONS", p + "/{id}/messages/{messageId}/actions", s.handleConversationPreflight, public},
		{"GET", c + "/{id}/commands", s.handleConversationCommands, signedIn},
		{"POST", c + "/{id}/commands", s.handleRunCommand, signedIn},
	}
}

// handlePress sends the press of a callback button to its bot. The client
// names the button only; what the bot gets is read from the stored message.
func (s *Server) handlePress(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	var body struct {
		ButtonID string `json:"buttonId"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deps.Bots.Press(r.Context(), a, r.PathValue("id"), r.PathValue("messageId"), body.ButtonID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) handleConversationCommands(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	cmds, err := s.deps.Bots.MemberCommands(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"commands": cmds})
}

func (s *Server) handleRunCommand(w http.ResponseWriter, r *http.Request) {
	a, ok := s.conversationCaller(w, r)
	if !ok {
		return
	}
	var body struct {
		Name string `json:"name"`
		Text string `json:"text"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.deps.Bots.Run(r.Context(), a, r.PathValue("id"), body.Name, body.Text); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
