package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

// shiftClock is a clock that tests move on by hand.
type shiftClock struct {
	mu    sync.Mutex
	shift time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.shift)
}

func (c *shiftClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.shift += d
	c.mu.Unlock()
}

type createdLink struct {
	Link struct {
		ID, Kind, SubjectID, Audience, State string
		Uses                                 int64
	}
	Token, Path string
}

func share(ctx context.Context, agent *simclient.Agent, path string, body any) (createdLink, error) {
	var out createdLink
	err := agent.Do(ctx, "POST", path, body, &out)
	return out, err
}

// visit GETs path with client (nil: a visitor with no account) and returns
// the status, headers and body.
func visit(t *testing.T, ctx context.Context, base string, client *http.Client, path string) (int, http.Header, string) {
	t.Helper()
	if client == nil {
		client = &http.Client{}
	}
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

func TestShareLinks(t *testing.T) {
	clock := &shiftClock{}
	ctx, ts, agent, p := startLive(t, app.Config{Now: clock.Now})
	id := p.AssistID
	if _, err := p.SendData(ctx, "ev", "a", "", []byte(`[{"type":3,"data":{"x":1},"timestamp":1}]`)); err != nil {
		t.Fatal(err)
	}
	_, err := share(ctx, agent, "/api/v1/assists/"+id+"/share-links", map[string]any{"audience": "anyone"})
	if apiCode(err) != "conflict" {
		t.Fatalf("sharing a live assist = %v, want conflict", err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+id+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]any{
		{"audience": "everyone"},
		{"audience": "anyone", "ttlSeconds": 60},
		{"audience": "anyone", "ttlSeconds": 31 * 24 * 3600},
		{"audience": "anyone", "ttlSeconds": -1},
		{"audience": "anyone", "token": "tsl_mine"},
	} {
		if _, err := share(ctx, agent, "/api/v1/assists/"+id+"/share-links", bad); apiCode(err) != "invalid" {
			t.Errorf("share with %v = %v, want invalid", bad, err)
		}
	}
	if _, err := share(ctx, agent, "/api/v1/assists/nope/share-links", map[string]any{"audience": "anyone"}); apiCode(err) != "not_found" {
		t.Errorf("sharing an unknown assist = %v, want not_found", err)
	}

	l, err := share(ctx, agent, "/api/v1/assists/"+id+"/share-links", map[string]any{"audience": "anyone", "ttlSeconds": 3600})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.Token, "tsl_") || l.Path != "/s/"+l.Token || l.Link.State != "active" || l.Link.SubjectID != id {
		t.Fatalf("created %+v", l)
	}

	// A visitor without an account opens the page and its recording.
	status, h, body := visit(t, ctx, ts.URL(), nil, l.Path)
	if status != 200 || !strings.Contains(body, "<div id=\"app\"") {
		t.Fatalf("GET %s = %d", l.Path, status)
	}
	for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
		if h.Get(k) != want {
			t.Errorf("page %s: %q, want %q", k, h.Get(k), want)
		}
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("page CSP = %q, want the console's", h.Get("Content-Security-Policy"))
	}
	status, h, body = visit(t, ctx, ts.URL(), nil, l.Path+"/recording")
	var rec struct {
		Assist map[string]any
		Frames []json.RawMessage
	}
	if status != 200 || json.Unmarshal([]byte(body), &rec) != nil || rec.Assist["id"] != id || len(rec.Frames) == 0 {
		t.Fatalf("GET recording = %d %.200s", status, body)
	}
	// The visitor gets the replay, not who the person is.
	for _, k := range []string{"personId", "userAgent", "conversationId", "verified"} {
		if v, ok := rec.Assist[k]; ok && v != "" {
			t.Errorf("the shared recording tells the visitor %s = %v", k, v)
		}
	}
	if h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("recording headers %v", h)
	}

	// Tokens of the wrong shape, and unknown ones, are one "not valid".
	for _, bad := range []string{"/s/abc", "/s/" + strings.ToUpper(l.Token), "/s/tsl_" + strings.Repeat("a", 26), "/s/" + l.Token + "x"} {
		if status, _, _ := visit(t, ctx, ts.URL(), nil, bad); status != 404 {
			t.Errorf("GET %s = %d, want 404", bad, status)
		}
		status, _, body := visit(t, ctx, ts.URL(), nil, bad+"/recording")
		if status != 404 || !strings.Contains(body, "not valid") {
			t.Errorf("GET %s/recording = %d %s, want 404 not valid", bad, status, body)
		}
	}

	// Another agent neither sees nor revokes it.
	email, pw := ts.AddAgent(t, "sam@example.com", "Sam")
	sam, err := ts.Login(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Links []struct{ ID, State string } }
	if err := sam.Do(ctx, "GET", "/api/v1/share-links", nil, &list); err != nil || len(list.Links) != 0 {
		t.Errorf("another agent lists %d links (%v), want none", len(list.Links), err)
	}
	if err := sam.Do(ctx, "DELETE", "/api/v1/share-links/"+l.Link.ID, nil, nil); apiCode(err) != "not_found" {
		t.Errorf("another agent's revoke = %v, want not_found", err)
	}
	if err := agent.Do(ctx, "GET", "/api/v1/share-links", nil, &list); err != nil || len(list.Links) != 1 || list.Links[0].State != "active" {
		t.Fatalf("my links = %+v, %v", list.Links, err)
	}

	// A link for console users: a visitor without an account is asked to
	// sign in; a console user opens it.
	members, err := share(ctx, agent, "/api/v1/assists/"+id+"/share-links", map[string]any{"audience": "console"})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := visit(t, ctx, ts.URL(), nil, members.Path); status != 401 {
		t.Errorf("a console users' link without an account = %d, want 401", status)
	}
	if status, _, _ := visit(t, ctx, ts.URL(), nil, members.Path+"/recording"); status != 401 {
		t.Errorf("its recording without an account = %d, want 401", status)
	}
	if status, _, _ := visit(t, ctx, ts.URL(), &http.Client{Jar: sam.Client.Jar}, members.Path+"/recording"); status != 200 {
		t.Errorf("its recording for a console user = %d, want 200", status)
	}

	// Revoked: not valid any more.
	var revoked struct{ Link struct{ State string } }
	if err := agent.Do(ctx, "DELETE", "/api/v1/share-links/"+members.Link.ID, nil, &revoked); err != nil || revoked.Link.State != "revoked" {
		t.Fatalf("revoke = %+v, %v", revoked, err)
	}
	if status, _, _ := visit(t, ctx, ts.URL(), &http.Client{Jar: sam.Client.Jar}, members.Path); status != 404 {
		t.Errorf("a revoked link = %d, want 404", status)
	}

	// Expired: not valid any more.
	clock.Advance(time.Hour)
	if status, _, _ := visit(t, ctx, ts.URL(), nil, l.Path+"/recording"); status != 404 {
		t.Errorf("an expired link = %d, want 404", status)
	}
	if err := agent.Do(ctx, "GET", "/api/v1/share-links", nil, &list); err != nil || len(list.Links) != 2 ||
		list.Links[0].State != "revoked" || list.Links[1].State != "expired" {
		t.Errorf("my links after revoke and expiry = %+v, %v", list.Links, err)
	}

	// The assist's audit log lists the views.
	var detail struct {
		Audit []struct{ Action, Actor, Detail string }
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+id, nil, &detail); err != nil {
		t.Fatal(err)
	}
	views := 0
	for _, e := range detail.Audit {
		if e.Action == "share.view" {
			views++
		}
	}
	if views != 1 {
		t.Errorf("audit has %d share.view entries, want 1 (the page opened once): %+v", views, detail.Audit)
	}
}
