package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func newShareLink(u *tandem.User, kind, subject, token string, minute int) *store.ShareLink {
	return &store.ShareLink{Kind: kind, SubjectID: subject, CreatedBy: u.ID, CreatedAt: at(minute), ExpiresAt: at(minute + 60),
		TokenHash: sha(token)}
}

// testShareLinks checks share links: stored and read back by id and by
// token, listed per creator and for everyone, revoked once, counted when
// used, refused when malformed, and gone with their creator.
func testShareLinks(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	a := newShareLink(alex, store.ShareAssist, "assist1", "tok-a", 0)
	a.NeedsAccount = true
	must(t, s.CreateShareLink(ctx, a), "CreateShareLink")
	if a.ID == "" {
		t.Fatal("CreateShareLink set no id")
	}
	must(t, s.CreateShareLink(ctx, newShareLink(alex, store.ShareTerminal, "term1", "tok-t", 1)), "CreateShareLink terminal")
	must(t, s.CreateShareLink(ctx, newShareLink(sam, store.ShareVideo, "job1", "tok-v", 2)), "CreateShareLink video")
	wantCode(t, s.CreateShareLink(ctx, newShareLink(sam, store.ShareAssist, "assist1", "tok-a", 3)), tandem.EConflict,
		"CreateShareLink with a token in use")
	wantCode(t, s.CreateShareLink(ctx, newShareLink(&tandem.User{ID: "nobody"}, store.ShareAssist, "assist1", "tok-n", 3)),
		tandem.ENotFound, "CreateShareLink by a missing user")

	got, err := s.ShareLinkByToken(ctx, sha("tok-a"))
	must(t, err, "ShareLinkByToken")
	if got.ID != a.ID || got.Kind != store.ShareAssist || got.SubjectID != "assist1" || got.CreatedBy != alex.ID || !got.NeedsAccount ||
		!sameTime(got.CreatedAt, at(0)) || !sameTime(got.ExpiresAt, at(60)) || !got.RevokedAt.IsZero() || got.Uses != 0 ||
		!got.LastUsedAt.IsZero() {
		t.Errorf("ShareLinkByToken = %+v, want %+v", got, a)
	}
	_, err = s.ShareLinkByToken(ctx, sha("tok-x"))
	wantCode(t, err, tandem.ENotFound, "ShareLinkByToken of an unknown token")
	_, err = s.ShareLinkByID(ctx, "nope")
	wantCode(t, err, tandem.ENotFound, "ShareLinkByID of an unknown id")

	mine, err := s.ListShareLinks(ctx, alex.ID, 0)
	must(t, err, "ListShareLinks mine")
	if len(mine) != 2 || mine[0].Kind != store.ShareTerminal || mine[1].ID != a.ID {
		t.Errorf("ListShareLinks(alex) = %d links, want alex's 2, newest first", len(mine))
	}
	all, err := s.ListShareLinks(ctx, "", 2)
	must(t, err, "ListShareLinks all")
	if len(all) != 2 || all[0].Kind != store.ShareVideo {
		t.Errorf("ListShareLinks(all, 2) = %d links, want the newest 2", len(all))
	}
	_, err = s.ListShareLinks(ctx, "", -1)
	wantCode(t, err, tandem.EInvalid, "ListShareLinks with a negative limit")

	must(t, s.UseShareLink(ctx, a.ID, at(5)), "UseShareLink")
	must(t, s.UseShareLink(ctx, a.ID, at(6)), "UseShareLink again")
	wantCode(t, s.UseShareLink(ctx, "nope", at(6)), tandem.ENotFound, "UseShareLink of an unknown link")
	must(t, s.RevokeShareLink(ctx, a.ID, at(7)), "RevokeShareLink")
	must(t, s.RevokeShareLink(ctx, a.ID, at(8)), "RevokeShareLink again")
	wantCode(t, s.RevokeShareLink(ctx, "nope", at(8)), tandem.ENotFound, "RevokeShareLink of an unknown link")
	wantCode(t, s.RevokeShareLink(ctx, a.ID, time.Time{}), tandem.EInvalid, "RevokeShareLink with a zero time")
	got, err = s.ShareLinkByID(ctx, a.ID)
	must(t, err, "ShareLinkByID")
	if got.Uses != 2 || !sameTime(got.LastUsedAt, at(6)) || !sameTime(got.RevokedAt, at(7)) {
		t.Errorf("after two uses and revokes: uses %d, last used %v, revoked %v; want 2, %v, %v (the first revoke)",
			got.Uses, got.LastUsedAt, got.RevokedAt, at(6), at(7))
	}

	for _, bad := range []struct {
		name string
		edit func(l *store.ShareLink)
	}{
		{"a kind", func(l *store.ShareLink) { l.Kind = "page" }},
		{"no subject", func(l *store.ShareLink) { l.SubjectID = "" }},
		{"a subject that is no id", func(l *store.ShareLink) { l.SubjectID = "a b" }},
		{"no creator", func(l *store.ShareLink) { l.CreatedBy = "" }},
		{"no token hash", func(l *store.ShareLink) { l.TokenHash = "" }},
		{"no expiry", func(l *store.ShareLink) { l.ExpiresAt = time.Time{} }},
		{"an expiry before creation", func(l *store.ShareLink) { l.ExpiresAt = l.CreatedAt.Add(-time.Minute) }},
		{"revoked", func(l *store.ShareLink) { l.RevokedAt = l.CreatedAt }},
		{"used", func(l *store.ShareLink) { l.Uses = 1 }},
	} {
		l := newShareLink(alex, store.ShareAssist, "assist2", "bad-"+bad.name, 10)
		bad.edit(l)
		wantCode(t, s.CreateShareLink(ctx, l), tandem.EInvalid, "CreateShareLink with "+bad.name)
	}
	if n, err := s.ListShareLinks(ctx, alex.ID, 0); err != nil || len(n) != 2 {
		t.Errorf("refused links were stored: alex has %d links (%v), want 2", len(n), err)
	}

	must(t, s.DeleteUser(ctx, alex.ID), "DeleteUser")
	_, err = s.ShareLinkByID(ctx, a.ID)
	wantCode(t, err, tandem.ENotFound, "a link of a deleted user")
}
