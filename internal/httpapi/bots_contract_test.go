package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/store"
)

// contractCall is a call of TestEveryOperationAnswersAsDocumented made
// for the bots' part of the API, with its documented path.
type contractCall struct {
	method, path, origin string
	body                 io.Reader
	client               *http.Client
	status               int
	template             string
}

// bearerTransport adds a bearer token to every request.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// botContractCalls sets up a bot in a conversation of a session of its own
// (the contract test signs its agent out before the end) and returns a
// call of every operation of openapi/bots.json, in an order that works.
func botContractCalls(t *testing.T, ctx context.Context, ts *apptest.TestServer) []contractCall {
	t.Helper()
	owner, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Bot   struct{ ID string } `json:"bot"`
		Token string              `json:"token"`
	}
	all := []string{}
	for _, sc := range tandem.AllScopes() {
		all = append(all, string(sc))
	}
	if err := owner.Do(ctx, "POST", "/api/v1/bots", map[string]any{"name": "contract", "url": "https://bots.example.com/c", "scopes": all}, &b); err != nil {
		t.Fatal(err)
	}
	var conv struct{ ID string }
	if err := owner.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "group", "name": "Contract"}, &conv); err != nil {
		t.Fatal(err)
	}
	if err := owner.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/members", map[string]any{"account": "bot:" + b.Bot.ID, "granted": all}, nil); err != nil {
		t.Fatal(err)
	}
	var cmd struct{ ID string }
	if err := owner.Do(ctx, "POST", "/api/v1/bots/"+b.Bot.ID+"/commands", map[string]any{"name": "gone"}, &cmd); err != nil {
		t.Fatal(err)
	}
	bot := &http.Client{Transport: bearerTransport{b.Token, ts.API}}
	api := &botapi.Client{BaseURL: ts.URL(), Token: b.Token, HTTP: ts.Client()}
	m, err := api.Post(ctx, conv.ID, botapi.Message{Text: "pick", Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "Go", ActionID: "go"}}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	// A delivery, dead, to retry.
	if err := owner.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/commands", map[string]any{"name": "gone"}, nil); err != nil {
		t.Fatal(err)
	}
	ds, err := ts.Store().ListDeliveries(ctx, store.DeliveryFilter{BotID: b.Bot.ID})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %v %v", ds, err)
	}
	dead := ds[0]
	dead.State, dead.Attempts, dead.DoneAt = tandem.DeliveryDead, 1, dead.CreatedAt
	if err := ts.Store().RecordAttempt(ctx, dead, &tandem.DeliveryAttempt{DeliveryID: dead.ID, N: 1, At: dead.CreatedAt, Error: "refused"}); err != nil {
		t.Fatal(err)
	}
	hooks, err := ts.Store().HooksForBot(ctx, b.Bot.ID)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("hooks %v %v", hooks, err)
	}
	var person struct{ ConversationID, PersonToken string }
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL()+"/api/v1/public/conversations", strings.NewReader(`{"siteKey":"`+ts.Site.Key+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", siteOrigin)
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(res.Body).Decode(&person)
	res.Body.Close()
	if err != nil || person.PersonToken == "" {
		t.Fatalf("open a support conversation: %d %v", res.StatusCode, err)
	}
	people := &http.Client{Transport: bearerTransport{person.PersonToken, ts.API}}

	body := func(s string) io.Reader { return strings.NewReader(s) }
	bots, id, c := "/api/v1/bots", "/api/v1/bots/"+b.Bot.ID, "/api/v1/bot/conversations/"+conv.ID
	o := owner.Client
	return []contractCall{
		{"GET", bots, "", nil, o, 200, "/api/v1/bots"},
		{"POST", bots, "", body(`{"name":"Bad Name","url":"https://x.example","scopes":["messages:read"]}`), o, 400, "/api/v1/bots"},
		{"POST", bots + "/preview", "", body(`{"answer":{"instructions":[{"type":"post","message":{"text":"hi"}}]}}`), o, 200, "/api/v1/bots/preview"},
		{"GET", id, "", nil, o, 200, "/api/v1/bots/{id}"},
		{"PATCH", id, "", body(`{"description":"contract"}`), o, 200, "/api/v1/bots/{id}"},
		{"GET", id + "/commands", "", nil, o, 200, "/api/v1/bots/{id}/commands"},
		{"POST", id + "/commands", "", body(`{"name":"ticket","hint":"[title]"}`), o, 201, "/api/v1/bots/{id}/commands"},
		{"DELETE", id + "/commands/" + cmd.ID, "", nil, o, 204, "/api/v1/bots/{id}/commands/{commandId}"},
		{"GET", id + "/deliveries?state=dead", "", nil, o, 200, "/api/v1/bots/{id}/deliveries"},
		{"GET", id + "/deliveries/" + dead.ID, "", nil, o, 200, "/api/v1/bots/{id}/deliveries/{deliveryId}"},
		{"POST", id + "/deliveries/" + dead.ID + "/retry", "", nil, o, 201, "/api/v1/bots/{id}/deliveries/{deliveryId}/retry"},
		{"GET", "/api/v1/conversations/" + conv.ID + "/commands", "", nil, o, 200, "/api/v1/conversations/{id}/commands"},
		{"POST", "/api/v1/conversations/" + conv.ID + "/commands", "", body(`{"name":"ticket","text":"x"}`), o, 202, "/api/v1/conversations/{id}/commands"},
		{"POST", "/api/v1/conversations/" + conv.ID + "/messages/" + m.ID + "/actions", "", body(`{"buttonId":"` + m.Blocks[0].Buttons[0].ID + `"}`), o, 202,
			"/api/v1/conversations/{id}/messages/{messageId}/actions"},
		{"POST", "/api/v1/public/conversations/" + person.ConversationID + "/messages/nope/actions", siteOrigin, body(`{"buttonId":"b1"}`), people, 404,
			"/api/v1/public/conversations/{id}/messages/{messageId}/actions"},
		{"OPTIONS", "/api/v1/public/conversations/" + person.ConversationID + "/messages/nope/actions", siteOrigin, nil, ts.Client(), 204,
			"/api/v1/public/conversations/{id}/messages/{messageId}/actions"},

		{"GET", "/api/v1/bot/me", "", nil, bot, 200, "/api/v1/bot/me"},
		{"GET", "/api/v1/bot/me", "", nil, o, 401, "/api/v1/bot/me"}, // a cookie is no token
		{"GET", "/api/v1/bot/conversations", "", nil, bot, 200, "/api/v1/bot/conversations"},
		{"POST", "/api/v1/bot/conversations", "", body(`{"name":"Made by a bot"}`), bot, 201, "/api/v1/bot/conversations"},
		{"GET", c, "", nil, bot, 200, "/api/v1/bot/conversations/{id}"},
		{"PATCH", c, "", body(`{"description":"set by a bot"}`), bot, 200, "/api/v1/bot/conversations/{id}"},
		{"GET", c + "/members", "", nil, bot, 200, "/api/v1/bot/conversations/{id}/members"},
		{"POST", c + "/members", "", body(`{"account":"nobody@example.com"}`), bot, 400, "/api/v1/bot/conversations/{id}/members"},
		{"GET", c + "/messages?limit=10", "", nil, bot, 200, "/api/v1/bot/conversations/{id}/messages"},
		{"POST", c + "/messages", "", body(`{"text":"hello"}`), bot, 201, "/api/v1/bot/conversations/{id}/messages"},
		{"PUT", c + "/messages/" + m.ID, "", body(`{"text":"replaced"}`), bot, 200, "/api/v1/bot/conversations/{id}/messages/{messageId}"},
		{"POST", c + "/instructions", "", body(`{"instructions":[{"type":"notice","message":{"text":"x"}}]}`), bot, 403, "/api/v1/bot/conversations/{id}/instructions"},
		{"POST", c + "/instructions", "", body(`{"instructions":[{"type":"post","message":{"text":"x"}}]}`), bot, 200, "/api/v1/bot/conversations/{id}/instructions"},
		{"GET", c + "/assist", "", nil, bot, 200, "/api/v1/bot/conversations/{id}/assist"},
		{"POST", c + "/invites", "", body(`{}`), bot, 400, "/api/v1/bot/conversations/{id}/invites"}, // not a support conversation
		{"POST", c + "/handover", "", body(`{"summary":"x"}`), bot, 400, "/api/v1/bot/conversations/{id}/handover"},
		{"POST", c + "/assist/end", "", nil, bot, 400, "/api/v1/bot/conversations/{id}/assist/end"},

		{"GET", id + "/hooks", "", nil, o, 200, "/api/v1/bots/{id}/hooks"},
		{"DELETE", id + "/hooks/" + hooks[0].ID, "", nil, o, 204, "/api/v1/bots/{id}/hooks/{hookId}"},
		{"POST", id + "/token", "", nil, o, 200, "/api/v1/bots/{id}/token"},
		{"DELETE", id + "/token", "", nil, o, 204, "/api/v1/bots/{id}/token"},
		{"DELETE", id, "", nil, o, 204, "/api/v1/bots/{id}"},
	}
}
