package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/bot"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/httpjson"
)

// botRoutes are the management of bots (/api/v1/bots…) and the API bots call with their token (/api/v1/bot/…).
func (s *Server) botRoutes() []route {
	routes := []route{
		{"GET", "/api/v1/bots", s.handleListBots, signedIn},
		{"POST", "/api/v1/bots", s.handleCreateBot, signedIn},
		{"POST", "/api/v1/bots/preview", s.handlePreviewAnswer, signedIn},
		{"GET", "/api/v1/bots/{id}", s.handleGetBot, signedIn},
		{"PATCH", "/api/v1/bots/{id}", s.handleUpdateBot, signedIn},
		{"DELETE", "/api/v1/bots/{id}", s.handleDeleteBot, signedIn},
		{"POST", "/api/v1/bots/{id}/token", s.handleNewBotToken, signedIn},
		{"DELETE", "/api/v1/bots/{id}/token", s.handleRevokeBotToken, signedIn},
		{"GET", "/api/v1/bots/{id}/commands", s.handleListBotCommands, signedIn},
		{"POST", "/api/v1/bots/{id}/commands", s.handleAddBotCommand, signedIn},
		{"DELETE", "/api/v1/bots/{id}/commands/{commandId}", s.handleDeleteBotCommand, signedIn},
		{"GET", "/api/v1/bots/{id}/hooks", s.handleListBotHooks, signedIn},
		{"DELETE", "/api/v1/bots/{id}/hooks/{hookId}", s.handleDeleteBotHook, signedIn},
		{"GET", "/api/v1/bots/{id}/deliveries", s.handleListDeliveries, signedIn},
		{"GET", "/api/v1/bots/{id}/deliveries/{deliveryId}", s.handleGetDelivery, signedIn},
		{"POST", "/api/v1/bots/{id}/deliveries/{deliveryId}/retry", s.handleRetryDelivery, signedIn},
	}
	routes = append(routes, s.botAPIRoutes()...)
	routes = append(routes, s.pressRoutes()...)
	for i := range routes {
		routes[i].handler = s.needBots(routes[i].handler)
	}
	return routes
}

// needBots answers 503 for the routes of bots when the server runs
// without them (a test server, or a tool).
func (s *Server) needBots(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Bots == nil {
			s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "bots are not served here"))
			return
		}
		next(w, r)
	}
}

// botJSON is a bot as the API shows it. Everyone sees the public fields;
// its owner (and admins) the rest. The token is never shown after it is
// made; the signing secret is, to the owner, as webhook senders do.
type botJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	AvatarURL   string   `json:"avatarUrl,omitempty"`
	Description string   `json:"description,omitempty"`
	Scopes      []string `json:"scopes"`
	Recommended bool     `json:"recommended"`
	// The owner's view.
	OwnerID       string     `json:"ownerId,omitempty"`
	URL           string     `json:"url,omitempty"`
	InterfaceURL  string     `json:"interfaceUrl,omitempty"`
	TokenID       string     `json:"tokenId,omitempty"`
	Active        *bool      `json:"active,omitempty"` // whether it has a token
	SigningSecret string     `json:"signingSecret,omitempty"`
	CreatedAt     *time.Time `json:"createdAt,omitempty"`
}

func botView(b *tandem.Bot, full bool) botJSON {
	v := botJSON{ID: b.ID, Name: b.Name, AvatarURL: b.AvatarURL, Description: b.Description, Recommended: b.Recommended,
		Scopes: scopeList(b.Scopes)}
	if full {
		active := b.TokenHash != ""
		v.OwnerID, v.URL, v.InterfaceURL, v.TokenID, v.Active = b.OwnerID, b.URL, b.InterfaceURL, b.TokenID, &active
		v.SigningSecret, v.CreatedAt = b.SigningSecret, timePtr(b.CreatedAt)
	}
	return v
}

func scopeList(scopes []tandem.Scope) []string {
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		out = append(out, string(sc))
	}
	return out
}

func (s *Server) botViews(list []*tandem.Bot, by *tandem.User) []botJSON {
	out := make([]botJSON, 0, len(list))
	for _, b := range list {
		out = append(out, botView(b, b.OwnerID == by.ID || by.Role == tandem.RoleAdmin))
	}
	return out
}

func (s *Server) handleListBots(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	l, err := s.deps.Bots.List(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"mine": s.botViews(l.Mine, u), "inMyConversations": s.botViews(l.InMyConversations, u), "recommended": s.botViews(l.Recommended, u),
	})
}

// botBody is what creates or changes a bot; absent fields are kept.
type botBody struct {
	Name         *string   `json:"name"`
	Description  *string   `json:"description"`
	AvatarURL    *string   `json:"avatarUrl"`
	URL          *string   `json:"url"`
	InterfaceURL *string   `json:"interfaceUrl"`
	Scopes       *[]string `json:"scopes"`
	Recommended  *bool     `json:"recommended"`
}

func (b botBody) input() (bot.Input, error) {
	in := bot.Input{Name: b.Name, Description: b.Description, AvatarURL: b.AvatarURL, URL: b.URL, InterfaceURL: b.InterfaceURL,
		Recommended: b.Recommended}
	if b.Scopes != nil {
		scopes := make([]tandem.Scope, 0, len(*b.Scopes))
		for _, sc := range *b.Scopes {
			if !tandem.ValidScope(tandem.Scope(sc)) {
				return in, tandem.Errorf(tandem.EInvalid, "%q is not a scope (one of %s)", sc, tandem.JoinScopes(tandem.AllScopes()))
			}
			scopes = append(scopes, tandem.Scope(sc))
		}
		in.Scopes = &scopes
	}
	return in, nil
}

func (s *Server) readBotBody(w http.ResponseWriter, r *http.Request) (bot.Input, bool) {
	var body botBody
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return bot.Input{}, false
	}
	in, err := body.input()
	if err != nil {
		s.fail(w, r, err)
		return in, false
	}
	return in, true
}

func (s *Server) handleCreateBot(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readBotBody(w, r)
	if !ok {
		return
	}
	c, err := s.deps.Bots.Create(r.Context(), userOf(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{"bot": botView(c.Bot, true), "token": c.Token, "signingSecret": c.SigningSecret})
}

func (s *Server) handleGetBot(w http.ResponseWriter, r *http.Request) {
	b, full, err := s.deps.Bots.Get(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, botView(b, full))
}

func (s *Server) handleUpdateBot(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readBotBody(w, r)
	if !ok {
		return
	}
	b, err := s.deps.Bots.Update(r.Context(), userOf(r), r.PathValue("id"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, botView(b, true))
}

func (s *Server) handleDeleteBot(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Bots.Delete(r.Context(), userOf(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleNewBotToken(w http.ResponseWriter, r *http.Request) {
	token, b, err := s.deps.Bots.RegenerateToken(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"token": token, "tokenId": b.TokenID})
}

func (s *Server) handleRevokeBotToken(w http.ResponseWriter, r *http.Request) {
	if _, err := s.deps.Bots.RevokeToken(r.Context(), userOf(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type commandJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Hint        string    `json:"hint,omitempty"`
	URL         string    `json:"url,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

func commandView(c *tandem.BotCommand) commandJSON {
	return commandJSON{ID: c.ID, Name: c.Name, Description: c.Description, Hint: c.Hint, URL: c.URL, CreatedAt: c.CreatedAt}
}

func (s *Server) handleListBotCommands(w http.ResponseWriter, r *http.Request) {
	cmds, err := s.deps.Bots.CommandsOf(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]commandJSON, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, commandView(c))
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"commands": out})
}

func (s *Server) handleAddBotCommand(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Hint        string `json:"hint"`
		URL         string `json:"url"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	c := &tandem.BotCommand{Name: body.Name, Description: body.Description, Hint: body.Hint, URL: body.URL}
	if err := s.deps.Bots.AddCommand(r.Context(), userOf(r), r.PathValue("id"), c); err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, commandView(c))
}

func (s *Server) handleDeleteBotCommand(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Bots.DeleteCommand(r.Context(), userOf(r), r.PathValue("id"), r.PathValue("commandId")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handlePreviewAnswer(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Answer *botapi.Answer `json:"answer"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := bot.Preview(body.Answer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, res)
}

func (s *Server) handleListBotHooks(w http.ResponseWriter, r *http.Request) {
	hooks, err := s.deps.Bots.Hooks(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type hookJSON struct {
		ID           string                         `json:"id"`
		Conversation *conversation.ConversationJSON `json:"conversation"`
		URL          string                         `json:"url"`
		CreatedAt    time.Time                      `json:"createdAt"`
	}
	out := make([]hookJSON, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, hookJSON{ID: h.Hook.ID, Conversation: conversation.JSON(h.Conversation), URL: h.URL, CreatedAt: h.Hook.CreatedAt})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"hooks": out})
}

func (s *Server) handleDeleteBotHook(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Bots.DeleteHook(r.Context(), userOf(r), r.PathValue("id"), r.PathValue("hookId")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deliveryJSON is a delivery in the owner's log.
type deliveryJSON struct {
	ID             string               `json:"id"`
	Kind           tandem.DeliveryKind  `json:"kind"`
	ConversationID string               `json:"conversationId"`
	MessageID      string               `json:"messageId,omitempty"`
	URL            string               `json:"url"`
	State          tandem.DeliveryState `json:"state"`
	Attempts       int                  `json:"attempts"`
	NextAttemptAt  *time.Time           `json:"nextAttemptAt,omitempty"`
	LastStatus     int                  `json:"lastStatus,omitempty"`
	LastError      string               `json:"lastError,omitempty"`
	CreatedAt      time.Time            `json:"createdAt"`
	DoneAt         *time.Time           `json:"doneAt,omitempty"`
}

func deliveryView(d *tandem.Delivery) deliveryJSON {
	v := deliveryJSON{ID: d.ID, Kind: d.Kind, ConversationID: d.ConversationID, MessageID: d.MessageID, URL: d.URL, State: d.State,
		Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt, DoneAt: timePtr(d.DoneAt)}
	if d.State == tandem.DeliveryPending {
		v.NextAttemptAt = timePtr(d.NextAttemptAt)
	}
	return v
}

func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var states []tandem.DeliveryState
	for _, st := range q["state"] {
		states = append(states, tandem.DeliveryState(st))
	}
	limit := 0
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit is 1 to 200"))
			return
		}
		limit = n
	}
	list, err := s.deps.Bots.Deliveries(r.Context(), userOf(r), r.PathValue("id"), states, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]deliveryJSON, 0, len(list))
	for _, d := range list {
		out = append(out, deliveryView(d))
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"deliveries": out})
}

func (s *Server) handleGetDelivery(w http.ResponseWriter, r *http.Request) {
	d, attempts, err := s.deps.Bots.Delivery(r.Context(), userOf(r), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type attemptJSON struct {
		N          int       `json:"n"`
		At         time.Time `json:"at"`
		Status     int       `json:"status,omitempty"`
		Error      string    `json:"error,omitempty"`
		DurationMS int64     `json:"durationMs"`
	}
	out := make([]attemptJSON, 0, len(attempts))
	for _, a := range attempts {
		out = append(out, attemptJSON{N: a.N, At: a.At, Status: a.Status, Error: a.Error, DurationMS: a.Duration.Milliseconds()})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"delivery": deliveryView(d), "payload": rawJSON(d.Payload), "attempts": out})
}

func (s *Server) handleRetryDelivery(w http.ResponseWriter, r *http.Request) {
	d, err := s.deps.Bots.Retry(r.Context(), userOf(r), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusCreated, map[string]any{"delivery": deliveryView(d)})
}
