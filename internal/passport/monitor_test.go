package passport_test

import (
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/store"
)

// The monitor lists live grants with their person and site, pages through
// them, and revokes only live grants.
func TestMonitorLiveGrants(t *testing.T) {
	w := newWorld(t, app.Config{})
	svc := w.ts.Passport()
	var grants []string
	for range 3 {
		toks := w.signIn(t, browser(t), "", "")
		grants = append(grants, w.grantOf(t, toks["id_token"].(string)))
	}
	ctx := t.Context()

	page, err := svc.LiveGrants(ctx, store.GrantFilter{SiteID: w.a.ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].Grant.ID != grants[2] || page[1].Grant.ID != grants[1] {
		t.Fatalf("first page: %+v, want the two newest of %v", page, grants)
	}
	for _, m := range page {
		if m.Identity == nil || m.Identity.Email != w.email || m.Site == nil || m.Site.Key != w.a.Key {
			t.Fatalf("grant %s without its person or site: %+v", m.Grant.ID, m)
		}
	}
	rest, err := svc.LiveGrants(ctx, store.GrantFilter{SiteID: w.a.ID, Limit: 2, After: page[1].Grant.ID})
	if err != nil || len(rest) != 1 || rest[0].Grant.ID != grants[0] {
		t.Fatalf("second page: %+v, %v", rest, err)
	}
	if other, err := svc.LiveGrants(ctx, store.GrantFilter{SiteID: w.b.ID}); err != nil || len(other) != 0 {
		t.Fatalf("site B lists %d grants, %v", len(other), err)
	}

	if err := svc.RevokeGrant(ctx, grants[1], "user:U1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, id string }{{"ended", grants[1]}, {"unknown", "no-such-grant"}} {
		if err := svc.RevokeGrant(ctx, tc.id, "user:U1"); tandem.ErrorCode(err) != tandem.ENotFound {
			t.Errorf("revoke %s grant: %v, want not found", tc.name, err)
		}
	}
	live, err := svc.LiveGrants(ctx, store.GrantFilter{})
	if err != nil || len(live) != 2 || live[0].Grant.ID != grants[2] || live[1].Grant.ID != grants[0] {
		t.Fatalf("after revoking: %+v, %v", live, err)
	}
}
