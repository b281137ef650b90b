package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/httpapi"
)

// Every documented operation is called at least once, its answers (success
// and errors) checked against the OpenAPI document by the test server's
// transport; an operation added to the document without a call here fails.
// WebSocket channels are opened by the other tests, through the same transport.
func TestEveryOperationAnswersAsDocumented(t *testing.T) {
	ctx, ts, agent, p := startLive(t, app.Config{})
	id := p.AssistID
	key := ts.Site.Key
	body := func(s string) io.Reader { return strings.NewReader(s) }
	type call struct {
		method, path, origin string
		body                 io.Reader
		client               *http.Client
		status               int
	}
	anon := ts.Client()
	calls := []call{
		{"GET", "/healthz", "", nil, anon, 200},
		{"GET", "/readyz", "", nil, anon, 200},
		{"GET", "/api/v1/openapi.json", "", nil, anon, 200},
		{"POST", "/api/v1/login", "", body(`{"email":"nobody@example.com","password":"wrong password"}`), anon, 401},
		{"GET", "/api/v1/me", "", nil, agent.Client, 200},
		{"GET", "/api/v1/me", "", nil, anon, 401},
		{"GET", "/api/v1/sites", "", nil, agent.Client, 200},
		{"GET", "/api/v1/assists", "", nil, agent.Client, 200},
		{"GET", "/api/v1/assists/" + id, "", nil, agent.Client, 200},
		{"GET", "/api/v1/assists/nope", "", nil, agent.Client, 404},
		{"GET", "/api/v1/assists/" + id + "/recording", "", nil, agent.Client, 409}, // still live
		{"POST", "/api/v1/invites", "", body(`{"siteId":"` + ts.Site.ID + `","url":"https://shop.example.com/cart"}`), agent.Client, 201},
		{"POST", "/api/v1/invites", "", body(`{}`), agent.Client, 400},
		{"GET", "/api/v1/public/sites/" + key + "/config", siteOrigin, nil, anon, 200},
		{"GET", "/api/v1/public/sites/" + key + "/config", "https://evil.example", nil, anon, 403},
		{"OPTIONS", "/api/v1/public/sites/" + key + "/config", siteOrigin, nil, anon, 204},
		{"OPTIONS", "/api/v1/public/help-requests", siteOrigin, nil, anon, 204},
		{"POST", "/api/v1/public/help-requests", siteOrigin, body(`{"siteKey":"` + key + `","pageId":"p2","url":"https://shop.example.com/"}`), anon, 201},
		{"OPTIONS", "/api/v1/public/invites/redeem", siteOrigin, nil, anon, 204},
		{"POST", "/api/v1/public/invites/redeem", siteOrigin, body(`{"siteKey":"` + key + `","pageId":"p3","url":"https://shop.example.com/","code":"000000"}`), anon, 404},
		{"POST", "/api/v1/assists/" + id + "/accept", "", nil, agent.Client, 409},
		{"POST", "/api/v1/assists/" + id + "/end", "", nil, agent.Client, 200},
		{"GET", "/api/v1/assists/" + id + "/recording", "", nil, agent.Client, 200},
		{"POST", "/api/v1/assists/" + id + "/share-links", "", body(`{"audience":"anyone","ttlSeconds":3600}`), agent.Client, 201},
		{"POST", "/api/v1/assists/" + id + "/share-links", "", body(`{"audience":"everyone"}`), agent.Client, 400},
		{"GET", "/api/v1/share-links", "", nil, agent.Client, 200},
		{"DELETE", "/api/v1/share-links/nope", "", nil, agent.Client, 404},
		{"GET", "/api/v1/users?q=al&limit=5", "", nil, agent.Client, 200},
		{"GET", "/api/v1/users?limit=0", "", nil, agent.Client, 400},
		{"GET", "/api/v1/users", "", nil, anon, 401},
		{"POST", "/api/v1/assists/" + id + "/videos", "", body(`{"width":320,"height":240,"fps":5}`), agent.Client, 202},
		{"POST", "/api/v1/assists/" + id + "/videos", "", body(`{"width":1}`), agent.Client, 400},
		{"GET", "/api/v1/videos?assist=" + id, "", nil, agent.Client, 200},
		{"GET", "/api/v1/videos", "", nil, agent.Client, 400},
		{"GET", "/api/v1/videos/nope", "", nil, agent.Client, 404},
		{"GET", "/api/v1/videos/nope/file", "", nil, agent.Client, 404},
		{"DELETE", "/api/v1/videos/nope", "", nil, agent.Client, 404},
		{"POST", "/hooks/no-such-hook", "", body(`{"text":"disk full"}`), anon, 404}, // no_service
	}
	// The bots' part of the API, with their documented paths.
	templates := map[string]string{"DELETE /api/v1/share-links/nope": "/api/v1/share-links/{id}"}
	for _, c := range botContractCalls(t, ctx, ts) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// The conversations' part, likewise.
	for _, c := range conversationCalls(t, ctx, ts) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// The passport's, likewise.
	for _, c := range passportCalls(t, ctx, ts) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// The passport monitor's, likewise.
	for _, c := range passportMonitorCalls(t, ctx, ts) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// The screen mapping's, likewise.
	for _, c := range screenMappingCalls(t, ctx, ts) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// The console's sign-in through the passport, likewise.
	for _, c := range consolePassportCalls(ts) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// Administration's, likewise.
	for _, c := range adminContractCalls(t, ctx, ts) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// Availability, pick-up times, left messages and video share links.
	for _, c := range alertsContractCalls(ts, agent.Client) {
		calls = append(calls, call{c.method, c.path, c.origin, c.body, c.client, c.status})
		templates[c.method+" "+c.path] = c.template
	}
	// Last: the agent signs out.
	calls = append(calls, call{"POST", "/api/v1/logout", "", nil, agent.Client, 204})
	// Video exports: a job's id is not known in advance; "nope" stands for it.
	templates["GET /api/v1/videos/nope"] = "/api/v1/videos/{id}"
	templates["GET /api/v1/videos/nope/file"] = "/api/v1/videos/{id}/file"
	templates["DELETE /api/v1/videos/nope"] = "/api/v1/videos/{id}"
	called := map[string]bool{}
	for _, c := range calls {
		req, err := http.NewRequestWithContext(ctx, c.method, ts.URL()+c.path, c.body)
		if err != nil {
			t.Fatal(err)
		}
		if c.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		res, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, res.StatusCode, c.status, b)
		}
		if tmpl := templates[c.method+" "+c.path]; tmpl != "" {
			called[c.method+" "+tmpl] = true
		} else {
			called[c.method+" "+templateOf(c.path, id, key)] = true
		}
	}

	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	var missed []string
	for path, ops := range doc.Paths {
		for method := range ops {
			op := strings.ToUpper(method) + " " + path
			if !called[op] && !strings.HasSuffix(path, "/ws") && !strings.HasPrefix(path, "/api/v1/terminals") {
				missed = append(missed, op)
			}
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("documented operations no call here checks: %v", missed)
	}
}

// templateOf turns a called path back into its document form.
func templateOf(path, id, key string) string {
	path, _, _ = strings.Cut(path, "?")
	path = strings.Replace(path, "/assists/"+id, "/assists/{id}", 1)
	path = strings.Replace(path, "/assists/nope", "/assists/{id}", 1)
	if strings.HasPrefix(path, "/hooks/") {
		return "/hooks/{token}"
	}
	return strings.Replace(path, "/sites/"+key, "/sites/{key}", 1)
}
