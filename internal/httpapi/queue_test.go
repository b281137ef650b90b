package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// queueFrame is the payload of a queue frame.
type queueFrame struct {
	Assists []struct{ ID, State string }
	Counts  map[string]int
	Limit   int
}

// openQueue opens the queue channel with the given query ("" for none).
func openQueue(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent, query string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/queue/ws"+query,
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {ts.URL()}}})
	if err != nil {
		t.Fatalf("open the queue channel: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// readQueueUntil reads queue frames until ok is true of one, and returns it.
func readQueueUntil(t *testing.T, ctx context.Context, ws *websocket.Conn, what string, ok func(q queueFrame) bool) queueFrame {
	t.Helper()
	for {
		_, body, err := simclient.ReadUntil(ctx, ws, "queue")
		if err != nil {
			t.Fatalf("waiting for a queue frame with %s: %v", what, err)
		}
		var q queueFrame
		if err := json.Unmarshal(body, &q); err != nil {
			t.Fatalf("queue frame %s: %v", body, err)
		}
		if ok(q) {
			return q
		}
	}
}

// TestFloodCannotBuryAnEarlierRequest: a flood of help requests fills the
// site's budget and is then refused with 503; the person who asked first
// stays at the head of every agent's queue, and the counts say how many wait
// beyond the page shown.
func TestFloodCannotBuryAnEarlierRequest(t *testing.T) {
	const budget = 12
	ts, agent := start(t, app.Config{MaxWaiting: budget})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	real := newPerson(ts)
	if err := real.RequestHelp(ctx, siteOrigin+"/checkout"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := real.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	refused := 0
	// From one address, within its rate limit: the budget alone must hold.
	for i := range 2 * budget {
		err := newPerson(ts).RequestHelp(ctx, fmt.Sprintf("%s/flood/%d", siteOrigin, i))
		switch {
		case err == nil:
		case apiCode(err) == tandem.EUnavailable:
			refused++
			var e *simclient.APIError
			if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || !strings.Contains(e.Message, "try again") {
				t.Fatalf("a request over the budget: %v, want 503 with a message that says to try again", err)
			}
		default:
			t.Fatalf("flood request %d: %v", i, err)
		}
	}
	if refused != budget+1 {
		t.Errorf("%d of %d flood requests refused with a budget of %d and one waiting, want %d", refused, 2*budget, budget, budget+1)
	}

	// A queue that shows 5 at a time still shows the first person first,
	// and says that 12 are waiting.
	ws := openQueue(t, ctx, ts, agent, "?limit=5")
	q := readQueueUntil(t, ctx, ws, "12 waiting", func(q queueFrame) bool { return q.Counts["waiting"] == budget })
	if len(q.Assists) != 5 || q.Limit != 5 {
		t.Fatalf("queue with limit 5 shows %d assists (limit %d)", len(q.Assists), q.Limit)
	}
	if q.Assists[0].ID != real.AssistID {
		t.Errorf("the queue starts with %s, want the person who asked first (%s)", q.Assists[0].ID, real.AssistID)
	}
	// Other sites are not affected by this site's flood.
	other := &tandem.Site{Name: "Blog", AllowedOrigins: []string{"https://blog.example.com"}}
	if err := ts.Store().CreateSite(ctx, other); err != nil {
		t.Fatal(err)
	}
	blog := &simclient.Person{Base: ts.URL(), Origin: "https://blog.example.com", SiteKey: other.Key}
	if err := blog.RequestHelp(ctx, "https://blog.example.com/"); err != nil {
		t.Fatalf("another site's request during the flood: %v", err)
	}
	// Taking one request makes room for one more.
	if err := agent.Accept(ctx, real.AssistID); err != nil {
		t.Fatal(err)
	}
	if err := newPerson(ts).RequestHelp(ctx, siteOrigin+"/after"); err != nil {
		t.Errorf("a request after one was accepted: %v", err)
	}
	// A queue page of no assists is refused before the upgrade.
	_, resp, err := websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/queue/ws?limit=0",
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {ts.URL()}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("queue channel with limit=0: %v, want 400", err)
	}
}

// TestListAssistsPages: paging the list returns every waiting request once,
// in order, in both directions; bad paging input is refused.
func TestListAssistsPages(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	const n = 23
	var ids []string
	for i := range n {
		p := newPerson(ts)
		if err := p.RequestHelp(ctx, fmt.Sprintf("%s/p/%d", siteOrigin, i)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.AssistID)
	}
	for _, order := range []string{"oldest", "newest"} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatalf("order=%s: paging does not end", order)
			}
			var page struct {
				Assists []struct{ ID string }
				Next    string
			}
			q := url.Values{"state": {"waiting"}, "order": {order}, "limit": {"5"}}
			if after != "" {
				q.Set("after", after)
			}
			if err := agent.Do(ctx, "GET", "/api/v1/assists?"+q.Encode(), nil, &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Assists) > 5 {
				t.Fatalf("a page of %d with limit 5", len(page.Assists))
			}
			for _, a := range page.Assists {
				got = append(got, a.ID)
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		want := ids
		if order == "newest" {
			want = make([]string, n)
			for i, id := range ids {
				want[n-1-i] = id
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("order=%s: paging listed\n%v\nwant each request once, in order:\n%v", order, got, want)
		}
	}
	for _, bad := range []string{"after=nonsense", "order=sideways", "limit=0", "limit=1001", "state=paused"} {
		if err := agent.Do(ctx, "GET", "/api/v1/assists?"+bad, nil, nil); apiCode(err) != tandem.EInvalid {
			t.Errorf("GET /api/v1/assists?%s: %v, want invalid", bad, err)
		}
	}
}

// TestRequestWithoutChannelEndsAfterGrace: a help request whose page never
// opens its channel leaves the queue (and the budget) after the grace.
func TestRequestWithoutChannelEndsAfterGrace(t *testing.T) {
	ts, agent := start(t, app.Config{Grace: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ws := openQueue(t, ctx, ts, agent, "")
	p := newPerson(ts)
	if err := p.RequestHelp(ctx, siteOrigin+"/gone"); err != nil {
		t.Fatal(err)
	}
	readQueueUntil(t, ctx, ws, "the request", func(q queueFrame) bool { return q.Counts["waiting"] == 1 })
	readQueueUntil(t, ctx, ws, "the request gone", func(q queueFrame) bool { return q.Counts["waiting"] == 0 })
	var d struct {
		Assist struct{ State, EndReason string }
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID, nil, &d); err != nil {
		t.Fatal(err)
	}
	if d.Assist.State != "ended" || !strings.Contains(d.Assist.EndReason, "never connected") {
		t.Errorf("the abandoned request is %s (%q), want ended because the page never connected", d.Assist.State, d.Assist.EndReason)
	}
}

// TestInviteOfAnotherSite: a code tried on the wrong site is not found
// there, and is not used up: it still works on its own site.
func TestInviteOfAnotherSite(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	other := &tandem.Site{Name: "Blog", AllowedOrigins: []string{"https://blog.example.com"}}
	if err := ts.Store().CreateSite(ctx, other); err != nil {
		t.Fatal(err)
	}
	var inv struct{ Link, Code string }
	if err := agent.Do(ctx, "POST", "/api/v1/invites", map[string]any{"siteId": ts.Site.ID}, &inv); err != nil {
		t.Fatal(err)
	}
	token := inv.Link[strings.Index(inv.Link, "#tandem-invite=")+len("#tandem-invite="):]
	wrong := &simclient.Person{Base: ts.URL(), Origin: "https://blog.example.com", SiteKey: other.Key}
	if err := wrong.Redeem(ctx, "https://blog.example.com/", "", inv.Code); apiCode(err) != tandem.ENotFound {
		t.Fatalf("the code on another site: %v, want not_found", err)
	}
	if err := wrong.Redeem(ctx, "https://blog.example.com/", token, ""); apiCode(err) != tandem.ENotFound {
		t.Fatalf("the link's token on another site: %v, want not_found", err)
	}
	right := newPerson(ts)
	if err := right.Redeem(ctx, siteOrigin+"/", "", inv.Code); err != nil {
		t.Fatalf("the code on its own site after tries elsewhere: %v", err)
	}
}
