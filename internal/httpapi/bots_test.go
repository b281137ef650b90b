package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

type botCreated struct {
	Bot struct {
		ID            string   `json:"id"`
		Name          string   `json:"name"`
		URL           string   `json:"url"`
		Scopes        []string `json:"scopes"`
		SigningSecret string   `json:"signingSecret"`
	} `json:"bot"`
	Token         string `json:"token"`
	SigningSecret string `json:"signingSecret"`
}

// makeBot creates a bot as agent, and a group conversation of agent's with
// the bot in it, granted granted.
func makeBot(t *testing.T, ctx context.Context, agent *simclient.Agent, name string, scopes, granted []string) (botCreated, string) {
	t.Helper()
	var b botCreated
	if err := agent.Do(ctx, "POST", "/api/v1/bots", map[string]any{"name": name, "url": "https://bots.example.com/" + name, "scopes": scopes}, &b); err != nil {
		t.Fatalf("create bot: %v", err)
	}
	var c struct {
		ID string `json:"id"`
	}
	if err := agent.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "group", "name": "Ops"}, &c); err != nil {
		t.Fatalf("create conversation: %v", err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/members", map[string]any{"account": "bot:" + b.Bot.ID, "granted": granted}, nil); err != nil {
		t.Fatalf("add bot: %v", err)
	}
	return b, c.ID
}

func TestBotsManagement(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	email, pw := ts.AddAgent(t, "sam@example.com", "Sam")
	sam, err := ts.Login(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	b, conv := makeBot(t, ctx, agent, "triage", []string{"messages:write", "messages:read"}, []string{"messages:write"})
	if !strings.HasPrefix(b.Token, "tdb_") || !strings.HasPrefix(b.SigningSecret, "whsec_") || b.Bot.URL == "" {
		t.Fatalf("created %+v", b)
	}
	for _, bad := range []map[string]any{
		{"name": "Bad Name", "url": "https://x.example", "scopes": []string{"messages:read"}},
		{"name": "ok", "url": "https://x.example", "scopes": []string{"root"}},
		{"name": "ok", "url": "file:///etc/passwd", "scopes": []string{"messages:read"}},
		{"name": "triage", "url": "https://x.example", "scopes": []string{"messages:read"}},
	} {
		if err := agent.Do(ctx, "POST", "/api/v1/bots", bad, nil); apiCode(err) != "invalid" && apiCode(err) != "conflict" {
			t.Fatalf("bad bot %v: %v", bad, err)
		}
	}
	// Others see the public fields only.
	var public map[string]any
	if err := sam.Do(ctx, "GET", "/api/v1/bots/"+b.Bot.ID, nil, &public); err != nil {
		t.Fatal(err)
	}
	if _, ok := public["url"]; ok || public["signingSecret"] != nil || public["name"] != "triage" {
		t.Fatalf("another agent sees %v", public)
	}
	if err := sam.Do(ctx, "PATCH", "/api/v1/bots/"+b.Bot.ID, map[string]any{"description": "mine now"}, nil); apiCode(err) != "forbidden" {
		t.Fatalf("another agent changes it: %v", err)
	}
	var lists struct {
		Mine, InMyConversations, Recommended []map[string]any
	}
	if err := agent.Do(ctx, "GET", "/api/v1/bots", nil, &lists); err != nil || len(lists.Mine) != 1 || len(lists.InMyConversations) != 1 {
		t.Fatalf("lists %+v %v", lists, err)
	}

	// Commands, listed where the bot is, with their hints.
	if err := agent.Do(ctx, "POST", "/api/v1/bots/"+b.Bot.ID+"/commands", map[string]any{"name": "ticket", "description": "open a ticket", "hint": "[title]"}, nil); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Commands []struct{ Name, Hint, BotName string } `json:"commands"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+conv+"/commands", nil, &list); err != nil || len(list.Commands) != 1 || list.Commands[0].Hint != "[title]" {
		t.Fatalf("commands %+v %v", list, err)
	}
	if err := sam.Do(ctx, "GET", "/api/v1/conversations/"+conv+"/commands", nil, nil); apiCode(err) != "not_found" {
		t.Fatalf("a non-member lists commands: %v", err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv+"/commands", map[string]any{"name": "ticket", "text": "printer"}, nil); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Deliveries []struct{ ID, Kind, State string } `json:"deliveries"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/bots/"+b.Bot.ID+"/deliveries", nil, &log); err != nil || len(log.Deliveries) != 1 || log.Deliveries[0].Kind != "command" {
		t.Fatalf("deliveries %+v %v", log, err)
	}
	var one map[string]any
	if err := agent.Do(ctx, "GET", "/api/v1/bots/"+b.Bot.ID+"/deliveries/"+log.Deliveries[0].ID, nil, &one); err != nil {
		t.Fatal(err)
	}
	if p, _ := one["payload"].(map[string]any); p["type"] != "command" || p["id"] != log.Deliveries[0].ID {
		t.Fatalf("delivery %v", one)
	}

	// The webhook URL; deleting the webhook removes the bot.
	var hooks struct {
		Hooks []struct{ ID, URL string } `json:"hooks"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/bots/"+b.Bot.ID+"/hooks", nil, &hooks); err != nil || len(hooks.Hooks) != 1 ||
		!strings.HasPrefix(hooks.Hooks[0].URL, ts.URL()+"/hooks/") {
		t.Fatalf("hooks %+v %v", hooks, err)
	}
	if err := agent.Do(ctx, "DELETE", "/api/v1/bots/"+b.Bot.ID+"/hooks/"+hooks.Hooks[0].ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	var after struct {
		Commands []any `json:"commands"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+conv+"/commands", nil, &after); err != nil || len(after.Commands) != 0 {
		t.Fatalf("commands after the bot left: %+v %v", after, err)
	}

	// A new token, then the bot's deletion.
	var tok struct{ Token, TokenID string }
	if err := agent.Do(ctx, "POST", "/api/v1/bots/"+b.Bot.ID+"/token", nil, &tok); err != nil || tok.Token == b.Token || !strings.HasPrefix(tok.Token, "tdb_") {
		t.Fatalf("new token %+v %v", tok, err)
	}
	if err := agent.Do(ctx, "DELETE", "/api/v1/bots/"+b.Bot.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := agent.Do(ctx, "GET", "/api/v1/bots/"+b.Bot.ID, nil, nil); apiCode(err) != "not_found" {
		t.Fatalf("deleted bot: %v", err)
	}
}

// A press of a callback button reaches the bot as an action, with what the
// server kept; the client sends only the button's id.
func TestPressAndPreview(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	b, conv := makeBot(t, ctx, agent, "helper", []string{"messages:write"}, []string{"messages:write"})
	bot := &botapi.Client{BaseURL: ts.URL(), Token: b.Token, HTTP: ts.Client()}
	m, err := bot.Post(ctx, conv, botapi.Message{Text: "pick", Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
		{Label: "Yes", ActionID: "yes", Value: "secret-value"}}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	// Members see the button without its action and value.
	var history struct {
		Messages []botapi.Message `json:"messages"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+conv+"/messages", nil, &history); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(history)
	if strings.Contains(string(raw), "secret-value") {
		t.Fatalf("a member sees the button's value: %s", raw)
	}
	btn := m.Blocks[0].Buttons[0].ID
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv+"/messages/"+m.ID+"/actions", map[string]any{"buttonId": "nope"}, nil); apiCode(err) != "not_found" {
		t.Fatalf("no such button: %v", err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv+"/messages/"+m.ID+"/actions", map[string]any{"buttonId": btn}, nil); err != nil {
		t.Fatal(err)
	}
	var one struct {
		Payload botapi.Event `json:"payload"`
	}
	var log struct {
		Deliveries []struct{ ID string } `json:"deliveries"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/bots/"+b.Bot.ID+"/deliveries?state=pending", nil, &log); err != nil || len(log.Deliveries) != 1 {
		t.Fatalf("deliveries %+v %v", log, err)
	}
	if err := agent.Do(ctx, "GET", "/api/v1/bots/"+b.Bot.ID+"/deliveries/"+log.Deliveries[0].ID, nil, &one); err != nil {
		t.Fatal(err)
	}
	if a := one.Payload.Action; a == nil || a.Value != "secret-value" || a.ActionID != "yes" || one.Payload.From.Name != "Alex" {
		t.Fatalf("action event %+v", one.Payload)
	}

	var preview struct {
		Messages []botapi.Message `json:"messages"`
		Errors   []botapi.Refused `json:"errors"`
	}
	answer := botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Post, Message: &botapi.Message{Text: "hello"}},
		{Type: botapi.Post, Message: &botapi.Message{Blocks: []botapi.Block{{Type: "marquee"}}}},
	}}
	if err := agent.Do(ctx, "POST", "/api/v1/bots/preview", map[string]any{"answer": answer}, &preview); err != nil {
		t.Fatal(err)
	}
	if len(preview.Messages) != 1 || preview.Messages[0].Text != "hello" || len(preview.Errors) != 1 || preview.Errors[0].Index != 1 {
		t.Fatalf("preview %+v", preview)
	}
}

// The bot API takes the bot's token only: no cookie, no other token.
func TestBotAPIAuth(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	b, _ := makeBot(t, ctx, agent, "helper", []string{"messages:write"}, []string{"messages:write"})
	for _, auth := range []string{"", "Bearer ", "Bearer tdb_nope", "Basic " + b.Token, "Bearer " + b.Token + "x"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL()+"/api/v1/bot/me", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := agent.Client.Do(req) // with the agent's cookie
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("Authorization %q: %d", auth, res.StatusCode)
		}
	}
}
