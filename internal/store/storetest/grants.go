package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func grantIDs(gs []*tandem.Grant) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func testGrants(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s, "Shop", false)
	id := newIdentity(t, s, "robin@example.com")
	g, ended := newGrant(t, s, "g1", id, l.SiteID, "phone", 0, "")
	checkID(t, g.ID, "grant")
	if len(ended) != 0 || g.Generation != 0 || !sameTime(g.RotatedAt, at(0)) {
		t.Errorf("CreateGrant set %+v, ended %v", g, ended)
	}
	for _, get := range []struct {
		name     string
		fn       func() (*tandem.Grant, error)
		previous bool
	}{
		{"GrantByID", func() (*tandem.Grant, error) { return s.GrantByID(ctx, g.ID) }, false},
		{"GrantByAccessHash", func() (*tandem.Grant, error) { return s.GrantByAccessHash(ctx, sha("ag1")) }, false},
		{"GrantByRefreshHash", func() (*tandem.Grant, error) {
			got, prev, err := s.GrantByRefreshHash(ctx, sha("rg1"))
			if prev {
				t.Error("GrantByRefreshHash of the current token says previous")
			}
			return got, err
		}, false},
	} {
		got, err := get.fn()
		if err != nil {
			t.Errorf("%s: %v", get.name, err)
		} else if !sameGrant(got, g) {
			t.Errorf("%s = %+v, want %+v", get.name, got, g)
		}
	}
	wantCode(t, func() error {
		_, err := s.CreateGrant(ctx, &tandem.Grant{ID: g.ID, IdentityID: id.ID, SiteID: l.SiteID,
			AccessHash: sha("x1"), RefreshHash: sha("x2"), AccessExpiresAt: at(1), ExpiresAt: at(2), CreatedAt: at(0)}, "")
		return err
	}(), tandem.EConflict, "CreateGrant with an id in use")
	wantCode(t, func() error {
		_, err := s.CreateGrant(ctx, &tandem.Grant{IdentityID: id.ID, SiteID: l.SiteID,
			AccessHash: sha("ag1"), RefreshHash: sha("x2"), AccessExpiresAt: at(1), ExpiresAt: at(2), CreatedAt: at(0)}, "")
		return err
	}(), tandem.EConflict, "CreateGrant with an access hash in use")
	for _, c := range []struct{ site, identity string }{{"no-such-site", id.ID}, {l.SiteID, "nobody"}} {
		_, err := s.CreateGrant(ctx, &tandem.Grant{IdentityID: c.identity, SiteID: c.site, AccessHash: sha("y1"), RefreshHash: sha("y2"),
			AccessExpiresAt: at(1), ExpiresAt: at(2), CreatedAt: at(0)}, tandem.GrantSignedInElsewhere)
		wantCode(t, err, tandem.ENotFound, "CreateGrant for "+c.site+" "+c.identity)
	}
	_, err := s.GrantByID(ctx, "nope")
	wantCode(t, err, tandem.ENotFound, "GrantByID nope")
	for _, h := range []string{sha("nope"), ""} {
		_, err = s.GrantByAccessHash(ctx, h)
		wantCode(t, err, tandem.ENotFound, "GrantByAccessHash "+h)
		_, _, err = s.GrantByRefreshHash(ctx, h)
		wantCode(t, err, tandem.ENotFound, "GrantByRefreshHash "+h)
	}

	// Refreshing moves the grant on: the old refresh token is now the
	// previous one, and the old access token finds nothing.
	rot := &store.RotateGrant{GrantID: g.ID, FromGeneration: 0, AccessHash: sha("ag1.1"), RefreshHash: sha("rg1.1"),
		AccessExpiresAt: at(15), ExpiresAt: at(605), At: at(5)}
	must(t, s.RotateGrant(ctx, rot), "RotateGrant")
	got, err := s.GrantByID(ctx, g.ID)
	must(t, err, "GrantByID")
	want := *g
	want.Generation, want.RotatedAt, want.AccessHash, want.RefreshHash, want.PrevRefreshHash = 1, at(5), sha("ag1.1"), sha("rg1.1"), sha("rg1")
	want.AccessExpiresAt, want.ExpiresAt = at(15), at(605)
	if !sameGrant(got, &want) {
		t.Errorf("after RotateGrant: %+v, want %+v", got, &want)
	}
	if got, prev, err := s.GrantByRefreshHash(ctx, sha("rg1")); err != nil || !prev || got.ID != g.ID {
		t.Errorf("GrantByRefreshHash of the previous token = %v, %v, %v; want the grant, previous", got, prev, err)
	}
	if got, prev, err := s.GrantByRefreshHash(ctx, sha("rg1.1")); err != nil || prev || got.ID != g.ID {
		t.Errorf("GrantByRefreshHash of the current token = %v, %v, %v; want the grant, current", got, prev, err)
	}
	_, err = s.GrantByAccessHash(ctx, sha("ag1"))
	wantCode(t, err, tandem.ENotFound, "GrantByAccessHash of a rotated access token")

	// The loser of a race, or a stale generation, changes nothing.
	stale := *rot
	stale.AccessHash, stale.RefreshHash = sha("stale-a"), sha("stale-r")
	wantCode(t, s.RotateGrant(ctx, &stale), tandem.EConflict, "RotateGrant from a past generation")
	stale.FromGeneration = 7
	wantCode(t, s.RotateGrant(ctx, &stale), tandem.EConflict, "RotateGrant from a future generation")
	stale.FromGeneration, stale.At, stale.ExpiresAt = 1, at(605), at(1200)
	wantCode(t, s.RotateGrant(ctx, &stale), tandem.EExpired, "RotateGrant of an expired grant")
	stale.GrantID, stale.At = "nope", at(6)
	wantCode(t, s.RotateGrant(ctx, &stale), tandem.ENotFound, "RotateGrant of no grant")
	if again, err := s.GrantByID(ctx, g.ID); err != nil || !sameGrant(again, &want) {
		t.Errorf("refused rotations changed the grant: %+v, %v", again, err)
	}

	must(t, s.SetRefreshAhead(ctx, g.ID, true), "SetRefreshAhead")
	wantCode(t, s.SetRefreshAhead(ctx, "nope", true), tandem.ENotFound, "SetRefreshAhead of no grant")
	want.RefreshAhead = true
	if got, err := s.GrantByID(ctx, g.ID); err != nil || !sameGrant(got, &want) {
		t.Errorf("after SetRefreshAhead: %+v, %v; want %+v", got, err, &want)
	}
	// A refresh is what the monitor asked for: rotating clears the request.
	ahead := &store.RotateGrant{GrantID: g.ID, FromGeneration: 1, AccessHash: sha("ag1.2"), RefreshHash: sha("rg1.2"),
		AccessExpiresAt: at(16), ExpiresAt: at(606), At: at(6)}
	must(t, s.RotateGrant(ctx, ahead), "RotateGrant after SetRefreshAhead")
	want.Generation, want.RotatedAt, want.AccessHash, want.RefreshHash, want.PrevRefreshHash = 2, at(6), sha("ag1.2"), sha("rg1.2"), sha("rg1.1")
	want.AccessExpiresAt, want.ExpiresAt, want.RefreshAhead = at(16), at(606), false
	if got, err := s.GrantByID(ctx, g.ID); err != nil || !sameGrant(got, &want) {
		t.Errorf("RotateGrant did not clear RefreshAhead: %+v, %v; want %+v", got, err, &want)
	}

	// Ending: once, with its reason; ending again changes nothing.
	must(t, s.EndGrant(ctx, g.ID, tandem.GrantRevoked, at(7)), "EndGrant")
	must(t, s.EndGrant(ctx, g.ID, tandem.GrantReused, at(8)), "EndGrant again")
	want.EndedAt, want.EndReason = at(7), tandem.GrantRevoked
	if got, err := s.GrantByAccessHash(ctx, sha("ag1.2")); err != nil || !sameGrant(got, &want) || got.Live(at(7)) {
		t.Errorf("after EndGrant: %+v, %v; want %+v", got, err, &want)
	}
	wantCode(t, s.EndGrant(ctx, "nope", tandem.GrantRevoked, at(7)), tandem.ENotFound, "EndGrant of no grant")
	wantCode(t, s.EndGrant(ctx, g.ID, "bored", at(7)), tandem.EInvalid, "EndGrant for no reason")
	wantCode(t, s.EndGrant(ctx, g.ID, tandem.GrantRevoked, time.Time{}), tandem.EInvalid, "EndGrant at no time")
	next := *rot
	next.FromGeneration, next.AccessHash, next.RefreshHash = 2, sha("n-a"), sha("n-r")
	wantCode(t, s.RotateGrant(ctx, &next), tandem.EConflict, "RotateGrant of an ended grant")

	// Grants go with their site.
	must(t, s.DeleteSite(ctx, l.SiteID), "DeleteSite")
	_, err = s.GrantByID(ctx, g.ID)
	wantCode(t, err, tandem.ENotFound, "GrantByID after its site was deleted")
}

func testGrantValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s, "Shop", false)
	id := newIdentity(t, s, "robin@example.com")
	good := func() *tandem.Grant {
		return &tandem.Grant{IdentityID: id.ID, SiteID: l.SiteID, DeviceID: "phone", DeviceKind: tandem.DeviceIOS, Scope: "openid",
			AccessHash: sha("a"), RefreshHash: sha("r"), AccessExpiresAt: at(10), ExpiresAt: at(100), CreatedAt: at(0)}
	}
	for _, c := range []struct {
		name string
		edit func(g *tandem.Grant)
		end  tandem.GrantEndReason
	}{
		{"no identity", func(g *tandem.Grant) { g.IdentityID = "" }, ""},
		{"no site", func(g *tandem.Grant) { g.SiteID = "" }, ""},
		{"a bad id", func(g *tandem.Grant) { g.ID = "a;b" }, ""},
		{"an unknown device", func(g *tandem.Grant) { g.DeviceKind = "toaster" }, ""},
		{"a device id with a newline", func(g *tandem.Grant) { g.DeviceID = "a\nb" }, ""},
		{"a long device id", func(g *tandem.Grant) { g.DeviceID = strings.Repeat("d", store.MaxDeviceID+1) }, ""},
		{"no access hash", func(g *tandem.Grant) { g.AccessHash = "" }, ""},
		{"no refresh hash", func(g *tandem.Grant) { g.RefreshHash = "" }, ""},
		{"a bad previous hash", func(g *tandem.Grant) { g.PrevRefreshHash = "a b" }, ""},
		{"a negative generation", func(g *tandem.Grant) { g.Generation = -1 }, ""},
		{"no access expiry", func(g *tandem.Grant) { g.AccessExpiresAt = time.Time{} }, ""},
		{"no expiry", func(g *tandem.Grant) { g.ExpiresAt = time.Time{} }, ""},
		{"an expiry before creation", func(g *tandem.Grant) { g.ExpiresAt = at(-1) }, ""},
		{"ended", func(g *tandem.Grant) { g.EndedAt, g.EndReason = at(1), tandem.GrantRevoked }, ""},
		{"an end reason", func(g *tandem.Grant) { g.EndReason = tandem.GrantRevoked }, ""},
		{"a long scope", func(g *tandem.Grant) { g.Scope = strings.Repeat("s", store.MaxScope+1) }, ""},
		{"an unknown reason to end others", func(g *tandem.Grant) {}, "because"},
	} {
		g := good()
		c.edit(g)
		_, err := s.CreateGrant(ctx, g, c.end)
		wantCode(t, err, tandem.EInvalid, "CreateGrant with "+c.name)
	}
	gs, err := s.ListGrants(ctx, store.GrantFilter{})
	must(t, err, "ListGrants")
	if len(gs) != 0 {
		t.Errorf("refused grants were stored: %v", grantIDs(gs))
	}

	g := good()
	_, err = s.CreateGrant(ctx, g, "")
	must(t, err, "CreateGrant")
	for _, c := range []struct {
		name string
		edit func(r *store.RotateGrant)
	}{
		{"no grant", func(r *store.RotateGrant) { r.GrantID = "" }},
		{"a negative generation", func(r *store.RotateGrant) { r.FromGeneration = -1 }},
		{"no access hash", func(r *store.RotateGrant) { r.AccessHash = "" }},
		{"no refresh hash", func(r *store.RotateGrant) { r.RefreshHash = "\x00" }},
		{"no time", func(r *store.RotateGrant) { r.At = time.Time{} }},
		{"no access expiry", func(r *store.RotateGrant) { r.AccessExpiresAt = time.Time{} }},
		{"an expiry before now", func(r *store.RotateGrant) { r.ExpiresAt = r.At }},
	} {
		r := &store.RotateGrant{GrantID: g.ID, AccessHash: sha("a2"), RefreshHash: sha("r2"), AccessExpiresAt: at(20), ExpiresAt: at(200), At: at(10)}
		c.edit(r)
		wantCode(t, s.RotateGrant(ctx, r), tandem.EInvalid, "RotateGrant with "+c.name)
	}
	if got, err := s.GrantByID(ctx, g.ID); err != nil || got.Generation != 0 || got.AccessHash != sha("a") {
		t.Errorf("refused rotations changed the grant: %+v, %v", got, err)
	}
}

// testOneDevice: a sign-in on a one-device site ends the person's live
// grants there from other devices, and nothing else.
func testOneDevice(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s, "Bank", true)
	other := newServiceLine(t, s, "Shop", false)
	robin, sam := newIdentity(t, s, "robin@example.com"), newIdentity(t, s, "sam@example.com")
	phone, _ := newGrant(t, s, "phone", robin, l.SiteID, "phone", 0, "")
	tablet, _ := newGrant(t, s, "tablet", robin, l.SiteID, "tablet", 1, "")
	old, _ := newGrant(t, s, "old", robin, l.SiteID, "watch", -700, "") // expired at -100
	revoked, _ := newGrant(t, s, "revoked", robin, l.SiteID, "tv", 1, "")
	must(t, s.EndGrant(ctx, revoked.ID, tandem.GrantRevoked, at(2)), "EndGrant")
	samsGrant, _ := newGrant(t, s, "sam", sam, l.SiteID, "sams-phone", 2, "")
	elsewhere, _ := newGrant(t, s, "elsewhere", robin, other.SiteID, "phone", 2, "")
	laptopOld, _ := newGrant(t, s, "laptop-old", robin, l.SiteID, "laptop", 2, "")

	laptop, ended := newGrant(t, s, "laptop", robin, l.SiteID, "laptop", 5, tandem.GrantSignedInElsewhere)
	slices.Sort(ended)
	want := []string{phone.ID, tablet.ID}
	slices.Sort(want)
	if !slices.Equal(ended, want) {
		t.Errorf("CreateGrant ended %v, want the phone's and the tablet's %v", ended, want)
	}
	for _, c := range []struct {
		g      *tandem.Grant
		reason tandem.GrantEndReason
		endAt  time.Time
	}{
		{phone, tandem.GrantSignedInElsewhere, at(5)},
		{tablet, tandem.GrantSignedInElsewhere, at(5)},
		{old, "", time.Time{}},
		{revoked, tandem.GrantRevoked, at(2)},
		{samsGrant, "", time.Time{}},
		{elsewhere, "", time.Time{}},
		{laptopOld, "", time.Time{}}, // the same device signing in again
		{laptop, "", time.Time{}},
	} {
		got, err := s.GrantByID(ctx, c.g.ID)
		must(t, err, "GrantByID")
		if got.EndReason != c.reason || !sameTime(got.EndedAt, c.endAt) {
			t.Errorf("grant %s: ended %v for %q, want %v for %q", c.g.DeviceID, got.EndedAt, got.EndReason, c.endAt, c.reason)
		}
	}
}

func testListGrants(t *testing.T, s store.Store) {
	ctx := context.Background()
	shop, bank := newServiceLine(t, s, "Shop", false), newServiceLine(t, s, "Bank", false)
	robin, sam := newIdentity(t, s, "robin@example.com"), newIdentity(t, s, "sam@example.com")
	var all []*tandem.Grant // newest first
	for i, c := range []struct {
		id   *tandem.Identity
		site string
	}{{robin, shop.SiteID}, {sam, shop.SiteID}, {robin, bank.SiteID}, {sam, bank.SiteID}, {robin, shop.SiteID}} {
		g, _ := newGrant(t, s, string(rune('a'+i)), c.id, c.site, "d", i, "")
		all = append([]*tandem.Grant{g}, all...)
	}
	// Two at one time, ordered by id.
	same, _ := newGrant(t, s, "same", sam, shop.SiteID, "d", 4, "")
	all = append([]*tandem.Grant{same}, all...)
	slices.SortStableFunc(all, func(a, b *tandem.Grant) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	must(t, s.EndGrant(ctx, all[1].ID, tandem.GrantLoggedOut, at(5)), "EndGrant")

	pick := func(keep func(g *tandem.Grant) bool) []string {
		var out []string
		for _, g := range all {
			if keep(g) {
				out = append(out, g.ID)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    store.GrantFilter
		want []string
	}{
		{"all", store.GrantFilter{}, pick(func(*tandem.Grant) bool { return true })},
		{"shop", store.GrantFilter{SiteID: shop.SiteID}, pick(func(g *tandem.Grant) bool { return g.SiteID == shop.SiteID })},
		{"robin", store.GrantFilter{IdentityID: robin.ID}, pick(func(g *tandem.Grant) bool { return g.IdentityID == robin.ID })},
		{"robin at the shop", store.GrantFilter{SiteID: shop.SiteID, IdentityID: robin.ID},
			pick(func(g *tandem.Grant) bool { return g.IdentityID == robin.ID && g.SiteID == shop.SiteID })},
		{"live", store.GrantFilter{LiveAt: at(6)}, pick(func(g *tandem.Grant) bool { return g.ID != all[1].ID })},
		{"live after all expired", store.GrantFilter{LiveAt: at(1000)}, nil},
		{"two", store.GrantFilter{Limit: 2}, grantIDs(all[:2])},
		{"after the first two", store.GrantFilter{After: all[1].ID, Limit: 2}, grantIDs(all[2:4])},
		{"after the last", store.GrantFilter{After: all[len(all)-1].ID}, nil},
		{"nobody", store.GrantFilter{IdentityID: "nobody"}, nil},
	} {
		got, err := s.ListGrants(ctx, c.f)
		if err != nil {
			t.Errorf("ListGrants %s: %v", c.name, err)
			continue
		}
		if !slices.Equal(grantIDs(got), c.want) {
			t.Errorf("ListGrants %s = %v, want %v", c.name, grantIDs(got), c.want)
		}
	}
	for _, f := range []store.GrantFilter{{Limit: -1}, {Limit: store.MaxGrantLimit + 1}, {SiteID: "a b"}, {After: "x'"}, {After: "no-such-grant"}} {
		_, err := s.ListGrants(ctx, f)
		wantCode(t, err, tandem.EInvalid, "ListGrants with a bad filter")
	}
}

func testDeleteExpiredGrants(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s, "Shop", false)
	id := newIdentity(t, s, "robin@example.com")
	gone, _ := newGrant(t, s, "gone", id, l.SiteID, "d", -700, "")   // expired at -100
	stays, _ := newGrant(t, s, "stays", id, l.SiteID, "d", -500, "") // expires at 100
	must(t, s.CreateAuthCode(ctx, newCode(l, id, "old-code", -10)), "CreateAuthCode")
	must(t, s.CreatePassportSession(ctx, &store.PassportSession{TokenHash: sha("old"), IdentityID: id.ID, CreatedAt: at(-100), ExpiresAt: at(-1)}), "CreatePassportSession")
	must(t, s.CreatePassportSession(ctx, &store.PassportSession{TokenHash: sha("new"), IdentityID: id.ID, CreatedAt: at(-100), ExpiresAt: at(1)}), "CreatePassportSession")

	_, err := s.DeleteExpiredGrants(ctx, time.Time{})
	wantCode(t, err, tandem.EInvalid, "DeleteExpiredGrants before no time")
	n, err := s.DeleteExpiredGrants(ctx, at(0))
	must(t, err, "DeleteExpiredGrants")
	if n != 1 {
		t.Errorf("DeleteExpiredGrants = %d, want 1", n)
	}
	_, err = s.GrantByID(ctx, gone.ID)
	wantCode(t, err, tandem.ENotFound, "GrantByID of an expired grant deleted")
	_, err = s.GrantByID(ctx, stays.ID)
	must(t, err, "GrantByID of a grant not expired")
	_, err = s.TakeAuthCode(ctx, sha("old-code"), at(-10))
	wantCode(t, err, tandem.ENotFound, "TakeAuthCode of an expired code deleted")
	_, err = s.PassportSessionByHash(ctx, sha("old"), at(-50))
	wantCode(t, err, tandem.ENotFound, "PassportSessionByHash of an expired session deleted")
	_, err = s.PassportSessionByHash(ctx, sha("new"), at(0))
	must(t, err, "PassportSessionByHash of a session not expired")
}

func testPassportSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := newIdentity(t, s, "robin@example.com")
	ps := &store.PassportSession{TokenHash: sha("s1"), IdentityID: id.ID, ExpiresAt: time.Now().Add(time.Hour)}
	must(t, s.CreatePassportSession(ctx, ps), "CreatePassportSession")
	if ps.CreatedAt.IsZero() {
		t.Error("CreatePassportSession did not set CreatedAt")
	}
	got, err := s.PassportSessionByHash(ctx, sha("s1"), time.Now())
	must(t, err, "PassportSessionByHash")
	if got.TokenHash != ps.TokenHash || got.IdentityID != id.ID || !sameTime(got.CreatedAt, ps.CreatedAt) || !sameTime(got.ExpiresAt, ps.ExpiresAt) {
		t.Errorf("PassportSessionByHash = %+v, want %+v", got, ps)
	}
	_, err = s.PassportSessionByHash(ctx, sha("s1"), ps.ExpiresAt)
	wantCode(t, err, tandem.ENotFound, "PassportSessionByHash at its expiry")
	_, err = s.PassportSessionByHash(ctx, sha("nope"), time.Now())
	wantCode(t, err, tandem.ENotFound, "PassportSessionByHash of no session")
	wantCode(t, s.CreatePassportSession(ctx, &store.PassportSession{TokenHash: sha("s1"), IdentityID: id.ID, ExpiresAt: ps.ExpiresAt}),
		tandem.EConflict, "CreatePassportSession with a token in use")
	wantCode(t, s.CreatePassportSession(ctx, &store.PassportSession{TokenHash: sha("s2"), IdentityID: "nobody", ExpiresAt: ps.ExpiresAt}),
		tandem.ENotFound, "CreatePassportSession of nobody")
	for _, bad := range []*store.PassportSession{
		{TokenHash: "", IdentityID: id.ID, ExpiresAt: ps.ExpiresAt},
		{TokenHash: sha("s3"), IdentityID: "", ExpiresAt: ps.ExpiresAt},
		{TokenHash: sha("s3"), IdentityID: id.ID},
		{TokenHash: sha("s3"), IdentityID: id.ID, CreatedAt: at(5), ExpiresAt: at(4)},
	} {
		wantCode(t, s.CreatePassportSession(ctx, bad), tandem.EInvalid, "CreatePassportSession with bad input")
	}
	_, err = s.PassportSessionByHash(ctx, sha("s3"), at(0))
	wantCode(t, err, tandem.ENotFound, "a refused session is not stored")
	must(t, s.DeletePassportSession(ctx, sha("s1")), "DeletePassportSession")
	_, err = s.PassportSessionByHash(ctx, sha("s1"), time.Now())
	wantCode(t, err, tandem.ENotFound, "PassportSessionByHash after DeletePassportSession")
	wantCode(t, s.DeletePassportSession(ctx, sha("s1")), tandem.ENotFound, "DeletePassportSession again")
}

func testSigningKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	ks, err := s.SigningKeys(ctx)
	must(t, err, "SigningKeys")
	if len(ks) != 0 {
		t.Errorf("a new store has %d signing keys", len(ks))
	}
	newer := &tandem.SigningKey{ID: "k2", Algorithm: "RS256", PrivateDER: []byte{0x30, 2, 0, 0}, CreatedAt: at(60), SignsFrom: at(120), RetiresAt: at(1000)}
	older := &tandem.SigningKey{ID: "k1", Algorithm: "RS256", PrivateDER: []byte{0x30, 1}, SignsFrom: time.Now().Add(time.Hour), RetiresAt: time.Now().Add(2 * time.Hour)}
	older.CreatedAt = at(0)
	must(t, s.CreateSigningKey(ctx, newer), "CreateSigningKey k2")
	must(t, s.CreateSigningKey(ctx, older), "CreateSigningKey k1")
	nowKey := &tandem.SigningKey{ID: "k3", Algorithm: "ES256", PrivateDER: []byte{1}, SignsFrom: time.Now().Add(time.Minute), RetiresAt: time.Now().Add(time.Hour)}
	must(t, s.CreateSigningKey(ctx, nowKey), "CreateSigningKey k3")
	if nowKey.CreatedAt.IsZero() {
		t.Error("CreateSigningKey did not set CreatedAt")
	}
	wantCode(t, s.CreateSigningKey(ctx, &tandem.SigningKey{ID: "k1", Algorithm: "RS256", PrivateDER: []byte{1}, CreatedAt: at(0),
		SignsFrom: at(0), RetiresAt: at(1)}), tandem.EConflict, "CreateSigningKey with an id in use")
	ks, err = s.SigningKeys(ctx)
	must(t, err, "SigningKeys")
	if len(ks) != 3 || ks[0].ID != "k1" || ks[1].ID != "k2" || ks[2].ID != "k3" {
		t.Fatalf("SigningKeys = %+v, want k1, k2, k3", ks)
	}
	if k := ks[1]; k.Algorithm != "RS256" || string(k.PrivateDER) != string(newer.PrivateDER) || !sameTime(k.CreatedAt, at(60)) ||
		!sameTime(k.SignsFrom, at(120)) || !sameTime(k.RetiresAt, at(1000)) {
		t.Errorf("SigningKeys[1] = %+v, want %+v", k, newer)
	}
	for _, bad := range []*tandem.SigningKey{
		{ID: "", Algorithm: "RS256", PrivateDER: []byte{1}, CreatedAt: at(0), SignsFrom: at(0), RetiresAt: at(1)},
		{ID: "k/4", Algorithm: "RS256", PrivateDER: []byte{1}, CreatedAt: at(0), SignsFrom: at(0), RetiresAt: at(1)},
		{ID: "k4", Algorithm: "none", PrivateDER: []byte{1}, CreatedAt: at(0), SignsFrom: at(0), RetiresAt: at(1)},
		{ID: "k4", Algorithm: "HS256", PrivateDER: []byte{1}, CreatedAt: at(0), SignsFrom: at(0), RetiresAt: at(1)},
		{ID: "k4", Algorithm: "RS256", CreatedAt: at(0), SignsFrom: at(0), RetiresAt: at(1)},
		{ID: "k4", Algorithm: "RS256", PrivateDER: make([]byte, store.MaxSigningKeyDER+1), CreatedAt: at(0), SignsFrom: at(0), RetiresAt: at(1)},
		{ID: "k4", Algorithm: "RS256", PrivateDER: []byte{1}, CreatedAt: at(1), SignsFrom: at(0), RetiresAt: at(2)},
		{ID: "k4", Algorithm: "RS256", PrivateDER: []byte{1}, CreatedAt: at(0), SignsFrom: at(1), RetiresAt: at(1)},
		{ID: "k4", Algorithm: "RS256", PrivateDER: []byte{1}, CreatedAt: at(0)},
	} {
		wantCode(t, s.CreateSigningKey(ctx, bad), tandem.EInvalid, "CreateSigningKey with bad input")
	}
	must(t, s.DeleteSigningKey(ctx, "k1"), "DeleteSigningKey")
	wantCode(t, s.DeleteSigningKey(ctx, "k1"), tandem.ENotFound, "DeleteSigningKey again")
	ks, err = s.SigningKeys(ctx)
	must(t, err, "SigningKeys")
	if len(ks) != 2 || ks[0].ID != "k2" {
		t.Errorf("after DeleteSigningKey: %+v", ks)
	}
}
