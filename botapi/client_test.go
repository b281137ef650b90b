package botapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
)

func apiErr(err error) *botapi.APIError {
	var e *botapi.APIError
	errors.As(err, &e)
	return e
}

// The client against a real server: the bot's power is its token's scopes
// ∩ what the agent granted, answers apply whole or not at all, and a
// revoked token stops the next call.
func TestClientAgainstTandem(t *testing.T) {
	ts := apptest.Start(t, app.Config{}, "https://shop.example.com")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	agent, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Bot   struct{ ID string } `json:"bot"`
		Token string              `json:"token"`
	}
	scopes := []string{"messages:read", "messages:write", "conversations:write", "members:read"}
	if err := agent.Do(ctx, "POST", "/api/v1/bots", map[string]any{"name": "helper", "url": "https://bots.example.com/h", "scopes": scopes}, &created); err != nil {
		t.Fatal(err)
	}
	var conv struct{ ID, Name string }
	if err := agent.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "group", "name": "Ops"}, &conv); err != nil {
		t.Fatal(err)
	}
	// The agent grants less than the bot asks for: no conversations:write.
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/members",
		map[string]any{"account": "bot:" + created.Bot.ID, "granted": []string{"messages:read", "messages:write", "members:read"}}, nil); err != nil {
		t.Fatal(err)
	}
	c := &botapi.Client{BaseURL: ts.URL(), Token: created.Token, HTTP: ts.Client()}

	me, err := c.Me(ctx)
	if err != nil || me.Bot.Name != "helper" || me.TokenID == "" {
		t.Fatalf("me %+v %v", me, err)
	}
	list, _, err := c.Conversations(ctx, "", 10)
	if err != nil || len(list) != 1 || list[0].ID != conv.ID {
		t.Fatalf("conversations %+v %v", list, err)
	}
	_, eff, err := c.Conversation(ctx, conv.ID)
	if err != nil || len(eff) != 3 {
		t.Fatalf("effective scopes %v %v", eff, err)
	}
	members, err := c.Members(ctx, conv.ID)
	if err != nil || len(members) != 2 {
		t.Fatalf("members %+v %v", members, err)
	}
	m, err := c.Post(ctx, conv.ID, botapi.Message{Text: "hello"}, "once")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.Post(ctx, conv.ID, botapi.Message{Text: "hello"}, "once"); err != nil || again.ID != m.ID {
		t.Fatalf("repeated clientId: %+v %v", again, err)
	}
	if _, err := c.Replace(ctx, conv.ID, m.ID, botapi.Message{Text: "hello again"}); err != nil {
		t.Fatal(err)
	}

	// A scope the token has but the agent did not grant.
	name := "Renamed"
	_, err = c.UpdateConversation(ctx, conv.ID, botapi.Info{Name: &name})
	if e := apiErr(err); e == nil || e.Status != 403 || e.Code != "forbidden" {
		t.Fatalf("rename without the grant: %v", err)
	}
	// All or nothing: the post is not applied because the rename is refused.
	_, err = c.Instruct(ctx, conv.ID,
		botapi.Instruction{Type: botapi.Post, Message: &botapi.Message{Text: "should not appear"}},
		botapi.Instruction{Type: botapi.Rename, Name: "Renamed"},
	)
	e := apiErr(err)
	if e == nil || e.Status != 403 || len(e.Refused) != 1 || e.Refused[0].Index != 1 || e.Refused[0].Scope != "conversations:write" {
		t.Fatalf("refused answer: %v %+v", err, e)
	}
	msgs, _, err := c.Messages(ctx, conv.ID, 0, 0, 50)
	if err != nil || len(msgs) != 1 || msgs[0].Text != "hello again" {
		t.Fatalf("messages after a refused answer: %+v %v", msgs, err)
	}
	got, _, _ := c.Conversation(ctx, conv.ID)
	if got.Name != "Ops" {
		t.Fatalf("conversation renamed to %q", got.Name)
	}
	if n, err := c.Instruct(ctx, conv.ID, botapi.Instruction{Type: botapi.Post, Message: &botapi.Message{Text: "applied"}}); err != nil || n != 1 {
		t.Fatalf("instruct: %d %v", n, err)
	}
	// A notice answers events only.
	if _, err := c.Instruct(ctx, conv.ID, botapi.Instruction{Type: botapi.Notice, Message: &botapi.Message{Text: "x"}}); apiErr(err) == nil {
		t.Fatal("a notice outside an answer was applied")
	}

	// Revoked: the next call is refused.
	if err := agent.Do(ctx, "DELETE", "/api/v1/bots/"+created.Bot.ID+"/token", nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = c.Post(ctx, conv.ID, botapi.Message{Text: "after revoke"}, "")
	if e := apiErr(err); e == nil || e.Status != 401 {
		t.Fatalf("post after revoke: %v", err)
	}
}
