package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
)

const siteOrigin = "https://shop.example.com"

func start(t *testing.T, cfg app.Config) (*apptest.TestServer, *simclient.Agent) {
	t.Helper()
	ts := apptest.Start(t, cfg, siteOrigin)
	agent, err := ts.Login(context.Background(), ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return ts, agent
}

func apiCode(err error) string {
	var e *simclient.APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func closeCode(err error) int { return int(websocket.CloseStatus(err)) }

func newPerson(ts *apptest.TestServer) *simclient.Person {
	return ts.Person(siteOrigin)
}

// livePerson makes a help request, has the agent accept it, and allows.
func livePerson(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent) *simclient.Person {
	t.Helper()
	p := newPerson(ts)
	if err := p.GoLive(ctx, agent, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	return p
}

// startLive starts a server, signs the agent in and has a person's request
// accepted and allowed; ctx ends with the test (or after 30 seconds).
func startLive(t *testing.T, cfg app.Config) (context.Context, *apptest.TestServer, *simclient.Agent, *simclient.Person) {
	t.Helper()
	ts, agent := start(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx, ts, agent, livePerson(t, ctx, ts, agent)
}

// mustWatch opens the agent's channel to assist id, resuming after from.
func mustWatch(t *testing.T, ctx context.Context, agent *simclient.Agent, id string, from uint64) *websocket.Conn {
	t.Helper()
	ws, err := agent.Watch(ctx, id, from)
	if err != nil {
		t.Fatalf("watch %s: %v", id, err)
	}
	return ws
}

func TestLogin(t *testing.T) {
	ts, _ := start(t, app.Config{})
	ctx := context.Background()
	tests := []struct {
		name, email, password, code string
	}{
		{"wrong password", ts.AgentEmail, "nope nope nope", "unauthorized"},
		{"unknown email", "who@example.com", "whatever1", "unauthorized"},
		{"not an email", "???", "whatever1", "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ts.Login(ctx, tt.email, tt.password)
			if apiCode(err) != tt.code {
				t.Fatalf("login error = %v, want code %s", err, tt.code)
			}
		})
	}
	a, err := ts.Login(ctx, strings.ToUpper(ts.AgentEmail), ts.AgentPassword)
	if err != nil {
		t.Fatalf("login with upper-case email: %v", err)
	}
	var me struct{ User struct{ Name string } }
	if err := a.Do(ctx, "GET", "/api/v1/me", nil, &me); err != nil || me.User.Name != "Alex" {
		t.Fatalf("me = %+v, %v", me, err)
	}
	if err := a.Do(ctx, "POST", "/api/v1/logout", nil, nil); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if err := a.Do(ctx, "GET", "/api/v1/me", nil, &me); apiCode(err) != "unauthorized" {
		t.Fatalf("me after logout: %v", err)
	}
}

func TestLoginRateLimited(t *testing.T) {
	ts, _ := start(t, app.Config{})
	ctx := context.Background()
	var last error
	for range 12 {
		_, last = ts.Login(ctx, ts.AgentEmail, "wrong password!")
	}
	if apiCode(last) != "rate_limited" {
		t.Fatalf("after 12 failures: %v, want rate_limited", last)
	}
	if _, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword); apiCode(err) != "rate_limited" {
		t.Fatalf("right password while limited: %v, want rate_limited", err)
	}
}

func TestCrossOriginRequestsRefused(t *testing.T) {
	ts, agent := start(t, app.Config{})
	req, _ := http.NewRequest("POST", ts.URL()+"/api/v1/invites", strings.NewReader(`{"siteId":"`+ts.Site.ID+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := agent.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST status = %d, want 403", resp.StatusCode)
	}
	// The agent channel refuses a cross-origin handshake even with the cookie.
	_, _, err = websocket.Dial(context.Background(), strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/queue/ws",
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil {
		t.Fatal("cross-origin queue channel was accepted")
	}
}

func TestHelpRequestBadInput(t *testing.T) {
	ts, _ := start(t, app.Config{})
	tests := []struct {
		name, origin, body string
		status             int
		code               string
	}{
		{"origin not allowed", "https://evil.example", `{"siteKey":"` + ts.Site.Key + `","pageId":"p","url":"https://shop.example.com/"}`, 403, "not_allowed"},
		{"unknown site", siteOrigin, `{"siteKey":"site_nope","pageId":"p","url":"https://shop.example.com/"}`, 404, "not_found"},
		{"not JSON", siteOrigin, `{"siteKey":`, 400, "invalid"},
		{"unknown field", siteOrigin, `{"siteKey":"` + ts.Site.Key + `","pageId":"p","url":"https://shop.example.com/","evil":1}`, 400, "invalid"},
		{"no page id", siteOrigin, `{"siteKey":"` + ts.Site.Key + `","url":"https://shop.example.com/"}`, 400, "invalid"},
		{"bad url", siteOrigin, `{"siteKey":"` + ts.Site.Key + `","pageId":"p","url":"javascript:alert(1)"}`, 400, "invalid"},
		{"too large", siteOrigin, `{"siteKey":"` + strings.Repeat("x", 70000) + `"}`, 413, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", ts.URL()+"/api/v1/public/help-requests", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", tt.origin)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Error struct{ Code, Message string }
			}
			_ = json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d %s with a message", resp.StatusCode, e.Error, tt.status, tt.code)
			}
		})
	}
	var list struct{ Assists []any }
	agent := mustLogin(t, ts)
	if err := agent.Do(context.Background(), "GET", "/api/v1/assists", nil, &list); err != nil || len(list.Assists) != 0 {
		t.Fatalf("bad requests created assists: %d, %v", len(list.Assists), err)
	}
}

func mustLogin(t *testing.T, ts *apptest.TestServer) *simclient.Agent {
	t.Helper()
	a, err := ts.Login(context.Background(), ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestQueueShowsRequestsLive(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/queue/ws",
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {ts.URL()}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if _, body, err := simclient.ReadUntil(ctx, ws, "queue"); err != nil || string(body) != `{"assists":[],"counts":{"consenting":0,"live":0,"waiting":0},"limit":100,"agentsAvailable":0,"leftMessages":{}}` {
		t.Fatalf("first queue = %s, %v", body, err)
	}
	p := newPerson(ts)
	if err := p.RequestHelp(ctx, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	_, body, err := simclient.ReadUntil(ctx, ws, "queue")
	if err != nil {
		t.Fatal(err)
	}
	var view struct {
		Assists []struct {
			ID, State, PageURL, PersonID string
			Viewport                     struct{ Width int }
		}
	}
	if err := json.Unmarshal(body, &view); err != nil || len(view.Assists) != 1 {
		t.Fatalf("queue = %s, %v", body, err)
	}
	q := view.Assists
	if q[0].ID != p.AssistID || q[0].State != "waiting" || q[0].PageURL != siteOrigin+"/cart" || q[0].PersonID != "person-1" || q[0].Viewport.Width != 1280 {
		t.Fatalf("queue entry = %+v", q[0])
	}
}

// recordedFrame is one frame of GET /api/v1/assists/{id}/recording.
type recordedFrame struct {
	S uint64
	K string
	D json.RawMessage
}

// recording reads an assist's stored recording as the console does.
func recording(t *testing.T, ctx context.Context, agent *simclient.Agent, id string) []recordedFrame {
	t.Helper()
	var rec struct{ Frames []recordedFrame }
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+id+"/recording", nil, &rec); err != nil {
		t.Fatalf("recording: %v", err)
	}
	return rec.Frames
}
