package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/store"
)

// siteToken signs identityID in on site through a code flow (in process)
// and returns the access token.
func siteToken(t *testing.T, ts *apptest.TestServer, site *tandem.Site, redirect, identityID string) string {
	t.Helper()
	ctx := t.Context()
	svc := ts.Passport()
	c, err := svc.LookupClient(ctx, site.Key)
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	ar := &passport.AuthRequest{ClientID: site.Key, RedirectURI: redirect, ResponseType: "code", Scope: "openid email",
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: "S256"}
	code, err := svc.IssueCode(ctx, c, ar, identityID, "web-"+site.ID)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := svc.Exchange(ctx, c, code, redirect, verifier)
	if err != nil {
		t.Fatal(err)
	}
	return toks.AccessToken
}

func registerSite(t *testing.T, ts *apptest.TestServer, site *tandem.Site, redirect string) {
	t.Helper()
	now := time.Now()
	err := ts.Store().(store.Passport).PutServiceLine(t.Context(), &tandem.ServiceLine{SiteID: site.ID, Domains: site.AllowedOrigins,
		RedirectURIs: []string{redirect}, AccessTTL: time.Hour, RefreshTTL: 24 * time.Hour, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
}

// A help request with the person's passport token for the site is
// verified: the assist carries their identity. Any other token leaves the
// request unverified, and never refuses it.
func TestHelpRequestPassportToken(t *testing.T) {
	ts := apptest.Start(t, app.Config{}, siteOrigin)
	ctx := context.Background()
	redirect := siteOrigin + "/cb"
	registerSite(t, ts, ts.Site, redirect)
	other := &tandem.Site{Name: "Other", AllowedOrigins: []string{"https://other.example"}}
	if err := ts.Store().CreateSite(ctx, other); err != nil {
		t.Fatal(err)
	}
	registerSite(t, ts, other, "https://other.example/cb")
	sam := &tandem.Identity{Email: "sam@example.com", Name: "Sam Doe", CreatedAt: time.Now()}
	if err := ts.Store().(store.Passport).CreateIdentity(ctx, sam); err != nil {
		t.Fatal(err)
	}
	good := siteToken(t, ts, ts.Site, redirect, sam.ID)
	othersToken := siteToken(t, ts, other, "https://other.example/cb", sam.ID)
	revoked := siteToken(t, ts, ts.Site, redirect, sam.ID)
	v, err := ts.Passport().Verify(ctx, revoked)
	if err != nil || !v.Active {
		t.Fatalf("Verify before revoking: %+v, %v", v, err)
	}
	if err := ts.Passport().EndGrant(ctx, v.GrantID, tandem.GrantRevoked, "test"); err != nil {
		t.Fatal(err)
	}
	agent, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, token string
		verified    bool
	}{
		{"an active token of the site", good, true},
		{"no token", "", false},
		{"another site's token", othersToken, false},
		{"a revoked token", revoked, false},
		{"a malformed token", "not a token at all", false},
		{"a refresh-shaped token", "tpr_" + strings.Repeat("A", 43), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"siteKey": ts.Site.Key, "pageId": "p1", "url": siteOrigin + "/cart", "passportToken": tc.token})
			req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL()+"/api/v1/public/help-requests", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", siteOrigin)
			res, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var started struct {
				AssistID string `json:"assistId"`
			}
			err = json.NewDecoder(res.Body).Decode(&started)
			res.Body.Close()
			if err != nil || res.StatusCode != http.StatusCreated {
				t.Fatalf("help request: %d, %v", res.StatusCode, err)
			}
			a, err := ts.Store().AssistByID(ctx, started.AssistID)
			if err != nil {
				t.Fatal(err)
			}
			want := tandem.VerifiedPerson{}
			if tc.verified {
				want = tandem.VerifiedPerson{IdentityID: sam.ID, Email: sam.Email, Name: sam.Name}
			}
			if a.Verified != want {
				t.Fatalf("stored Verified = %+v, want %+v", a.Verified, want)
			}
			// The console sees it (the response is checked against the document).
			res, err = agent.Client.Get(ts.URL() + "/api/v1/assists/" + started.AssistID)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Assist struct {
					Verified *struct{ IdentityID, Email, Name string } `json:"verified"`
				} `json:"assist"`
			}
			err = json.NewDecoder(res.Body).Decode(&got)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if (got.Assist.Verified != nil) != tc.verified || tc.verified && got.Assist.Verified.Email != sam.Email {
				t.Fatalf("API verified = %+v, want verified %v", got.Assist.Verified, tc.verified)
			}
		})
	}
}
