package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/store"
)

// availQueue is what the tests here read of a queue frame.
type availQueue struct {
	AgentsAvailable int                  `json:"agentsAvailable"`
	LeftMessages    map[string]time.Time `json:"leftMessages"`
}

func dialQueue(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/queue/ws",
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {ts.URL()}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// readAvailQueue reads queue frames until one satisfies ok.
func readAvailQueue(t *testing.T, ctx context.Context, ws *websocket.Conn, ok func(availQueue) bool) availQueue {
	t.Helper()
	for {
		_, body, err := simclient.ReadUntil(ctx, ws, "queue")
		if err != nil {
			t.Fatal(err)
		}
		var f availQueue
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatalf("queue frame %s: %v", body, err)
		}
		if ok(f) {
			return f
		}
	}
}

// helpRequest files a help request as the SDK does and returns the answer.
func helpRequest(t *testing.T, ctx context.Context, ts *apptest.TestServer) map[string]any {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"siteKey": ts.Site.Key, "pageId": "p1", "url": siteOrigin + "/cart"})
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL()+"/api/v1/public/help-requests", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", siteOrigin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("help request: %d %v %v", resp.StatusCode, out, err)
	}
	return out
}

// An agent sets themselves available and away: the queue of every agent
// counts them, and people asking for help are told.
func TestAvailability(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := dialQueue(t, ctx, ts, agent)
	readAvailQueue(t, ctx, ws, func(f availQueue) bool { return f.AgentsAvailable == 0 })

	type avail struct {
		Available       *bool `json:"available"`
		AgentsAvailable int   `json:"agentsAvailable"`
	}
	var got avail
	if err := agent.Do(ctx, "GET", "/api/v1/me/availability", nil, &got); err != nil || got.Available == nil || *got.Available || got.AgentsAvailable != 0 {
		t.Fatalf("a new agent: %+v, %v; want away", got, err)
	}
	if r := helpRequest(t, ctx, ts); r["agentsAvailable"] != 0.0 || r["pickupTimeoutMs"] != float64(store.DefaultPickupTimeout.Milliseconds()) {
		t.Errorf("help request with no one available = %v", r)
	}
	for _, c := range []struct {
		name string
		body any
		code string
		want int
	}{
		{"available", map[string]any{"available": true}, "", 1},
		{"missing", map[string]any{}, "invalid", 1},
		{"not a boolean", map[string]any{"available": "yes"}, "invalid", 1},
		{"away", map[string]any{"available": false}, "", 0},
		{"available again", map[string]any{"available": true}, "", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got avail
			err := agent.Do(ctx, "PUT", "/api/v1/me/availability", c.body, &got)
			if apiCode(err) != c.code {
				t.Fatalf("PUT: %v, want code %q", err, c.code)
			}
			if c.code != "" {
				return
			}
			if got.AgentsAvailable != c.want || *got.Available != (c.want == 1) {
				t.Errorf("PUT = %+v, want %d available", got, c.want)
			}
			readAvailQueue(t, ctx, ws, func(f availQueue) bool { return f.AgentsAvailable == c.want })
		})
	}
	if r := helpRequest(t, ctx, ts); r["agentsAvailable"] != 1.0 {
		t.Errorf("help request with an agent available = %v", r)
	}
}

// Admins set a site's pick-up time; agents read it; bad values change
// nothing.
func TestPickupTimeout(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx := context.Background()
	admin := newAdmin(t, ctx, ts, "ada@example.com")
	path := "/api/v1/sites/" + ts.Site.ID + "/pickup-timeout"
	type body struct {
		Seconds *int64 `json:"seconds"`
	}
	n := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		name string
		who  *simclient.Agent
		path string
		in   any
		code string
		want int64
	}{
		{"admin sets 45s", admin, path, body{n(45)}, "", 45},
		{"an agent", agent, path, body{n(10)}, "forbidden", 45},
		{"negative", admin, path, body{n(-1)}, "invalid", 45},
		{"over a day", admin, path, body{n(86401)}, "invalid", 45},
		{"huge", admin, path, body{n(1 << 62)}, "invalid", 45},
		{"missing", admin, path, map[string]any{}, "invalid", 45},
		{"unknown site", admin, "/api/v1/sites/nope/pickup-timeout", body{n(5)}, "not_found", 45},
		{"never", admin, path, body{n(0)}, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.who.Do(ctx, "PUT", c.path, c.in, nil)
			if apiCode(err) != c.code {
				t.Fatalf("PUT: %v, want code %q", err, c.code)
			}
			var got body
			if err := agent.Do(ctx, "GET", path, nil, &got); err != nil || *got.Seconds != c.want {
				t.Fatalf("GET = %v, %v; want %d", got.Seconds, err, c.want)
			}
		})
	}
	if err := agent.Do(ctx, "GET", "/api/v1/sites/nope/pickup-timeout", nil, nil); apiCode(err) != "not_found" {
		t.Errorf("GET of no site: %v", err)
	}
	if r := helpRequest(t, ctx, ts); r["pickupTimeoutMs"] != 0.0 {
		t.Errorf("help request after never: %v", r)
	}
}

// A person whose request waits leaves a message: it is in the assist's
// conversation, and the queue marks the request; refused attempts change
// nothing.
func TestLeaveMessage(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := dialQueue(t, ctx, ts, agent)
	p := newPerson(ts)
	if err := p.RequestHelp(ctx, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name   string
		person simclient.Person
		text   string
		code   string
	}{
		{"empty", *p, " ", "invalid"},
		{"too long", *p, strings.Repeat("x", 4001), "invalid"},
		{"wrong token", simclient.Person{Base: p.Base, Origin: p.Origin, AssistID: p.AssistID, Token: "nope"}, "hi", "unauthorized"},
		{"foreign origin", simclient.Person{Base: p.Base, Origin: "https://evil.example", AssistID: p.AssistID, Token: p.Token}, "hi", "not_allowed"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			if err := c.person.LeaveMessage(ctx, c.text); apiCode(err) != c.code {
				t.Fatalf("LeaveMessage: %v, want %s", err, c.code)
			}
		})
	}
	if err := p.LeaveMessage(ctx, "Please call me back at 5"); err != nil {
		t.Fatal(err)
	}
	f := readAvailQueue(t, ctx, ws, func(f availQueue) bool { return !f.LeftMessages[p.AssistID].IsZero() })
	if len(f.LeftMessages) != 1 {
		t.Errorf("leftMessages = %v", f.LeftMessages)
	}
	c, err := ts.Store().ConversationForAssist(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := ts.Store().Messages(ctx, c.ID, store.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	if len(msgs) != 1 || msgs[0].Text != "Please call me back at 5" || msgs[0].Author.ID != c.ID {
		t.Errorf("conversation messages = %q, want the person's message only", texts)
	}
	// Taken: no more messages this way (the chat is there for that).
	if err := agent.Accept(ctx, p.AssistID); err != nil {
		t.Fatal(err)
	}
	if err := p.LeaveMessage(ctx, "again"); apiCode(err) != "conflict" {
		t.Errorf("after accept: %v, want conflict", err)
	}
}
