package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/store"
)

// monitored is a person signed in on a site of their own through the
// passport, and an admin of the console.
type monitored struct {
	admin   *simclient.Agent
	adminID string
	site    *tandem.Site
	person  *tandem.Identity
	grant   string
	access  string
}

// newMonitored registers a site with the passport, signs a person (email)
// in on it with a code flow, and signs an admin in to the console.
func newMonitored(t *testing.T, ctx context.Context, ts *apptest.TestServer, email string) *monitored {
	t.Helper()
	st := ts.Store().(store.Passport)
	now := time.Now()
	site := &tandem.Site{Name: "Monitored " + email, AllowedOrigins: []string{"http://127.0.0.1:7101"}}
	if err := ts.Store().CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	redirect := "http://127.0.0.1:7101/cb"
	if err := st.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: site.ID, Domains: site.AllowedOrigins, RedirectURIs: []string{redirect},
		Devices: []tandem.DeviceKind{tandem.DeviceBrowser}, AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	person := &tandem.Identity{Email: email, Name: "Robin Doe", CreatedAt: now}
	if err := st.CreateIdentity(ctx, person); err != nil {
		t.Fatal(err)
	}
	svc := ts.Passport()
	client, err := svc.LookupClient(ctx, site.Key)
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	ar := &passport.AuthRequest{ClientID: site.Key, RedirectURI: redirect, ResponseType: "code", Scope: "openid email",
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: "S256"}
	code, err := svc.IssueCode(ctx, client, ar, person.ID, "device-"+email)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := svc.Exchange(ctx, client, code, redirect, verifier)
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.Verify(ctx, toks.AccessToken)
	if err != nil || !v.Active {
		t.Fatalf("verify the new token: %+v, %v", v, err)
	}
	adminEmail := "admin-" + email
	hash, _ := password.HashWith(password.TestParams(), "the admin's password")
	u := &tandem.User{Email: adminEmail, Name: "Ada Admin", PasswordHash: hash, Role: tandem.RoleAdmin}
	if err := ts.Store().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	admin, err := ts.Login(ctx, adminEmail, "the admin's password")
	if err != nil {
		t.Fatal(err)
	}
	return &monitored{admin: admin, adminID: u.ID, site: site, person: person, grant: v.GrantID, access: toks.AccessToken}
}

// passportMonitorCalls are the contract calls of the monitor.
func passportMonitorCalls(t *testing.T, ctx context.Context, ts *apptest.TestServer) []contractCall {
	t.Helper()
	agent := mustLogin(t, ts) // the contract's own agent signs out before these calls
	m := newMonitored(t, ctx, ts, "contract@example.com")
	admin := m.admin.Client
	grant := "/api/v1/passport/grants/" + m.grant
	refresh, revoke := "/api/v1/passport/grants/{id}/refresh", "/api/v1/passport/grants/{id}/revoke"
	return []contractCall{
		{"GET", "/api/v1/passport/grants?site=" + m.site.ID, "", nil, admin, 200, ""},
		{"GET", "/api/v1/passport/grants?limit=0", "", nil, admin, 400, ""},
		{"GET", "/api/v1/passport/grants", "", nil, agent.Client, 403, ""},
		{"POST", grant + "/refresh", "", nil, admin, 204, refresh},
		{"POST", grant + "/refresh", "", nil, agent.Client, 403, refresh},
		{"POST", grant + "/revoke", "", nil, admin, 204, revoke},
		{"POST", grant + "/revoke", "", nil, admin, 404, revoke},
		{"POST", grant + "/refresh", "", nil, admin, 404, refresh},
	}
}

type grantList struct {
	Grants []struct {
		ID           string `json:"id"`
		Identity     struct{ ID, Email, Name string }
		Site         struct{ ID, Key, Name string }
		Device       struct{ ID, Kind string }
		RefreshAhead bool `json:"refreshAhead"`
	} `json:"grants"`
	Next string `json:"next"`
}

func statusOf(err error) int {
	var e *simclient.APIError
	if errors.As(err, &e) {
		return e.Status
	}
	if err == nil {
		return http.StatusOK
	}
	return 0
}

// Who may use the monitor and what it refuses.
func TestPassportMonitorAccess(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx := t.Context()
	m := newMonitored(t, ctx, ts, "robin@example.com")
	other := newMonitored(t, ctx, ts, "sam@example.com")
	anon := &simclient.Agent{Base: ts.URL(), Client: ts.Client()}
	cases := []struct {
		name   string
		who    *simclient.Agent
		method string
		path   string
		status int
		grants []string // for 200 listings: the grant ids, in order
	}{
		{"admin lists everyone, newest first", m.admin, "GET", "/api/v1/passport/grants", 200, []string{other.grant, m.grant}},
		{"admin lists one site", m.admin, "GET", "/api/v1/passport/grants?site=" + m.site.ID, 200, []string{m.grant}},
		{"admin lists one person by email", m.admin, "GET", "/api/v1/passport/grants?identity=" + url.QueryEscape("sam@example.com"), 200, []string{other.grant}},
		{"admin lists one person by id", m.admin, "GET", "/api/v1/passport/grants?identity=" + m.person.ID, 200, []string{m.grant}},
		{"an unknown email lists nothing", m.admin, "GET", "/api/v1/passport/grants?identity=nobody%40example.com", 200, []string{}},
		{"a page of one", m.admin, "GET", "/api/v1/passport/grants?limit=1", 200, []string{other.grant}},
		{"the page after", m.admin, "GET", "/api/v1/passport/grants?limit=1&cursor=" + other.grant, 200, []string{m.grant}},
		{"a bad limit", m.admin, "GET", "/api/v1/passport/grants?limit=201", 400, nil},
		{"an unknown cursor", m.admin, "GET", "/api/v1/passport/grants?cursor=nope", 400, nil},
		{"an agent is refused the list", agent, "GET", "/api/v1/passport/grants", 403, nil},
		{"an agent is refused a refresh", agent, "POST", "/api/v1/passport/grants/" + m.grant + "/refresh", 403, nil},
		{"an agent is refused a revoke", agent, "POST", "/api/v1/passport/grants/" + m.grant + "/revoke", 403, nil},
		{"nobody signed in", anon, "GET", "/api/v1/passport/grants", 401, nil},
		{"refresh of an unknown grant", m.admin, "POST", "/api/v1/passport/grants/nope/refresh", 404, nil},
		{"revoke of an unknown grant", m.admin, "POST", "/api/v1/passport/grants/nope/revoke", 404, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out grantList
			var dst any
			if tc.method == "GET" {
				dst = &out
			}
			err := tc.who.Do(ctx, tc.method, tc.path, nil, dst)
			if got := statusOf(err); got != tc.status {
				t.Fatalf("status %d (%v), want %d", got, err, tc.status)
			}
			if tc.grants == nil {
				return
			}
			var ids []string
			for _, g := range out.Grants {
				ids = append(ids, g.ID)
			}
			if len(ids) != len(tc.grants) || (len(ids) > 0 && !equalStrings(ids, tc.grants)) {
				t.Fatalf("grants %v, want %v", ids, tc.grants)
			}
		})
	}
	// The agent's refusals changed nothing.
	if v, err := ts.Passport().Verify(ctx, m.access); err != nil || !v.Active || v.RefreshAhead {
		t.Fatalf("after the refusals: %+v, %v", v, err)
	}
	// A listing shows the person, site and device.
	var out grantList
	if err := m.admin.Do(ctx, "GET", "/api/v1/passport/grants?site="+m.site.ID, nil, &out); err != nil {
		t.Fatal(err)
	}
	g := out.Grants[0]
	if g.Identity.ID != m.person.ID || g.Identity.Email != "robin@example.com" || g.Identity.Name != "Robin Doe" ||
		g.Site.Key != m.site.Key || g.Site.Name != m.site.Name || g.Device.ID != "device-robin@example.com" || g.Device.Kind != "browser" {
		t.Errorf("listed %+v", g)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Refresh ahead marks the grant for verification and tells its followers;
// revoke ends it (reason revoked) and is heard too; both are audited with
// the admin as actor.
func TestPassportMonitorActions(t *testing.T) {
	ts, _ := start(t, app.Config{})
	ctx := t.Context()
	m := newMonitored(t, ctx, ts, "robin@example.com")
	svc := ts.Passport()
	follow, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := svc.Follow(follow, m.grant)
	if err != nil {
		t.Fatal(err)
	}
	next := func(want string) passport.GrantEvent {
		t.Helper()
		select {
		case e := <-events:
			if e.Type != want || e.GrantID != m.grant {
				t.Fatalf("event %+v, want %s of %s", e, want, m.grant)
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", want)
		}
		return passport.GrantEvent{}
	}

	if err := m.admin.Do(ctx, "POST", "/api/v1/passport/grants/"+m.grant+"/refresh", nil, nil); err != nil {
		t.Fatal(err)
	}
	next("refresh")
	if v, err := svc.Verify(ctx, m.access); err != nil || !v.Active || !v.RefreshAhead {
		t.Fatalf("verify after refresh ahead: %+v, %v", v, err)
	}
	var out grantList
	if err := m.admin.Do(ctx, "GET", "/api/v1/passport/grants", nil, &out); err != nil || len(out.Grants) != 1 || !out.Grants[0].RefreshAhead {
		t.Fatalf("listed after refresh ahead: %+v, %v", out, err)
	}

	if err := m.admin.Do(ctx, "POST", "/api/v1/passport/grants/"+m.grant+"/revoke", nil, nil); err != nil {
		t.Fatal(err)
	}
	if e := next("ended"); e.Reason != string(tandem.GrantRevoked) {
		t.Fatalf("ended event %+v, want reason revoked", e)
	}
	if v, err := svc.Verify(ctx, m.access); err != nil || v.Active || v.Reason != "revoked" {
		t.Fatalf("verify after revoke: %+v, %v", v, err)
	}
	out = grantList{}
	if err := m.admin.Do(ctx, "GET", "/api/v1/passport/grants", nil, &out); err != nil || len(out.Grants) != 0 {
		t.Fatalf("listed after revoke: %+v, %v", out, err)
	}

	audit, err := ts.Store().AuditFor(ctx, m.grant)
	if err != nil {
		t.Fatal(err)
	}
	actors := map[string]string{}
	for _, e := range audit {
		actors[e.Action] = e.Actor
	}
	for _, action := range []string{"passport.refresh_ahead", "passport.revoke"} {
		if actors[action] != "user:"+m.adminID {
			t.Errorf("audit %s by %q, want user:%s (all: %v)", action, actors[action], m.adminID, actors)
		}
	}
}
