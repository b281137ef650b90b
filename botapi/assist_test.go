package botapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
)

const shop = "https://shop.example.com"

// personCall calls the people's API from a page of the shop.
func personCall(t *testing.T, ctx context.Context, c *http.Client, method, url, token string, in, out any) int {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		_ = json.NewEncoder(&body).Encode(in)
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, &body)
	req.Header.Set("Origin", shop)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode
}

// A triage bot drives the assist of a person's support conversation
// through the API: it offers its buttons, the person presses one, the bot
// posts an invite, the person's redemption waits for an agent, the bot
// reads it, hands over and ends it.
func TestClientDrivesAssist(t *testing.T) {
	ts := apptest.Start(t, app.Config{}, shop)
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
	if err := agent.Do(ctx, "POST", "/api/v1/bots", map[string]any{"name": "triage", "url": "https://bots.example.com/t",
		"scopes": []string{"messages:write", "assist:read", "assist:invite", "assist:handover", "assist:end", "conversations:create", "members:write"}}, &created); err != nil {
		t.Fatal(err)
	}
	ts.Site.TriageBotID = created.Bot.ID
	if err := ts.Store().UpdateSite(ctx, ts.Site); err != nil {
		t.Fatal(err)
	}
	hc := ts.Client()
	var opened struct{ ConversationID, PersonToken string }
	if code := personCall(t, ctx, hc, "POST", ts.URL()+"/api/v1/public/conversations", "", map[string]any{"siteKey": ts.Site.Key}, &opened); code != 201 {
		t.Fatalf("open support: %d", code)
	}
	bot := &botapi.Client{BaseURL: ts.URL(), Token: created.Token, HTTP: hc}
	conv := opened.ConversationID
	if a, err := bot.Assist(ctx, conv); err != nil || a != nil {
		t.Fatalf("assist before any: %+v %v", a, err)
	}

	// A button the person presses, through the people's route.
	m, err := bot.Post(ctx, conv, botapi.Message{Text: "Hello!", Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
		{Label: "Share my screen", ActionID: "share"}}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	press := ts.URL() + "/api/v1/public/conversations/" + conv + "/messages/" + m.ID + "/actions"
	if code := personCall(t, ctx, hc, "POST", press, "wrong", map[string]any{"buttonId": m.Blocks[0].Buttons[0].ID}, nil); code != 401 {
		t.Fatalf("press with a wrong token: %d", code)
	}
	if code := personCall(t, ctx, hc, "POST", press, opened.PersonToken, map[string]any{"buttonId": m.Blocks[0].Buttons[0].ID}, nil); code != 202 {
		t.Fatalf("press: %d", code)
	}

	inv, err := bot.Invite(ctx, conv, "Share my screen with support")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(inv.URL, shop+"/#tandem-invite=") || inv.Code == "" || inv.MessageID == "" {
		t.Fatalf("invite %+v", inv)
	}
	var started struct{ AssistID string }
	token := inv.URL[strings.Index(inv.URL, "=")+1:]
	if code := personCall(t, ctx, hc, "POST", ts.URL()+"/api/v1/public/invites/redeem", "", map[string]any{
		"siteKey": ts.Site.Key, "pageId": "p1", "url": shop + "/cart", "token": token,
		"conversationId": conv, "conversationToken": opened.PersonToken,
	}, &started); code != 201 && code != 200 {
		t.Fatalf("redeem: %d", code)
	}
	a, err := bot.Assist(ctx, conv)
	if err != nil || a == nil || a.ID != started.AssistID || a.State != "waiting" || a.PageURL != shop+"/cart" {
		t.Fatalf("assist %+v %v", a, err)
	}
	c, err := bot.Handover(ctx, conv, "wants to show the cart")
	if err != nil || !c.Queued || c.Summary != "wants to show the cart" {
		t.Fatalf("handover %+v %v", c, err)
	}
	ended, err := bot.EndAssist(ctx, conv)
	if err != nil || ended.State != "ended" {
		t.Fatalf("end %+v %v", ended, err)
	}
	var detail struct {
		Audit []struct{ Actor, Action, Detail string } `json:"audit"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+a.ID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range detail.Audit {
		if e.Actor == "bot:"+created.Bot.ID && strings.HasPrefix(e.Detail, "token ") {
			seen[e.Action] = true
		}
	}
	if !seen["bot.read"] || !seen["bot.handover"] || !seen["bot.end"] {
		t.Fatalf("audit %+v", detail.Audit)
	}

	// A group conversation the bot starts, and a member it adds.
	g, err := bot.CreateConversation(ctx, botapi.NewConversation{Name: "Escalations", Members: []string{ts.AgentEmail},
		Message: &botapi.Message{Text: "opened"}})
	if err != nil || g.Name != "Escalations" {
		t.Fatalf("create %+v %v", g, err)
	}
	var history struct {
		Messages []botapi.Message `json:"messages"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+g.ID+"/messages", nil, &history); err != nil || len(history.Messages) != 1 {
		t.Fatalf("the agent member sees %+v %v", history, err)
	}
	if _, err := bot.AddMember(ctx, g.ID, "nobody@example.com"); err == nil {
		t.Fatal("added an unknown user")
	}
}
