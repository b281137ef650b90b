package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/natstest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/simclient"
)

// TestConsoleChannelsCloseWithTheSessionAcrossNodes: two nodes on one
// store (TANDEM_TEST_BACKENDS) and one NATS bus. An agent's console channels on one node, the live
// channel of an assist the other node owns (forwarded to it) and the
// conversations channel, close with CloseBadToken when the session ends
// on the other node: by signing out there, or by an admin there disabling
// the agent. The channels of another agent stay open.
func TestConsoleChannelsCloseWithTheSessionAcrossNodes(t *testing.T) {
	nodes := apptest.StartNodes(t, 2, app.Config{SessionRecheck: 50 * time.Millisecond, BusURL: natstest.URL(t)}, origin)
	a, b := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	hash, err := password.HashWith(password.TestParams(), "admin password ok")
	if err != nil {
		t.Fatal(err)
	}
	ada := &tandem.User{Email: "ada@example.com", Name: "Ada", PasswordHash: hash, Role: tandem.RoleAdmin}
	if err := a.Store().CreateUser(ctx, ada); err != nil {
		t.Fatal(err)
	}
	admin, err := a.Login(ctx, ada.Email, "admin password ok")
	if err != nil {
		t.Fatal(err)
	}
	// Alex keeps a conversations channel open on each node throughout.
	alexA, err := a.Login(ctx, a.AgentEmail, a.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	keptA := agentEvents(t, ctx, a, alexA)
	alexB, err := b.Login(ctx, b.AgentEmail, b.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	keptB := agentEvents(t, ctx, b, alexB)

	t.Run("signed out on the owner", func(t *testing.T) {
		email, pw := a.AddAgent(t, "kim@example.com", "Kim")
		kim, err := a.Login(ctx, email, pw)
		if err != nil {
			t.Fatal(err)
		}
		live, conv := openAcross(t, ctx, kim, a, b)
		// The same session, signed out through node B.
		onB := &simclient.Agent{Base: b.URL(), Client: kim.Client}
		if err := onB.Do(ctx, "POST", "/api/v1/logout", nil, nil); err != nil {
			t.Fatalf("sign out on node B: %v", err)
		}
		waitClosed(t, ctx, "the forwarded live channel on node A", live)
		waitClosed(t, ctx, "the conversations channel on node A", conv)
	})

	t.Run("disabled on the other node", func(t *testing.T) {
		email, pw := a.AddAgent(t, "sam@example.com", "Sam")
		sam, err := b.Login(ctx, email, pw)
		if err != nil {
			t.Fatal(err)
		}
		live, conv := openAcross(t, ctx, sam, b, a)
		if err := admin.Do(ctx, "PATCH", "/api/v1/admin/agents/"+me(t, ctx, sam), map[string]any{"disabled": true}, nil); err != nil {
			t.Fatalf("disable on node A: %v", err)
		}
		waitClosed(t, ctx, "the forwarded live channel on node B", live)
		waitClosed(t, ctx, "the conversations channel on node B", conv)
	})

	// Alex's channels were not closed: a message posted to Alex arrives
	// on both nodes.
	var c struct{ ID string }
	if err := admin.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "direct", "members": []string{"user:" + me(t, ctx, alexA)}}, &c); err != nil {
		t.Fatal(err)
	}
	for name, ws := range map[string]*websocket.Conn{"node A": keptA, "node B": keptB} {
		waitConversation(t, ctx, name, ws, c.ID)
	}
}

// openAcross has agent, signed in on node here, take the help request of
// a person on node owner, and returns the agent's live channel of that
// assist (opened on here, served by owner) and conversations channel on
// here.
func openAcross(t *testing.T, ctx context.Context, agent *simclient.Agent, here, owner *apptest.TestServer) (live, conv *websocket.Conn) {
	t.Helper()
	p := owner.Person(origin)
	if err := p.RequestHelp(ctx, origin+"/cart"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.WS.CloseNow() })
	if l, err := owner.Store().LeaseOf(ctx, p.AssistID); err != nil || l.NodeURL != owner.URL() || !l.Live() {
		t.Fatalf("the assist's lease is %+v, %v; want the owner's (%s)", l, err, owner.URL())
	}
	if err := agent.Accept(ctx, p.AssistID); err != nil {
		t.Fatal(err)
	}
	if err := p.Allow(ctx); err != nil {
		t.Fatal(err)
	}
	live, err := agent.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.CloseNow() })
	if agent.Base != here.URL() {
		t.Fatalf("the agent's channels are on %s, want %s", agent.Base, here.URL())
	}
	return live, agentEvents(t, ctx, here, agent)
}

// waitClosed reads ws until it ends, and fails unless it ended with
// CloseBadToken within a few seconds (the sessions are rechecked every
// 50 ms).
func waitClosed(t *testing.T, ctx context.Context, what string, ws *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue // a frame sent before the session ended
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || int(ce.Code) != protocol.CloseBadToken {
			t.Fatalf("%s ended with %v, want close %d", what, err, protocol.CloseBadToken)
		}
		return
	}
}

// agentEvents opens agent's conversations channel on node ts.
func agentEvents(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/conversations/ws",
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {ts.URL()}}})
	if err != nil {
		t.Fatalf("conversations channel: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// waitConversation reads a conversations channel until it tells of
// conversation id.
func waitConversation(t *testing.T, ctx context.Context, name string, ws *websocket.Conn, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("another agent's conversations channel on %s, waiting for conversation %s: %v", name, id, err)
		}
		var ev struct {
			Type         string
			Conversation *struct{ ID string }
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "conversation" && ev.Conversation != nil && ev.Conversation.ID == id {
			return
		}
	}
}

// me returns the id of the agent's user.
func me(t *testing.T, ctx context.Context, a *simclient.Agent) string {
	t.Helper()
	var u struct{ User struct{ ID string } }
	if err := a.Do(ctx, "GET", "/api/v1/me", nil, &u); err != nil {
		t.Fatal(err)
	}
	return u.User.ID
}
