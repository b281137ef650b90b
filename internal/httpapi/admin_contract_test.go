package httpapi_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/password"
)

// adminContractCalls are the administration's operations for
// TestEveryOperationAnswersAsDocumented, made by an admin (and one by the
// agent, refused).
func adminContractCalls(t *testing.T, ctx context.Context, ts *apptest.TestServer) []contractCall {
	t.Helper()
	hash, err := password.HashWith(password.TestParams(), "contract admin pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Store().CreateUser(ctx, &tandem.User{Email: "ada.contract@example.com", Name: "Ada", PasswordHash: hash, Role: tandem.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	adm, err := ts.Login(ctx, "ada.contract@example.com", "contract admin pw")
	if err != nil {
		t.Fatal(err)
	}
	alex, err := ts.Store().UserByEmail(ctx, ts.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	var inv struct{ Token string }
	if err := adm.Do(ctx, "POST", "/api/v1/admin/agents", map[string]string{"email": "lee.contract@example.com", "name": "Lee"}, &inv); err != nil {
		t.Fatal(err)
	}
	key := newAuthorizedKey(t)
	body := func(s string) io.Reader { return strings.NewReader(s) }
	c := adm.Client
	agents, keys := "/api/v1/admin/agents/"+alex.ID, "/api/v1/admin/agents/"+alex.ID+"/keys"
	site := "/api/v1/admin/sites/" + ts.Site.ID
	return []contractCall{
		{"GET", "/api/v1/admin/agents", "", nil, c, 200, "/api/v1/admin/agents"},
		{"POST", "/api/v1/admin/agents", "", body(`{"email":"mo.contract@example.com","name":"Mo","role":"agent"}`), c, 201, "/api/v1/admin/agents"},
		{"POST", "/api/v1/admin/agents", "", body(`{"email":"bad","name":"Mo"}`), c, 400, "/api/v1/admin/agents"},
		{"PATCH", agents, "", body(`{"role":"agent","disabled":false}`), c, 200, "/api/v1/admin/agents/{id}"},
		{"PATCH", "/api/v1/admin/agents/nope", "", body(`{"disabled":true}`), c, 404, "/api/v1/admin/agents/{id}"},
		{"POST", keys, "", body(`{"key":"` + key + `"}`), c, 201, "/api/v1/admin/agents/{id}/keys"},
		{"POST", keys, "", body(`{"key":"nope"}`), c, 400, "/api/v1/admin/agents/{id}/keys"},
		{"DELETE", keys + "?fingerprint=" + url.QueryEscape("SHA256:none"), "", nil, c, 404, "/api/v1/admin/agents/{id}/keys"},
		{"GET", "/api/v1/admin/sites", "", nil, c, 200, "/api/v1/admin/sites"},
		{"POST", "/api/v1/admin/sites", "", body(`{"name":"Contract","allowedOrigins":["https://contract.example"],"retention":"30d"}`), c, 201, "/api/v1/admin/sites"},
		{"POST", "/api/v1/admin/sites", "", body(`{"name":"Contract"}`), c, 400, "/api/v1/admin/sites"},
		{"PATCH", site, "", body(`{"consentEachAgent":false}`), c, 200, "/api/v1/admin/sites/{id}"},
		{"GET", "/api/v1/admin/audit?limit=2", "", nil, c, 200, "/api/v1/admin/audit"},
		{"GET", "/api/v1/admin/audit?limit=0", "", nil, c, 400, "/api/v1/admin/audit"},
		{"POST", "/api/v1/agent-invites/redeem", "", body(`{"token":"` + inv.Token + `","password":"lee's long password"}`), ts.Client(), 200, "/api/v1/agent-invites/redeem"},
		{"POST", "/api/v1/agent-invites/redeem", "", body(`{"token":"` + inv.Token + `","password":"lee's long password"}`), ts.Client(), 404, "/api/v1/agent-invites/redeem"},
	}
}
