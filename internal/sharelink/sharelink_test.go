package sharelink_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/sharelink"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// fixture is a store with two agents, an admin, an ended and a live
// assist, an ended and a live terminal session, and a fake clock.
type fixture struct {
	svc                 *sharelink.Service
	db                  *sqlite.DB
	alex, sam, admin    *tandem.User
	ended, live         *tandem.Assist
	endedTerm, liveTerm string
	clock               time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, clock: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	f.svc = sharelink.New(sharelink.Config{Store: db, Now: func() time.Time { return f.clock }})
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	user := func(email string, role tandem.Role) *tandem.User {
		u := &tandem.User{Email: email, Name: email, Role: role}
		mustDo(db.CreateUser(ctx, u))
		return u
	}
	f.alex, f.sam, f.admin = user("alex@example.com", tandem.RoleAgent), user("sam@example.com", tandem.RoleAgent),
		user("root@example.com", tandem.RoleAdmin)
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}}
	mustDo(db.CreateSite(ctx, site))
	f.ended = &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "p", PageID: "pg", PageURL: "https://shop.example/"}
	f.live = &tandem.Assist{SiteID: site.ID, State: tandem.AssistLive, PersonID: "p", PageID: "pg", PageURL: "https://shop.example/"}
	mustDo(db.CreateAssist(ctx, f.ended))
	mustDo(db.CreateAssist(ctx, f.live))
	f.endedTerm, f.liveTerm = "termended1", "termlive1"
	for _, id := range []string{f.endedTerm, f.liveTerm} {
		mustDo(db.CreateTerminal(ctx, &store.Terminal{ID: id, HostKey: "", HostName: "db1", Command: "bash", RecordingID: "rec-" + id,
			CreatedAt: f.clock}))
	}
	mustDo(db.EndTerminal(ctx, f.endedTerm, "host left", f.clock))
	return f
}

func TestCreateRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  sharelink.CreateRequest
		code string
	}{
		{"a live assist", sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: f.live.ID}, tandem.EConflict},
		{"a live terminal session", sharelink.CreateRequest{Kind: store.ShareTerminal, SubjectID: f.liveTerm}, tandem.EConflict},
		{"an unknown assist", sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: "nope"}, tandem.ENotFound},
		{"an unknown session", sharelink.CreateRequest{Kind: store.ShareTerminal, SubjectID: "nope"}, tandem.ENotFound},
		{"another kind", sharelink.CreateRequest{Kind: "page", SubjectID: f.ended.ID}, tandem.EInvalid},
		{"under an hour", sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: f.ended.ID, TTL: 59 * time.Minute}, tandem.EInvalid},
		{"over 30 days", sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: f.ended.ID, TTL: sharelink.MaxTTL + time.Second}, tandem.EInvalid},
		{"a negative expiry", sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: f.ended.ID, TTL: -time.Hour}, tandem.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.svc.Create(ctx, f.alex, tc.req)
			if got := tandem.ErrorCode(err); got != tc.code {
				t.Errorf("Create = %v (%q), want code %q", err, got, tc.code)
			}
		})
	}
	if ls, err := f.db.ListShareLinks(ctx, "", 0); err != nil || len(ls) != 0 {
		t.Errorf("refused requests left %d links (%v)", len(ls), err)
	}
}

func TestCreateResolveRevoke(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l, token, err := f.svc.Create(ctx, f.alex, sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: f.ended.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "tsl_") || !sharelink.WellFormed(token) || strings.Contains(l.TokenHash, token) {
		t.Errorf("token %q, hash %q: want a tsl_ token whose hash is stored", token, l.TokenHash)
	}
	if !l.ExpiresAt.Equal(f.clock.Add(sharelink.DefaultTTL)) {
		t.Errorf("expires %v, want the default 7 days", l.ExpiresAt)
	}
	visitor := sharelink.Visitor{Addr: "203.0.113.9"}
	got, err := f.svc.Resolve(ctx, token, visitor, true)
	if err != nil || got.ID != l.ID {
		t.Fatalf("Resolve = %v, %v; want the link", got, err)
	}
	if _, err := f.svc.Resolve(ctx, token, sharelink.Visitor{User: f.sam, Addr: "198.51.100.4"}, true); err != nil {
		t.Fatal(err)
	}
	// Fetching the recording of a page already shown is no new view.
	if _, err := f.svc.Resolve(ctx, token, visitor, false); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.db.ShareLinkByID(ctx, l.ID)
	if stored.Uses != 2 {
		t.Errorf("uses = %d, want 2 views", stored.Uses)
	}

	// Another agent cannot revoke it; its maker can.
	if _, err := f.svc.Revoke(ctx, f.sam, l.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("Revoke by another agent = %v, want not found", err)
	}
	if _, err := f.svc.Resolve(ctx, token, visitor, true); err != nil {
		t.Fatalf("a refused revoke revoked the link: %v", err)
	}
	if _, err := f.svc.Revoke(ctx, f.alex, l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Resolve(ctx, token, visitor, true)
	if tandem.ErrorCode(err) != tandem.ENotFound || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("Resolve after revoke = %v, want \"not valid\"", err)
	}

	log, err := f.db.AuditFor(ctx, f.ended.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+" "+e.Actor+" "+e.Detail)
	}
	want := []string{
		"share.create agent:" + f.alex.ID,
		"share.view link:" + l.ID + " link " + l.ID + " from 203.0.113.9",
		"share.view agent:" + f.sam.ID + " link " + l.ID + " from 198.51.100.4",
		"share.view link:" + l.ID,
		"share.revoke agent:" + f.alex.ID,
		"share.refused link:" + l.ID + " link " + l.ID + " revoked",
	}
	if len(actions) != len(want) {
		t.Fatalf("audit log:\n%s\nwant %d entries", strings.Join(actions, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(actions[i], want[i]) {
			t.Errorf("audit[%d] = %q, want it to start %q", i, actions[i], want[i])
		}
	}
}

func TestResolveRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, token, err := f.svc.Create(ctx, f.alex, sharelink.CreateRequest{Kind: store.ShareTerminal, SubjectID: f.endedTerm, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, members, err := f.svc.Create(ctx, f.alex, sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: f.ended.ID, NeedsAccount: true})
	if err != nil {
		t.Fatal(err)
	}
	anon := sharelink.Visitor{Addr: "203.0.113.9"}
	if _, err := f.svc.Resolve(ctx, members, anon, true); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Errorf("a console users' link opened without signing in = %v, want unauthorized", err)
	}
	if _, err := f.svc.Resolve(ctx, members, sharelink.Visitor{User: f.sam}, true); err != nil {
		t.Errorf("a console users' link opened by a console user = %v", err)
	}
	for _, bad := range []string{"", "tsl_", token + "a", strings.ToUpper(token), "tsl_" + strings.Repeat("a", 25) + "!",
		"tsx_" + token[4:], "tsl_" + strings.Repeat("a", 26)} {
		if _, err := f.svc.Resolve(ctx, bad, anon, true); tandem.ErrorCode(err) != tandem.ENotFound {
			t.Errorf("Resolve(%q) = %v, want not valid", bad, err)
		}
	}
	f.clock = f.clock.Add(time.Hour)
	if _, err := f.svc.Resolve(ctx, token, anon, true); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("Resolve of an expired link = %v, want not valid", err)
	}
	log, _ := f.db.AuditFor(ctx, f.endedTerm)
	if n := len(log); n == 0 || log[n-1].Action != sharelink.ActionRefused || !strings.Contains(log[n-1].Detail, "expired") {
		t.Errorf("the expired link's refusal is not in the session's audit log: %+v", log)
	}
}

func TestListAndAdminRevoke(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, u := range []*tandem.User{f.alex, f.sam, f.alex} {
		if _, _, err := f.svc.Create(ctx, u, sharelink.CreateRequest{Kind: store.ShareAssist, SubjectID: f.ended.ID}); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := f.svc.List(ctx, f.alex)
	if err != nil || len(mine) != 2 {
		t.Fatalf("List(alex) = %d links, %v; want 2", len(mine), err)
	}
	all, err := f.svc.List(ctx, f.admin)
	if err != nil || len(all) != 3 {
		t.Fatalf("List(admin) = %d links, %v; want 3", len(all), err)
	}
	if _, err := f.svc.Revoke(ctx, f.admin, mine[0].ID); err != nil {
		t.Errorf("an admin's Revoke = %v", err)
	}
	if _, err := f.svc.Revoke(ctx, f.alex, "nope"); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("Revoke of an unknown link = %v, want not found", err)
	}
}
