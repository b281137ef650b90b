package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// chatPerson is a person's chat panel: its conversation and token.
type chatPerson struct {
	ts     *apptest.TestServer
	origin string
	id     string
	token  string
}

// openChat opens a support conversation as the SDK's chat panel does.
func openChat(t *testing.T, ctx context.Context, ts *apptest.TestServer) *chatPerson {
	t.Helper()
	p := &chatPerson{ts: ts, origin: siteOrigin}
	var out struct{ ConversationID, PersonToken string }
	status, err := p.call(ctx, "POST", "/api/v1/public/conversations", map[string]string{"siteKey": ts.Site.Key}, &out)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("open chat: %d %v", status, err)
	}
	p.id, p.token = out.ConversationID, out.PersonToken
	return p
}

// call sends a JSON request with the person's token and origin, and
// returns the status; an error response is an *simclient.APIError.
func (p *chatPerson) call(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.ts.URL()+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.origin != "" {
		req.Header.Set("Origin", p.origin)
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	resp, err := p.ts.Client().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, &simclient.APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode, nil
}

// event is a frame of a conversations WebSocket.
type event struct {
	Type           string
	ConversationID string
	Message        *struct {
		ID, Text string
		Seq      int64
		Author   struct{ Account, Name string }
	}
	Conversation *struct {
		ID     string
		Queued bool
	}
	Account string
}

// readEvent reads the next event of type typ, skipping others.
func readEvent(t *testing.T, ctx context.Context, ws *websocket.Conn, typ string) event {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a %s event: %v", typ, err)
		}
		var ev event
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == typ {
			return ev
		}
	}
}

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

type userID struct{ User struct{ ID string } }

func me(t testing.TB, ctx context.Context, a *simclient.Agent) string {
	t.Helper()
	var u userID
	if err := a.Do(ctx, "GET", "/api/v1/me", nil, &u); err != nil {
		t.Fatal(err)
	}
	return u.User.ID
}

// Agents: a group, posts arriving live, history, unread, rename, members;
// someone outside learns nothing.
func TestConversationsConsole(t *testing.T) {
	ts, alex := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	samEmail, samPw := ts.AddAgent(t, "sam@example.com", "Sam")
	sam, err := ts.Login(ctx, samEmail, samPw)
	if err != nil {
		t.Fatal(err)
	}
	kimEmail, kimPw := ts.AddAgent(t, "kim@example.com", "Kim")
	kim, err := ts.Login(ctx, kimEmail, kimPw)
	if err != nil {
		t.Fatal(err)
	}
	samID, kimID := me(t, ctx, sam), me(t, ctx, kim)
	alexWS := agentEvents(t, ctx, ts, alex)

	var c struct{ ID, Kind, Name string }
	if err := alex.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "group", "name": "ops", "members": []string{"user:" + samID}}, &c); err != nil {
		t.Fatal(err)
	}
	if c.Kind != "group" || c.Name != "ops" {
		t.Fatalf("created %+v", c)
	}
	readEvent(t, ctx, alexWS, "conversation")
	var m struct {
		ID, Text string
		Seq      int64
		Mentions []string
	}
	if err := sam.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/messages", map[string]any{"text": "<b>@alex</b> look", "clientId": "c-1"}, &m); err != nil {
		t.Fatal(err)
	}
	if m.Text != "<b>@alex</b> look" || len(m.Mentions) != 1 || m.Mentions[0] != "user:"+me(t, ctx, alex) {
		t.Fatalf("posted %+v", m) // the markup is text; the mention counts
	}
	ev := readEvent(t, ctx, alexWS, "message")
	if ev.Message.ID != m.ID || ev.Message.Author.Name != "Sam" || ev.Message.Text != m.Text {
		t.Fatalf("alex got %+v", ev.Message)
	}
	var list struct {
		Conversations []struct {
			Conversation struct{ ID string }
			Unread       int
			Last         *struct{ ID string }
		}
	}
	if err := alex.Do(ctx, "GET", "/api/v1/conversations", nil, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Conversations) != 1 || list.Conversations[0].Unread != 1 || list.Conversations[0].Last.ID != m.ID {
		t.Fatalf("alex's list %+v", list)
	}
	if err := alex.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/read", map[string]any{"seq": m.Seq}, nil); err != nil {
		t.Fatal(err)
	}
	var hist struct {
		Messages []struct{ ID string }
		More     bool
	}
	if err := alex.Do(ctx, "GET", "/api/v1/conversations/"+c.ID+"/messages?limit=10", nil, &hist); err != nil || len(hist.Messages) != 1 || hist.More {
		t.Fatalf("history %+v %v", hist, err)
	}
	if err := alex.Do(ctx, "PATCH", "/api/v1/conversations/"+c.ID, map[string]any{"description": "on call"}, nil); err != nil {
		t.Fatal(err)
	}
	var detail struct {
		Conversation struct{ Name, Description string }
		Members      []struct{ Account, Name string }
	}
	if err := sam.Do(ctx, "GET", "/api/v1/conversations/"+c.ID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Conversation.Name != "ops" || detail.Conversation.Description != "on call" || len(detail.Members) != 2 {
		t.Fatalf("detail %+v", detail)
	}
	// Kim is not a member: every route answers 404, and nothing changes.
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/conversations/" + c.ID},
		{"GET", "/api/v1/conversations/" + c.ID + "/messages"},
		{"POST", "/api/v1/conversations/" + c.ID + "/read"},
		{"POST", "/api/v1/conversations/" + c.ID + "/typing"},
	} {
		var in any
		if r.method == "POST" && strings.HasSuffix(r.path, "/read") {
			in = map[string]any{"seq": 1}
		}
		if err := kim.Do(ctx, r.method, r.path, in, nil); apiCode(err) != "not_found" {
			t.Errorf("kim %s %s: %v", r.method, r.path, err)
		}
	}
	if err := kim.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/messages", map[string]any{"text": "hi"}, nil); apiCode(err) != "not_found" {
		t.Errorf("kim posts: %v", err)
	}
	if err := sam.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/messages", map[string]any{"text": strings.Repeat("x", 8001)}, nil); apiCode(err) != "too_large" {
		t.Errorf("oversize text: %v", err)
	}
	// Members: alex adds kim; a bot needs a grant; sam leaves.
	if err := alex.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/members", map[string]any{"account": "user:" + kimID}, nil); err != nil {
		t.Fatal(err)
	}
	if err := alex.Do(ctx, "POST", "/api/v1/conversations/"+c.ID+"/members", map[string]any{"account": "bot:nope", "granted": []string{"launch:missiles"}}, nil); apiCode(err) != "invalid" {
		t.Errorf("a made-up scope: %v", err)
	}
	if err := sam.Do(ctx, "DELETE", "/api/v1/conversations/"+c.ID+"/members/user:"+samID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := sam.Do(ctx, "GET", "/api/v1/conversations/"+c.ID, nil, nil); apiCode(err) != "not_found" {
		t.Errorf("sam after leaving: %v", err)
	}
	// The console's socket refuses another origin.
	_, _, err = websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/conversations/ws",
		&websocket.DialOptions{HTTPClient: alex.Client, HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil {
		t.Error("a cross-origin conversations socket was accepted")
	}
}

// People: the chat panel's conversation waits in the queue, an agent takes
// it; the person's token opens only its conversation, from the site's
// origins only.
func TestSupportConversationHTTP(t *testing.T) {
	ts, alex := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	alexWS := agentEvents(t, ctx, ts, alex)
	p := openChat(t, ctx, ts)
	other := openChat(t, ctx, ts)
	if ev := readEvent(t, ctx, alexWS, "conversation"); ev.Conversation == nil || !ev.Conversation.Queued {
		t.Fatalf("queued %+v", ev)
	}
	// Preflight: the token header may be sent.
	req, _ := http.NewRequestWithContext(ctx, "OPTIONS", ts.URL()+"/api/v1/public/conversations/"+p.id+"/messages", nil)
	req.Header.Set("Origin", siteOrigin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight %d %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Headers"))
	}
	pws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/public/conversations/"+p.id+"/ws?token="+url.QueryEscape(p.token),
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {siteOrigin}}})
	if err != nil {
		t.Fatal(err)
	}
	defer pws.CloseNow()
	var m struct{ ID, Text string }
	if status, err := p.call(ctx, "POST", "/api/v1/public/conversations/"+p.id+"/messages", map[string]any{"text": "<script>alert(1)</script> help"}, &m); err != nil || status != 201 {
		t.Fatalf("post: %d %v", status, err)
	}
	if ev := readEvent(t, ctx, alexWS, "message"); ev.Message.Text != "<script>alert(1)</script> help" || ev.Message.Author.Name != "Visitor" {
		t.Fatalf("the agent's queue got %+v", ev.Message)
	}
	// Another conversation's token, no token, another origin: refused.
	thief := &chatPerson{ts: ts, origin: siteOrigin, id: p.id, token: other.token}
	if _, err := thief.call(ctx, "GET", "/api/v1/public/conversations/"+p.id+"/messages", nil, nil); apiCode(err) != "unauthorized" {
		t.Errorf("another conversation's token: %v", err)
	}
	anon := &chatPerson{ts: ts, origin: siteOrigin}
	if _, err := anon.call(ctx, "GET", "/api/v1/public/conversations/"+p.id+"/messages", nil, nil); apiCode(err) != "unauthorized" {
		t.Errorf("no token: %v", err)
	}
	evil := &chatPerson{ts: ts, origin: "https://evil.example", token: p.token}
	if _, err := evil.call(ctx, "GET", "/api/v1/public/conversations/"+p.id+"/messages", nil, nil); apiCode(err) != "not_allowed" {
		t.Errorf("another origin: %v", err)
	}
	if _, err := evil.call(ctx, "POST", "/api/v1/public/conversations", map[string]string{"siteKey": ts.Site.Key}, nil); apiCode(err) != "not_allowed" {
		t.Errorf("open from another origin: %v", err)
	}
	// A console cookie is no credential on the people's routes.
	if err := alex.Do(ctx, "GET", "/api/v1/public/conversations/"+p.id+"/messages", nil, nil); apiCode(err) != "unauthorized" {
		t.Errorf("a cookie on a public route: %v", err)
	}
	// The queue, then taking.
	var queue struct {
		Conversations []struct {
			Conversation struct {
				ID     string
				Queued bool
			}
		}
	}
	if err := alex.Do(ctx, "GET", "/api/v1/conversations?queue=1", nil, &queue); err != nil || len(queue.Conversations) != 2 {
		t.Fatalf("queue %+v %v", queue, err)
	}
	if err := alex.Do(ctx, "POST", "/api/v1/conversations/"+p.id+"/take", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := alex.Do(ctx, "POST", "/api/v1/conversations/"+p.id+"/messages", map[string]any{"text": "Hi, Alex here"}, nil); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, ctx, pws, "message"); ev.Message.Text != "<script>alert(1)</script> help" {
		t.Fatalf("the person got %+v", ev.Message)
	}
	if ev := readEvent(t, ctx, pws, "message"); ev.Message.Text != "Hi, Alex here" || ev.Message.Author.Name != "Alex" {
		t.Fatalf("the person got %+v", ev.Message)
	}
	var hist struct{ Messages []struct{ Text string } }
	if _, err := p.call(ctx, "GET", "/api/v1/public/conversations/"+p.id+"/messages", nil, &hist); err != nil || len(hist.Messages) != 2 {
		t.Fatalf("the person's history %+v %v", hist, err)
	}
	// The person's socket with another's token is closed at once.
	bad, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/public/conversations/"+p.id+"/ws?token="+url.QueryEscape(other.token),
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {siteOrigin}}})
	if err == nil {
		_, _, err = bad.Read(ctx)
		if closeCode(err) != 4401 {
			t.Errorf("a socket with another's token: %v", err)
		}
	}
}

// Files: a download unless an image browsers show safely, never sniffed,
// sandboxed; another conversation's file is not found; oversize refused.
func TestAttachmentsHTTP(t *testing.T) {
	ts, _ := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	p := openChat(t, ctx, ts)
	other := openChat(t, ctx, ts)
	upload := func(who *chatPerson, name, ct string, body []byte) (string, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL()+"/api/v1/public/conversations/"+who.id+"/attachments?name="+url.QueryEscape(name), bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", siteOrigin)
		req.Header.Set("Authorization", "Bearer "+who.token)
		resp, err := ts.Client().Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var out struct{ ID string }
		if resp.StatusCode != http.StatusCreated {
			return "", fmt.Errorf("upload: %d", resp.StatusCode)
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		return out.ID, err
	}
	get := func(who *chatPerson, conv, id string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL()+"/api/v1/public/conversations/"+conv+"/attachments/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+who.token)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, ct    string
		body        []byte
		disposition string
	}{
		{"page.html", "text/html", []byte("<script>alert(document.cookie)</script>"), "attachment"},
		{"pic.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "attachment"},
		{"pic.png", "image/png", img.Bytes(), "inline"},
	} {
		id, err := upload(p, tt.name, tt.ct, tt.body)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if _, err := p.call(ctx, "POST", "/api/v1/public/conversations/"+p.id+"/messages", map[string]any{"attachments": []string{id}}, nil); err != nil {
			t.Fatalf("%s: post: %v", tt.name, err)
		}
		resp := get(p, p.id, id)
		body, _ := io.ReadAll(resp.Body)
		h := resp.Header
		if resp.StatusCode != 200 || !bytes.Equal(body, tt.body) || !strings.HasPrefix(h.Get("Content-Disposition"), tt.disposition) ||
			h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: %d %v", tt.name, resp.StatusCode, h)
		}
		// Not through another conversation, not with another's token.
		if resp := get(other, other.id, id); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s through another conversation: %d", tt.name, resp.StatusCode)
		}
		if resp := get(other, p.id, id); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with another's token: %d", tt.name, resp.StatusCode)
		}
	}
	if _, err := upload(p, "big.bin", "application/octet-stream", make([]byte, 10<<20+1)); err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("oversize upload: %v", err)
	}
}

// A help request opens, or links, the person's support conversation; the
// agent who accepts joins it; assists say which conversation is theirs.
func TestHelpRequestConversation(t *testing.T) {
	ts, alex := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	chat := openChat(t, ctx, ts)
	help := func(extra map[string]any) (map[string]any, error) {
		in := map[string]any{"siteKey": ts.Site.Key, "pageId": "p1", "url": siteOrigin + "/cart"}
		for k, v := range extra {
			in[k] = v
		}
		var out map[string]any
		_, err := (&chatPerson{ts: ts, origin: siteOrigin}).call(ctx, "POST", "/api/v1/public/help-requests", in, &out)
		return out, err
	}
	if _, err := help(map[string]any{"conversationId": chat.id, "conversationToken": "forged"}); apiCode(err) != "unauthorized" {
		t.Fatalf("a forged conversation token: %v", err)
	}
	linked, err := help(map[string]any{"conversationId": chat.id, "conversationToken": chat.token})
	if err != nil || linked["conversationId"] != chat.id || linked["conversationToken"] != chat.token {
		t.Fatalf("linked %v %v", linked, err)
	}
	fresh, err := help(nil)
	if err != nil || fresh["conversationId"] == "" || fresh["conversationId"] == chat.id || fresh["conversationToken"] == "" {
		t.Fatalf("fresh %v %v", fresh, err)
	}
	assistID := linked["assistId"].(string)
	if err := alex.Accept(ctx, assistID); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Assist struct{ ConversationID string }
	}
	if err := alex.Do(ctx, "GET", "/api/v1/assists/"+assistID, nil, &got); err != nil || got.Assist.ConversationID != chat.id {
		t.Fatalf("assist %+v %v", got, err)
	}
	// The agent is a member now: the conversation left the queue.
	if err := alex.Do(ctx, "POST", "/api/v1/conversations/"+chat.id+"/messages", map[string]any{"text": "I can see you asked"}, nil); err != nil {
		t.Fatalf("the accepting agent posts: %v", err)
	}
	var queue struct {
		Conversations []struct{ Conversation struct{ ID string } }
	}
	if err := alex.Do(ctx, "GET", "/api/v1/conversations?queue=1", nil, &queue); err != nil {
		t.Fatal(err)
	}
	for _, q := range queue.Conversations {
		if q.Conversation.ID == chat.id {
			t.Error("accepted, still queued")
		}
	}
	// An invite redeemed from a chat links its assist, and its agent joins.
	email, pw := ts.AddAgent(t, "sam@example.com", "Sam")
	sam, err := ts.Login(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	var inv struct{ Code string }
	if err := sam.Do(ctx, "POST", "/api/v1/invites", map[string]any{"siteId": ts.Site.ID, "url": siteOrigin + "/"}, &inv); err != nil {
		t.Fatal(err)
	}
	chat2 := openChat(t, ctx, ts)
	redeem := func(token string) (map[string]any, error) {
		in := map[string]any{"siteKey": ts.Site.Key, "pageId": "p2", "url": siteOrigin + "/", "code": inv.Code,
			"conversationId": chat2.id, "conversationToken": token}
		var out map[string]any
		_, err := (&chatPerson{ts: ts, origin: siteOrigin}).call(ctx, "POST", "/api/v1/public/invites/redeem", in, &out)
		return out, err
	}
	if _, err := redeem(chat.token); apiCode(err) != "unauthorized" {
		t.Fatalf("redeem with another chat's token: %v", err)
	}
	out, err := redeem(chat2.token) // the invite is still usable: the refusal changed nothing
	if err != nil || out["conversationId"] != chat2.id {
		t.Fatalf("redeemed %v %v", out, err)
	}
	if err := sam.Do(ctx, "POST", "/api/v1/conversations/"+chat2.id+"/messages", map[string]any{"text": "hello from Sam"}, nil); err != nil {
		t.Fatalf("the invite's agent posts: %v", err)
	}
}
