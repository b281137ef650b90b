package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/apptest"
)

// conversationCalls are the contract calls of the conversations API: an
// agent of its own (the contract test signs its first agent out) and a
// person's chat, with what they need made first.
func conversationCalls(t *testing.T, ctx context.Context, ts *apptest.TestServer) []contractCall {
	t.Helper()
	email, pw := ts.AddAgent(t, "kim@example.com", "Kim")
	kim, err := ts.Login(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	alexID := ""
	if u, err := ts.Store().UserByEmail(ctx, ts.AgentEmail); err == nil {
		alexID = u.ID
	}
	var g struct{ ID string }
	if err := kim.Do(ctx, "POST", "/api/v1/conversations", map[string]any{"kind": "group", "name": "contract"}, &g); err != nil {
		t.Fatal(err)
	}
	p := openChat(t, ctx, ts)
	person := &http.Client{Transport: bearerTransport{token: p.token, next: ts.API}}
	thief := &http.Client{Transport: bearerTransport{token: openChat(t, ctx, ts).token, next: ts.API}}
	attID, err := func() (string, error) {
		var out struct{ ID string }
		if _, err := p.call(ctx, "POST", "/api/v1/public/conversations/"+p.id+"/attachments?name=notes.json", map[string]string{"note": "x"}, &out); err != nil {
			return "", err
		}
		_, err := p.call(ctx, "POST", "/api/v1/public/conversations/"+p.id+"/messages", map[string]any{"attachments": []string{out.ID}}, nil)
		return out.ID, err
	}()
	if err != nil {
		t.Fatal(err)
	}
	body := func(s string) io.Reader { return strings.NewReader(s) }
	c, pc := "/api/v1/conversations/"+g.ID, "/api/v1/public/conversations/"+p.id
	k, o := kim.Client, siteOrigin
	anon := ts.Client()
	type call struct {
		method, path, origin string
		body                 io.Reader
		client               *http.Client
		status               int
	}
	list := []call{
		{"GET", "/api/v1/conversations", "", nil, k, 200},
		{"GET", "/api/v1/conversations?queue=1", "", nil, k, 200},
		{"POST", "/api/v1/conversations", "", body(`{"kind":"direct","members":["user:` + alexID + `"]}`), k, 201},
		{"POST", "/api/v1/conversations", "", body(`{"kind":"group"}`), k, 400},
		{"GET", c, "", nil, k, 200},
		{"PATCH", c, "", body(`{"description":"contract tests"}`), k, 200},
		{"POST", c + "/members", "", body(`{"account":"user:` + alexID + `"}`), k, 201},
		{"DELETE", c + "/members/user:" + alexID, "", nil, k, 204},
		{"POST", c + "/messages", "", body(`{"text":"hello","clientId":"k1"}`), k, 201},
		{"POST", c + "/messages", "", body(`{"text":"hello","clientId":"k1"}`), k, 200},
		{"GET", c + "/messages?limit=5", "", nil, k, 200},
		{"POST", c + "/read", "", body(`{"seq":1}`), k, 204},
		{"POST", c + "/typing", "", nil, k, 204},
		{"POST", c + "/attachments?name=a.json", "", body(`{"a":1}`), k, 201},
		{"GET", "/api/v1/conversations/" + p.id, "", nil, k, 200}, // queued: agents look first
		{"POST", "/api/v1/conversations/" + p.id + "/take", "", nil, k, 200},
		{"POST", "/api/v1/conversations/" + p.id + "/take", "", nil, k, 409},
		{"GET", "/api/v1/conversations/" + p.id + "/attachments/" + attID, "", nil, k, 200},
		{"OPTIONS", "/api/v1/public/conversations", o, nil, anon, 204},
		{"POST", "/api/v1/public/conversations", o, body(`{"siteKey":"` + ts.Site.Key + `"}`), anon, 201},
		{"POST", "/api/v1/public/conversations", "https://evil.example", body(`{"siteKey":"` + ts.Site.Key + `"}`), anon, 403},
		{"OPTIONS", pc, o, nil, anon, 204},
		{"GET", pc, o, nil, person, 200},
		{"GET", pc, o, nil, thief, 401},
		{"OPTIONS", pc + "/messages", o, nil, anon, 204},
		{"GET", pc + "/messages", o, nil, person, 200},
		{"POST", pc + "/messages", o, body(`{"text":"thanks"}`), person, 201},
		{"POST", pc + "/messages", o, body(`{"text":"thanks"}`), anon, 401},
		{"OPTIONS", pc + "/read", o, nil, anon, 204},
		{"POST", pc + "/read", o, body(`{"seq":1}`), person, 204},
		{"OPTIONS", pc + "/typing", o, nil, anon, 204},
		{"POST", pc + "/typing", o, nil, person, 204},
		{"OPTIONS", pc + "/attachments", o, nil, anon, 204},
		{"POST", pc + "/attachments?name=b.json", o, body(`{"b":2}`), person, 201},
		{"OPTIONS", pc + "/attachments/" + attID, o, nil, anon, 204},
		{"GET", pc + "/attachments/" + attID, o, nil, person, 200},
		{"GET", pc + "/attachments/" + attID, o, nil, thief, 401},
	}
	calls := make([]contractCall, 0, len(list))
	for _, c := range list {
		calls = append(calls, contractCall{c.method, c.path, c.origin, c.body, c.client, c.status, conversationTemplate(c.path)})
	}
	return calls
}

var (
	conversationPath = regexp.MustCompile(`/conversations/[a-z2-7]{26}`)
	attachmentPath   = regexp.MustCompile(`/attachments/[a-z2-7]{26}`)
	memberPath       = regexp.MustCompile(`/members/[^/]+$`)
)

// conversationTemplate turns a called conversation path back into its
// document form, without its query.
func conversationTemplate(path string) string {
	path, _, _ = strings.Cut(path, "?")
	path = conversationPath.ReplaceAllString(path, "/conversations/{id}")
	path = attachmentPath.ReplaceAllString(path, "/attachments/{attachmentId}")
	return memberPath.ReplaceAllString(path, "/members/{account}")
}
