package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/simclient"
)

// watchersFrame is the payload of the person's watchers frame.
type watchersFrame struct {
	Agents []struct{ Name string }
	Asking []struct{ ID, Name, Text string }
}

func (w watchersFrame) names() string {
	var n []string
	for _, a := range w.Agents {
		n = append(n, a.Name)
	}
	return strings.Join(n, ",")
}

// personWatchers reads the person's channel until a watchers frame for which
// ok is true arrives.
func personWatchers(t *testing.T, ctx context.Context, p *simclient.Person, what string, ok func(w watchersFrame) bool) watchersFrame {
	t.Helper()
	for {
		_, body, err := simclient.ReadUntil(ctx, p.WS, "watchers")
		if err != nil {
			t.Fatalf("waiting for the person to see %s: %v", what, err)
		}
		var w watchersFrame
		if err := json.Unmarshal(body, &w); err != nil {
			t.Fatalf("watchers frame %s: %v", body, err)
		}
		if ok(w) {
			return w
		}
	}
}

// loginAs adds an agent and signs them in.
func loginAs(t *testing.T, ts *apptest.TestServer, email, name string) *simclient.Agent {
	t.Helper()
	email, pw := ts.AddAgent(t, email, name)
	a, err := simclient.Login(context.Background(), ts.URL(), email, pw)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPersonSeesWhoIsWatching: the person's page is told the names of the
// agents watching, as they come and go, each agent once.
func TestPersonSeesWhoIsWatching(t *testing.T) {
	ctx, ts, alex, p := startLive(t, app.Config{})
	sam := loginAs(t, ts, "sam@example.com", "Sam")
	first := mustWatch(t, ctx, alex, p.AssistID, 0)
	personWatchers(t, ctx, p, "Alex", func(w watchersFrame) bool { return w.names() == "Alex" })
	second := mustWatch(t, ctx, alex, p.AssistID, 0) // a second tab of the same agent
	samWS := mustWatch(t, ctx, sam, p.AssistID, 0)
	personWatchers(t, ctx, p, "Alex and Sam, each once", func(w watchersFrame) bool { return w.names() == "Alex,Sam" })
	samWS.Close(websocket.StatusNormalClosure, "")
	personWatchers(t, ctx, p, "Sam gone", func(w watchersFrame) bool { return w.names() == "Alex" })
	first.CloseNow()
	second.CloseNow()
	personWatchers(t, ctx, p, "no one", func(w watchersFrame) bool { return w.names() == "" })
}

// TestConsentEachAgent: on a site that asks for each agent, a second agent is
// held (told to wait, sent nothing of the page) until the person allows
// them; an agent the person refuses is closed out and stays out.
func TestConsentEachAgent(t *testing.T) {
	ctx, ts, alex, p := startLive(t, app.Config{})
	ts.Site.ConsentEachAgent = true
	if err := ts.Store().UpdateSite(ctx, ts.Site); err != nil {
		t.Fatal(err)
	}
	// The assist runs with the site as it was when it started; a new one
	// picks the setting up.
	p.WS.CloseNow()
	p = livePerson(t, ctx, ts, alex)
	alexWS := mustWatch(t, ctx, alex, p.AssistID, 0)
	personWatchers(t, ctx, p, "Alex, let in by the first consent", func(w watchersFrame) bool { return w.names() == "Alex" })

	sam := loginAs(t, ts, "sam@example.com", "Sam")
	samWS, _ := watchAs(t, ctx, sam, p.AssistID)
	var wait struct{ Text string }
	expect(t, ctx, samWS, "join.wait", &wait)
	if !strings.Contains(wait.Text, "allow") {
		t.Errorf("the held agent is told %q", wait.Text)
	}
	w := personWatchers(t, ctx, p, "Sam asking", func(w watchersFrame) bool { return len(w.Asking) == 1 })
	if w.names() != "Alex" || w.Asking[0].Name != "Sam" || w.Asking[0].Text != "Sam from Support also wants to see this page" {
		t.Fatalf("the person sees %+v, want Alex watching and Sam asking", w)
	}
	// The page changes while Sam waits: Alex sees it, Sam must not.
	if _, err := p.SendData(ctx, "meta", "page-1", "", []byte(`{"url":"https://shop.example.com/cart","title":"Cart","pageId":"page-1"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SendData(ctx, "snap", "page-1", "h1", []byte(`[{"type":4,"data":{},"timestamp":1},{"type":2,"data":{},"timestamp":1}]`)); err != nil {
		t.Fatal(err)
	}
	readData(t, ctx, alexWS, 2)
	answer := func(id string, allow bool) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"id": id, "allow": allow})
		if err := p.Send(ctx, simclient.Header{Kind: "join.answer"}, body); err != nil {
			t.Fatal(err)
		}
	}
	answer(w.Asking[0].ID, true)
	// Admitted: the state comes first, so nothing of the page came before it.
	for {
		_, msg, err := samWS.Read(ctx)
		if err != nil {
			t.Fatalf("Sam after being allowed: %v", err)
		}
		h, _, _ := simclient.Split(msg)
		if h.Seq > 0 || h.Kind == "sync" {
			t.Fatalf("Sam got %s frame %d while held", h.Kind, h.Seq)
		}
		if h.Kind == "state" {
			break
		}
	}
	if seqs, _ := readData(t, ctx, samWS, 3); seqs[len(seqs)-1] != 2 {
		t.Errorf("Sam, allowed, got frames %v, want the page up to 2", seqs)
	}
	personWatchers(t, ctx, p, "Alex and Sam", func(w watchersFrame) bool { return w.names() == "Alex,Sam" && len(w.Asking) == 0 })

	// Kim is refused: closed with 4403, and kept out on a second try.
	kim := loginAs(t, ts, "kim@example.com", "Kim")
	kimWS, _ := watchAs(t, ctx, kim, p.AssistID)
	expect(t, ctx, kimWS, "join.wait", nil)
	w = personWatchers(t, ctx, p, "Kim asking", func(w watchersFrame) bool { return len(w.Asking) == 1 && w.Asking[0].Name == "Kim" })
	answer(w.Asking[0].ID, false)
	if _, _, err := simclient.ReadUntil(ctx, kimWS, "state"); closeCode(err) != 4403 {
		t.Fatalf("Kim after the person refused: %v, want close 4403", err)
	}
	again, err := kim.Watch(ctx, p.AssistID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := simclient.ReadUntil(ctx, again, "join.wait"); closeCode(err) != 4403 {
		t.Fatalf("Kim trying again: %v, want close 4403 at once", err)
	}
	var detail struct {
		Consents []struct {
			AgentID, Method string
			Allowed         bool
		}
	}
	if err := alex.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	var joins []string
	for _, c := range detail.Consents {
		if c.Method == "join" {
			joins = append(joins, map[bool]string{true: "allowed", false: "refused"}[c.Allowed])
		}
	}
	if strings.Join(joins, ",") != "allowed,refused" {
		t.Errorf("join consent records %v, want Sam allowed and Kim refused", joins)
	}
}

// TestJoinAnswersOnlyFromThePerson: a held agent cannot let itself in by
// sending the person's answer, an answer about no one changes nothing, and
// a malformed answer closes the person's channel with 4400 and records no
// consent.
func TestJoinAnswersOnlyFromThePerson(t *testing.T) {
	ctx, ts, alex, p := startLive(t, app.Config{})
	ts.Site.ConsentEachAgent = true
	if err := ts.Store().UpdateSite(ctx, ts.Site); err != nil {
		t.Fatal(err)
	}
	p.WS.CloseNow()
	p = livePerson(t, ctx, ts, alex)
	mustWatch(t, ctx, alex, p.AssistID, 0)
	personWatchers(t, ctx, p, "Alex", func(w watchersFrame) bool { return w.names() == "Alex" })

	sam := loginAs(t, ts, "sam@example.com", "Sam")
	samWS, _ := watchAs(t, ctx, sam, p.AssistID)
	expect(t, ctx, samWS, "join.wait", nil)
	w := personWatchers(t, ctx, p, "Sam asking", func(w watchersFrame) bool { return len(w.Asking) == 1 })
	forged, _ := json.Marshal(map[string]any{"id": w.Asking[0].ID, "allow": true})
	if err := samWS.Write(ctx, websocket.MessageText, hub.EncodeFrame(hub.Header{Kind: "join.answer"}, forged)); err != nil {
		t.Fatal(err)
	}
	nobody, _ := json.Marshal(map[string]any{"id": "no-such-ask", "allow": true})
	if err := p.Send(ctx, simclient.Header{Kind: "join.answer"}, nobody); err != nil {
		t.Fatal(err)
	}
	// Kim asking changes the list: the frame the person gets then says
	// whether the forged and the stray answers let anyone in (frames on
	// one channel, and the person's answers before Kim, are in order).
	kim := loginAs(t, ts, "kim@example.com", "Kim")
	kimWS, _ := watchAs(t, ctx, kim, p.AssistID)
	expect(t, ctx, kimWS, "join.wait", nil)
	w = personWatchers(t, ctx, p, "Kim asking", func(w watchersFrame) bool { return len(w.Asking) == 2 })
	if w.names() != "Alex" {
		t.Fatalf("watching after a forged and a stray answer: %q, want only Alex", w.names())
	}

	if err := p.Send(ctx, simclient.Header{Kind: "join.answer"}, []byte(`{"id":42,"allow":"yes"}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := simclient.ReadUntil(ctx, p.WS, "never"); closeCode(err) != 4400 {
		t.Fatalf("a malformed answer closed the person with %v, want 4400", err)
	}
	consents, err := ts.Store().ConsentsFor(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range consents {
		if c.Method == "join" {
			t.Errorf("a join consent was recorded: %+v", c)
		}
	}
}
