package botapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// liveEvent is an event of the console's conversation channel.
type liveEvent struct {
	Type           string          `json:"type"`
	ConversationID string          `json:"conversationId"`
	Message        *botapi.Message `json:"message"`
	Text           string          `json:"text"`
}

// events follows the agent's conversation channel.
func events(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent) <-chan liveEvent {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/conversations/ws",
		&websocket.DialOptions{HTTPClient: agent.Client})
	if err != nil {
		t.Fatalf("conversation channel: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	out := make(chan liveEvent, 64)
	go func() {
		defer close(out)
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var ev liveEvent
			if json.Unmarshal(data, &ev) == nil {
				out <- ev
			}
		}
	}()
	return out
}

// await returns the first event of type typ that ok accepts.
func await(t *testing.T, ch <-chan liveEvent, typ string, ok func(liveEvent) bool) liveEvent {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, open := <-ch:
			if !open {
				t.Fatalf("the channel closed before a %s event", typ)
			}
			if ev.Type == typ && ok(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}

// A real bot server on 127.0.0.1: mentions reach it signed (checked with
// the standard-webhooks library) and its answers are applied; an answer
// outside its scopes is refused whole and reported back; a button press
// comes back as an action and the answer replaces the message; a command
// with its hint; after revoking, the bot can do nothing.
func TestBotServerEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var secret atomic.Value // the bot's signing secret, once it is made
	secret.Store("")
	got := make(chan botapi.Event, 16)
	next := func() botapi.Event {
		t.Helper()
		select {
		case ev := <-got:
			return ev
		case <-time.After(20 * time.Second):
			t.Fatal("the bot server got nothing")
			return botapi.Event{}
		}
	}
	botSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		wh, err := standardwebhooks.NewWebhook(secret.Load().(string))
		if err != nil || wh.Verify(body, r.Header) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev botapi.Event
		_ = json.Unmarshal(body, &ev)
		if r.Header.Get("webhook-id") != ev.ID {
			http.Error(w, "webhook-id is not the event's id", http.StatusBadRequest)
			return
		}
		var a botapi.Answer
		switch {
		case ev.Type == botapi.EventMention && strings.Contains(ev.Message.Text, "rename"):
			a.Instructions = []botapi.Instruction{
				{Type: botapi.Post, Message: &botapi.Message{Text: "renaming"}},
				{Type: botapi.Rename, Name: "Bot's room"},
			}
		case ev.Type == botapi.EventMention:
			a.Instructions = []botapi.Instruction{{Type: botapi.Post, Message: &botapi.Message{Text: "hello " + ev.From.Name,
				Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "Approve", ActionID: "approve", Value: "42"}}}}}}}
		case ev.Type == botapi.EventAction:
			a.Instructions = []botapi.Instruction{{Type: botapi.Replace, Message: &botapi.Message{Text: "approved " + ev.Action.Value}}}
		case ev.Type == botapi.EventCommand:
			a.Instructions = []botapi.Instruction{{Type: botapi.Notice, Message: &botapi.Message{Text: "ticket: " + ev.Command.Text}}}
		}
		got <- ev
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a)
	}))
	defer botSrv.Close()

	ts := apptest.Start(t, app.Config{WebhookAllow: []string{"127.0.0.1/32"}, WebhookPoll: 50 * time.Millisecond}, "")
	agent, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Bot           struct{ ID string } `json:"bot"`
		Token         string              `json:"token"`
		SigningSecret string              `json:"signingSecret"`
	}
	if err := agent.Do(ctx, "POST", "/api/v1/bots", map[string]any{"name": "helper", "url": botSrv.URL,
		"scopes": []string{"messages:write", "conversations:write"}}, &created); err != nil {
		t.Fatal(err)
	}
	secret.Store(created.SigningSecret)
	if err := agent.Do(ctx, "POST", "/api/v1/bots/"+created.Bot.ID+"/commands", map[string]any{"name": "ticket", "hint": "[title]"}, nil); err != nil {
		t.Fatal(err)
	}
	var conv struct{ ID, Name string }
	if err := agent.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "group", "name": "Ops"}, &conv); err != nil {
		t.Fatal(err)
	}
	// Authorised with messages:write only.
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/members",
		map[string]any{"account": "bot:" + created.Bot.ID, "granted": []string{"messages:write"}}, nil); err != nil {
		t.Fatal(err)
	}
	live := events(t, ctx, ts, agent)
	post := func(text string) {
		t.Helper()
		if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": text}, nil); err != nil {
			t.Fatal(err)
		}
		ts.KickWebhooks()
	}
	fromBot := func(ev liveEvent) bool {
		return ev.Message != nil && ev.Message.Author != nil && ev.Message.Author.Account == "bot:"+created.Bot.ID
	}

	// Mention → signed request → the answer is posted.
	post("@helper hi")
	if ev := next(); ev.Type != botapi.EventMention || ev.From.Name != "Alex" {
		t.Fatalf("bot got %+v", ev)
	}
	m := await(t, live, "message", fromBot).Message
	if m.Text != "hello Alex" || len(m.Blocks) != 1 || m.Blocks[0].Buttons[0].Value != "" {
		t.Fatalf("the bot's message as members see it: %+v", m)
	}

	// Outside its scopes: refused whole, reported, the conversation unchanged.
	post("@helper rename please")
	if ev := next(); ev.Type != botapi.EventMention {
		t.Fatalf("bot got %+v", ev)
	}
	ts.KickWebhooks()
	refused := next()
	if refused.Type != botapi.EventRefused || len(refused.Refused.Refused) != 1 || refused.Refused.Refused[0].Scope != "conversations:write" {
		t.Fatalf("refusal %+v", refused)
	}
	var detail struct {
		Conversation struct{ Name string } `json:"conversation"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+conv.ID, nil, &detail); err != nil || detail.Conversation.Name != "Ops" {
		t.Fatalf("conversation after a refused answer: %+v %v", detail, err)
	}
	var history struct {
		Messages []botapi.Message `json:"messages"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+conv.ID+"/messages", nil, &history); err != nil {
		t.Fatal(err)
	}
	for _, hm := range history.Messages {
		if hm.Text == "renaming" {
			t.Fatal("half of a refused answer was applied")
		}
	}

	// The button: the press reaches the bot, its answer replaces the message.
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/messages/"+m.ID+"/actions",
		map[string]any{"buttonId": m.Blocks[0].Buttons[0].ID}, nil); err != nil {
		t.Fatal(err)
	}
	ts.KickWebhooks()
	if ev := next(); ev.Type != botapi.EventAction || ev.Action.Value != "42" || ev.Action.ActionID != "approve" {
		t.Fatalf("action %+v", ev)
	}
	if ev := await(t, live, "message.replaced", fromBot); ev.Message.ID != m.ID || ev.Message.Text != "approved 42" {
		t.Fatalf("replaced %+v", ev.Message)
	}

	// The command, with its hint; the answer is a notice to who ran it.
	var cmds struct {
		Commands []struct{ Name, Hint string } `json:"commands"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+conv.ID+"/commands", nil, &cmds); err != nil || len(cmds.Commands) != 1 || cmds.Commands[0].Hint != "[title]" {
		t.Fatalf("commands %+v %v", cmds, err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/commands", map[string]any{"name": "ticket", "text": "printer on fire"}, nil); err != nil {
		t.Fatal(err)
	}
	ts.KickWebhooks()
	if ev := next(); ev.Type != botapi.EventCommand || ev.Command.Text != "printer on fire" {
		t.Fatalf("command %+v", ev)
	}
	await(t, live, "notice", func(ev liveEvent) bool { return ev.Text == "ticket: printer on fire" })

	// Revoked: the next instruction is refused.
	if err := agent.Do(ctx, "DELETE", "/api/v1/bots/"+created.Bot.ID+"/token", nil, nil); err != nil {
		t.Fatal(err)
	}
	c := &botapi.Client{BaseURL: ts.URL(), Token: created.Token, HTTP: ts.Client()}
	if _, err := c.Instruct(ctx, conv.ID, botapi.Instruction{Type: botapi.Post, Message: &botapi.Message{Text: "still here"}}); apiErr(err) == nil || apiErr(err).Status != 401 {
		t.Fatalf("instruction after revoke: %v", err)
	}
}
