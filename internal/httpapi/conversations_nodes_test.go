package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/natstest"
)

// Two nodes on one store and a NATS bus: a message an agent posts on node
// A reaches the WebSocket another agent opened on node B, and a person's
// message on B reaches the queue of an agent on A.
func TestConversationAcrossNodes(t *testing.T) {
	nodes := apptest.StartNodes(t, 2, app.Config{BusURL: natstest.URL(t)}, siteOrigin)
	a, b := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	alex, err := a.Login(ctx, a.AgentEmail, a.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	samEmail, samPw := a.AddAgent(t, "sam@example.com", "Sam")
	sam, err := b.Login(ctx, samEmail, samPw)
	if err != nil {
		t.Fatal(err)
	}
	samWS := agentEvents(t, ctx, b, sam)
	alexWS := agentEvents(t, ctx, a, alex)
	var c struct{ ID string }
	if err := alex.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "direct", "members": []string{"user:" + me(t, ctx, sam)}}, &c); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, ctx, samWS, "conversation"); ev.Conversation == nil || ev.Conversation.ID != c.ID {
		t.Fatalf("node b got %+v", ev)
	}
	if err := alex.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/messages", map[string]any{"text": "from node a"}, nil); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, ctx, samWS, "message"); ev.Message.Text != "from node a" || ev.Message.Author.Name != "Alex" {
		t.Fatalf("node b got %+v", ev.Message)
	}
	// A person on node B: the agent on node A sees the queue live.
	p := openChat(t, ctx, b)
	if _, err := p.call(ctx, "POST", "/api/v1/public/conversations/"+p.id+"/messages", map[string]any{"text": "anyone?"}, nil); err != nil {
		t.Fatal(err)
	}
	for {
		ev := readEvent(t, ctx, alexWS, "message")
		if ev.ConversationID == p.id {
			if ev.Message.Text != "anyone?" {
				t.Fatalf("node a got %+v", ev.Message)
			}
			break
		}
	}
	// The person's socket on node A hears the agent who takes it on B.
	pws, _, err := websocket.Dial(ctx, strings.Replace(a.URL(), "http", "ws", 1)+"/api/v1/public/conversations/"+p.id+"/ws?token="+p.token,
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {siteOrigin}}})
	if err != nil {
		t.Fatal(err)
	}
	defer pws.CloseNow()
	if err := sam.Do(ctx, "POST", "/api/v1/conversations/"+p.id+"/take", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := sam.Do(ctx, "POST", "/api/v1/conversations/"+p.id+"/messages", map[string]any{"text": "Sam here"}, nil); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, ctx, pws, "message"); ev.Message.Text != "Sam here" {
		t.Fatalf("the person on node a got %+v", ev.Message)
	}
}
