package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/simclient"
)

// startAdmin starts a server with the agent Alex and an admin, Ada, both
// signed in.
func startAdmin(t *testing.T) (*apptest.TestServer, *simclient.Agent, *simclient.Agent, *tandem.User) {
	t.Helper()
	ts, agent := start(t, app.Config{})
	hash, err := password.HashWith(password.TestParams(), "admin password ok")
	if err != nil {
		t.Fatal(err)
	}
	ada := &tandem.User{Email: "ada@example.com", Name: "Ada", PasswordHash: hash, Role: tandem.RoleAdmin}
	if err := ts.Store().CreateUser(context.Background(), ada); err != nil {
		t.Fatal(err)
	}
	adm, err := ts.Login(context.Background(), ada.Email, "admin password ok")
	if err != nil {
		t.Fatal(err)
	}
	return ts, agent, adm, ada
}

// Every administration route answers an agent who is not an admin 403,
// and changes nothing.
func TestAdminRequiresAdmin(t *testing.T) {
	ts, agent, _, ada := startAdmin(t)
	ctx := context.Background()
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/admin/agents", nil},
		{"POST", "/api/v1/admin/agents", map[string]string{"email": "x@example.com", "name": "X"}},
		{"PATCH", "/api/v1/admin/agents/" + ada.ID, map[string]any{"disabled": true}},
		{"POST", "/api/v1/admin/agents/" + ada.ID + "/keys", map[string]string{"key": newAuthorizedKey(t)}},
		{"DELETE", "/api/v1/admin/agents/" + ada.ID + "/keys?fingerprint=SHA256:x", nil},
		{"GET", "/api/v1/admin/sites", nil},
		{"POST", "/api/v1/admin/sites", map[string]any{"name": "S", "allowedOrigins": []string{"https://s.example"}}},
		{"PATCH", "/api/v1/admin/sites/" + ts.Site.ID, map[string]any{"allowedOrigins": []string{"https://evil.example"}}},
		{"GET", "/api/v1/admin/audit", nil},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			if err := agent.Do(ctx, tc.method, tc.path, tc.body, nil); apiCode(err) != tandem.EForbidden {
				t.Fatalf("an agent got %v, want forbidden", err)
			}
		})
	}
	if u, _ := ts.Store().UserByID(ctx, ada.ID); !u.DisabledAt.IsZero() {
		t.Error("an agent's refused request disabled the admin")
	}
	if s, _ := ts.Store().SiteByID(ctx, ts.Site.ID); s.AllowedOrigins[0] != siteOrigin {
		t.Errorf("an agent's refused request changed the origins to %v", s.AllowedOrigins)
	}
	anon := &simclient.Agent{Base: ts.URL(), Client: ts.Client()}
	if err := anon.Do(ctx, "GET", "/api/v1/admin/agents", nil, nil); apiCode(err) != tandem.EUnauthorized {
		t.Errorf("without a session: %v, want unauthorized", err)
	}
}

type agentOut struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
	Invited  bool   `json:"invited"`
	Keys     []struct {
		Fingerprint string `json:"fingerprint"`
	} `json:"keys"`
}

// An admin invites an agent, who redeems the invite once and is signed
// in; the admin changes their role, disables them (their session ends and
// sign-in is refused) and enables them; every step is in the audit log.
func TestAdminInviteDisable(t *testing.T) {
	ts, _, adm, ada := startAdmin(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		body map[string]string
		code string
	}{
		{"bad email", map[string]string{"email": "nobody", "name": "N"}, tandem.EInvalid},
		{"no name", map[string]string{"email": "n@example.com", "name": " "}, tandem.EInvalid},
		{"bad role", map[string]string{"email": "n@example.com", "name": "N", "role": "root"}, tandem.EInvalid},
		{"taken email", map[string]string{"email": "ALEX@example.com", "name": "A"}, tandem.EConflict},
	} {
		if err := adm.Do(ctx, "POST", "/api/v1/admin/agents", tc.body, nil); apiCode(err) != tc.code {
			t.Errorf("invite %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	var inv struct {
		Agent agentOut `json:"agent"`
		Token string   `json:"token"`
		Path  string   `json:"path"`
	}
	if err := adm.Do(ctx, "POST", "/api/v1/admin/agents", map[string]string{"email": "kim@example.com", "name": "Kim"}, &inv); err != nil {
		t.Fatal(err)
	}
	if !inv.Agent.Invited || inv.Agent.Role != "agent" || inv.Token == "" || !strings.HasSuffix(inv.Path, inv.Token) {
		t.Fatalf("invite = %+v", inv)
	}
	// No password works before the invite is redeemed.
	if _, err := ts.Login(ctx, "kim@example.com", ""); apiCode(err) == "" {
		t.Fatal("an invited agent signed in with an empty password")
	}

	jar, _ := cookiejar.New(nil)
	kim := &simclient.Agent{Base: ts.URL(), Client: &http.Client{Jar: jar, Transport: ts.API}}
	for _, tc := range []struct {
		name, token, pw, code string
	}{
		{"short password", inv.Token, "short", tandem.EInvalid},
		{"wrong token", "nope", "a long enough password", tandem.ENotFound},
		{"no token", "", "a long enough password", tandem.EInvalid},
	} {
		err := kim.Do(ctx, "POST", "/api/v1/agent-invites/redeem", map[string]string{"token": tc.token, "password": tc.pw}, nil)
		if apiCode(err) != tc.code {
			t.Errorf("redeem %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if err := kim.Do(ctx, "POST", "/api/v1/agent-invites/redeem", map[string]string{"token": inv.Token, "password": "kims own password"}, nil); err != nil {
		t.Fatalf("redeem: %v", err)
	}
	if err := kim.Do(ctx, "GET", "/api/v1/me", nil, nil); err != nil {
		t.Fatalf("after redeeming, /me: %v", err)
	}
	if err := kim.Do(ctx, "POST", "/api/v1/agent-invites/redeem", map[string]string{"token": inv.Token, "password": "another password"}, nil); apiCode(err) != tandem.ENotFound {
		t.Errorf("second redeem: %v, want not_found", err)
	}
	if _, err := ts.Login(ctx, "kim@example.com", "kims own password"); err != nil {
		t.Fatalf("sign in with the chosen password: %v", err)
	}

	patch := func(id string, body map[string]any) (agentOut, error) {
		var out struct{ Agent agentOut }
		err := adm.Do(ctx, "PATCH", "/api/v1/admin/agents/"+id, body, &out)
		return out.Agent, err
	}
	for _, tc := range []struct {
		name string
		id   string
		body map[string]any
		code string
	}{
		{"nothing", inv.Agent.ID, map[string]any{}, tandem.EInvalid},
		{"bad role", inv.Agent.ID, map[string]any{"role": "owner"}, tandem.EInvalid},
		{"unknown", "nobody", map[string]any{"disabled": true}, tandem.ENotFound},
		{"self disable", ada.ID, map[string]any{"disabled": true}, tandem.EInvalid},
		{"self demote", ada.ID, map[string]any{"role": "agent"}, tandem.EInvalid},
	} {
		if _, err := patch(tc.id, tc.body); apiCode(err) != tc.code {
			t.Errorf("patch %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if a, err := patch(inv.Agent.ID, map[string]any{"role": "admin"}); err != nil || a.Role != "admin" {
		t.Fatalf("role: %+v, %v", a, err)
	}
	if a, err := patch(inv.Agent.ID, map[string]any{"disabled": true}); err != nil || !a.Disabled {
		t.Fatalf("disable: %+v, %v", a, err)
	}
	if err := kim.Do(ctx, "GET", "/api/v1/me", nil, nil); apiCode(err) != tandem.EUnauthorized {
		t.Errorf("a disabled agent's session: %v, want unauthorized", err)
	}
	if _, err := ts.Login(ctx, "kim@example.com", "kims own password"); apiCode(err) != tandem.EUnauthorized {
		t.Errorf("a disabled agent's sign-in: %v, want unauthorized", err)
	}
	if _, err := patch(inv.Agent.ID, map[string]any{"disabled": false}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Login(ctx, "kim@example.com", "kims own password"); err != nil {
		t.Errorf("an enabled agent's sign-in: %v", err)
	}

	want := []string{"admin.user.enable", "admin.user.disable", "admin.user.role", "admin.user.redeem", "admin.user.invite"}
	if got := auditActions(t, adm, "?session=user:"+inv.Agent.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audit of the agent = %v, want %v", got, want)
	}
	if got := auditActions(t, adm, "?actor=agent:"+ada.ID+"&action=admin.user.disable"); len(got) != 1 {
		t.Errorf("audit by actor and action = %v, want one disable", got)
	}
}

func auditActions(t *testing.T, adm *simclient.Agent, query string) []string {
	t.Helper()
	var out struct {
		Entries []struct{ Action string }
	}
	if err := adm.Do(context.Background(), "GET", "/api/v1/admin/audit"+query, nil, &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range out.Entries {
		got = append(got, e.Action)
	}
	return got
}

func newAuthorizedKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " kim@laptop"
}

// SSH keys: added with validation and shown by fingerprint, removed by it.
func TestAdminKeys(t *testing.T) {
	ts, _, adm, _ := startAdmin(t)
	ctx := context.Background()
	alex, err := ts.Store().UserByEmail(ctx, ts.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	line := newAuthorizedKey(t)
	pk, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(line))
	fp := ssh.FingerprintSHA256(pk)
	path := "/api/v1/admin/agents/" + alex.ID + "/keys"
	for _, tc := range []struct {
		name, key, code string
	}{
		{"empty", "", tandem.EInvalid},
		{"garbage", "ssh-ed25519 AAAAbroken", tandem.EInvalid},
		{"private key", "-----BEGIN OPENSSH PRIVATE KEY-----", tandem.EInvalid},
		{"two keys", line + "\n" + newAuthorizedKey(t), tandem.EInvalid},
	} {
		if err := adm.Do(ctx, "POST", path, map[string]string{"key": tc.key}, nil); apiCode(err) != tc.code {
			t.Errorf("add %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	var added struct {
		Key struct{ Fingerprint, Comment string }
	}
	if err := adm.Do(ctx, "POST", path, map[string]string{"key": line}, &added); err != nil {
		t.Fatal(err)
	}
	if added.Key.Fingerprint != fp || added.Key.Comment != "kim@laptop" {
		t.Errorf("added %+v, want %s", added.Key, fp)
	}
	if err := adm.Do(ctx, "POST", path, map[string]string{"key": line}, nil); apiCode(err) != tandem.EConflict {
		t.Errorf("the same key again: %v, want conflict", err)
	}
	var list struct{ Agents []agentOut }
	if err := adm.Do(ctx, "GET", "/api/v1/admin/agents", nil, &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range list.Agents {
		found = found || a.ID == alex.ID && len(a.Keys) == 1 && a.Keys[0].Fingerprint == fp
	}
	if !found {
		t.Errorf("agents %+v: want Alex with the key %s", list.Agents, fp)
	}
	del := path + "?fingerprint=" + url.QueryEscape(fp)
	if err := adm.Do(ctx, "DELETE", path, nil, nil); apiCode(err) != tandem.EInvalid {
		t.Errorf("remove without a fingerprint: %v", err)
	}
	if err := adm.Do(ctx, "DELETE", del, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(ctx, "DELETE", del, nil, nil); apiCode(err) != tandem.ENotFound {
		t.Errorf("remove twice: %v, want not_found", err)
	}
	want := []string{"admin.user.key.remove", "admin.user.key.add"}
	if got := auditActions(t, adm, "?session=user:"+alex.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audit = %v, want %v", got, want)
	}
}

// Sites: created and edited with every admin setting; bad input is
// refused and changes nothing.
func TestAdminSites(t *testing.T) {
	ts, _, adm, _ := startAdmin(t)
	ctx := context.Background()
	type siteOut struct {
		ID, Name, Retention string
		AllowedOrigins      []string
		StrictMasking       bool
		ConsentEachAgent    bool
	}
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"no name", map[string]any{"allowedOrigins": []string{"https://a.example"}}},
		{"no origin", map[string]any{"name": "A"}},
		{"bad origin", map[string]any{"name": "A", "allowedOrigins": []string{"javascript:alert(1)"}}},
		{"bad retention", map[string]any{"name": "A", "allowedOrigins": []string{"https://a.example"}, "retention": "6m"}},
	} {
		if err := adm.Do(ctx, "POST", "/api/v1/admin/sites", tc.body, nil); apiCode(err) != tandem.EInvalid {
			t.Errorf("create %s: %v, want invalid", tc.name, err)
		}
	}
	var created struct{ Site siteOut }
	err := adm.Do(ctx, "POST", "/api/v1/admin/sites", map[string]any{"name": "Shop", "allowedOrigins": []string{"https://shop.example"},
		"strictMasking": true, "retention": "30d"}, &created)
	if err != nil {
		t.Fatal(err)
	}
	if !created.Site.StrictMasking || created.Site.Retention != "30d" || created.Site.AllowedOrigins[0] != "https://shop.example" {
		t.Errorf("created %+v", created.Site)
	}
	path := "/api/v1/admin/sites/" + created.Site.ID
	for _, body := range []map[string]any{
		{"allowedOrigins": []string{}},
		{"allowedOrigins": []string{"https://ok.example", "ftp://x"}},
		{"retention": "-1d"},
		{"name": ""},
	} {
		if err := adm.Do(ctx, "PATCH", path, body, nil); apiCode(err) != tandem.EInvalid {
			t.Errorf("patch %v: %v, want invalid", body, err)
		}
	}
	if s, _ := ts.Store().SiteByID(ctx, created.Site.ID); len(s.AllowedOrigins) != 1 || s.Name != "Shop" {
		t.Errorf("refused patches changed the site: %+v", s)
	}
	var updated struct{ Site siteOut }
	if err := adm.Do(ctx, "PATCH", path, map[string]any{"allowedOrigins": []string{"https://shop.example", "https://m.shop.example"},
		"consentEachAgent": true, "retention": "forever"}, &updated); err != nil {
		t.Fatal(err)
	}
	if len(updated.Site.AllowedOrigins) != 2 || !updated.Site.ConsentEachAgent || updated.Site.Retention != "forever" || !updated.Site.StrictMasking {
		t.Errorf("updated %+v", updated.Site)
	}
	if err := adm.Do(ctx, "PATCH", "/api/v1/admin/sites/nope", map[string]any{"name": "X"}, nil); apiCode(err) != tandem.ENotFound {
		t.Errorf("patch unknown: %v", err)
	}
	want := []string{"admin.site.update", "admin.site.create"}
	if got := auditActions(t, adm, "?session=site:"+created.Site.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audit = %v, want %v", got, want)
	}
	var page struct {
		Entries []struct{ ID int64 }
		Next    int64
	}
	if err := adm.Do(ctx, "GET", "/api/v1/admin/audit?limit=1", nil, &page); err != nil || len(page.Entries) != 1 || page.Next == 0 {
		t.Fatalf("page 1: %+v, %v", page, err)
	}
	for _, q := range []string{"?limit=0", "?limit=201", "?before=x", "?before=-3"} {
		if err := adm.Do(ctx, "GET", "/api/v1/admin/audit"+q, nil, nil); apiCode(err) != tandem.EInvalid {
			t.Errorf("audit%s: %v, want invalid", q, err)
		}
	}
}
