package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/simclient"
)

// newAdmin creates an admin and signs them in.
func newAdmin(t *testing.T, ctx context.Context, ts *apptest.TestServer, email string) *simclient.Agent {
	t.Helper()
	hash, _ := password.HashWith(password.TestParams(), "the admin's password")
	if err := ts.Store().CreateUser(ctx, &tandem.User{Email: email, Name: "Ada Admin", PasswordHash: hash, Role: tandem.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	admin, err := ts.Login(ctx, email, "the admin's password")
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

// A site's screen mapping: admins set it (validated, stored compact, null
// removes it), agents read it, a bad one changes nothing, and the SDK gets
// it with the site's configuration and in the assist's welcome.
func TestScreenMapping(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx := context.Background()
	admin := newAdmin(t, ctx, ts, "ada@example.com")
	path := "/api/v1/sites/" + ts.Site.ID + "/screen-mapping"
	const good = `{"tags":{"Field":{"element":"input","text":"value"},"Pin":{"mask":true}},"maskTypes":["password"]}`

	type body struct {
		Mapping json.RawMessage `json:"mapping"`
	}
	get := func() string {
		t.Helper()
		var out body
		if err := agent.Do(ctx, "GET", path, nil, &out); err != nil {
			t.Fatal(err)
		}
		return string(out.Mapping)
	}
	if got := get(); got != "null" {
		t.Fatalf("a new site's mapping is %s, want null", got)
	}
	var out body
	if err := admin.Do(ctx, "PUT", path, map[string]any{"mapping": json.RawMessage(" " + good + " ")}, &out); err != nil || string(out.Mapping) != good {
		t.Fatalf("PUT: %s, %v", out.Mapping, err)
	}
	tests := []struct {
		name    string
		who     *simclient.Agent
		path    string
		mapping string
		code    string
		message string
	}{
		{"an agent", agent, path, `{}`, "forbidden", "only admins"},
		{"a script element", admin, path, `{"tags":{"B":{"element":"script"}}}`, "invalid", "tags.B.element: must be one of"},
		{"a css url", admin, path, `{"tags":{"B":{"style":{"background":"url(https://evil.example/x)"}}}}`, "invalid", "tags.B.style.background"},
		{"an unknown field", admin, path, `{"unmask":["*"]}`, "invalid", `unknown field "unmask"`},
		{"a list", admin, path, `[1]`, "invalid", "must be a JSON object"},
		{"an unknown site", admin, "/api/v1/sites/nope/screen-mapping", `{}`, "not_found", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.who.Do(ctx, "PUT", tc.path, map[string]any{"mapping": json.RawMessage(tc.mapping)}, nil)
			if apiCode(err) != tc.code || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("got %v, want %s with %q", err, tc.code, tc.message)
			}
			if got := get(); got != good {
				t.Fatalf("a refused PUT changed the mapping to %s", got)
			}
		})
	}

	// The SDK's configuration and the person's welcome carry it.
	var cfg struct {
		ScreenMapping json.RawMessage `json:"screenMapping"`
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL()+"/api/v1/public/sites/"+ts.Site.Key+"/config", nil)
	req.Header.Set("Origin", siteOrigin)
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(res.Body).Decode(&cfg)
	res.Body.Close()
	if err != nil || string(cfg.ScreenMapping) != good {
		t.Fatalf("config: %s, %v", cfg.ScreenMapping, err)
	}
	p := newPerson(ts)
	if err := p.RequestHelp(ctx, siteOrigin+"/app"); err != nil {
		t.Fatal(err)
	}
	_, welcome, err := p.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Site struct {
			ScreenMapping json.RawMessage `json:"screenMapping"`
		} `json:"site"`
	}
	if err := json.Unmarshal(welcome, &w); err != nil || string(w.Site.ScreenMapping) != good {
		t.Fatalf("welcome %s: %v", welcome, err)
	}

	if err := admin.Do(ctx, "PUT", path, map[string]any{"mapping": nil}, &out); err != nil || string(out.Mapping) != "null" {
		t.Fatalf("PUT null: %s, %v", out.Mapping, err)
	}
	if got := get(); got != "null" {
		t.Fatalf("after null, the mapping is %s", got)
	}
}

// screenMappingCalls are the contract calls of the screen mapping.
func screenMappingCalls(t *testing.T, ctx context.Context, ts *apptest.TestServer) []contractCall {
	t.Helper()
	agent := mustLogin(t, ts)
	admin := newAdmin(t, ctx, ts, "contract-admin@example.com")
	tmpl := "/api/v1/sites/{id}/screen-mapping"
	path := "/api/v1/sites/" + ts.Site.ID + "/screen-mapping"
	body := func(s string) io.Reader { return strings.NewReader(s) }
	return []contractCall{
		{"GET", path, "", nil, agent.Client, 200, tmpl},
		{"GET", "/api/v1/sites/nope/screen-mapping", "", nil, agent.Client, 404, tmpl},
		{"PUT", path, "", body(`{"mapping":{"tags":{"B":{"element":"button"}}}}`), admin.Client, 200, tmpl},
		{"PUT", path, "", body(`{"mapping":null}`), admin.Client, 200, tmpl},
		{"PUT", path, "", body(`{"mapping":{"tags":{"B":{"element":"iframe"}}}}`), admin.Client, 400, tmpl},
		{"PUT", path, "", body(`{"mapping":{}}`), agent.Client, 403, tmpl},
	}
}
