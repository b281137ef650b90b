package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func newConsoleCode(id *tandem.Identity, name string, minute int) *tandem.AuthCode {
	return &tandem.AuthCode{Hash: sha(name), IdentityID: id.ID, RedirectURI: "https://tandem.example/console/passport/callback",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Nonce: "n-0S6_WzA2Mj", CreatedAt: at(minute), ExpiresAt: at(minute + 1)}
}

// testConsoleCodes checks the console's one-time codes: stored, taken
// once, expired, apart from the sites' codes, and gone with the identity.
func testConsoleCodes(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := newIdentity(t, s, "agent@example.com")
	c := newConsoleCode(id, "console-1", 0)
	must(t, s.CreateConsoleCode(ctx, c), "CreateConsoleCode")
	wantCode(t, s.CreateConsoleCode(ctx, newConsoleCode(id, "console-1", 0)), tandem.EConflict, "CreateConsoleCode with a hash in use")

	// A console code is no site's code, and the other way round.
	_, err := s.TakeAuthCode(ctx, sha("console-1"), at(0).Add(time.Second))
	wantCode(t, err, tandem.ENotFound, "TakeAuthCode of a console code")
	got, err := s.TakeConsoleCode(ctx, sha("console-1"), at(0).Add(time.Second))
	must(t, err, "TakeConsoleCode")
	if got.IdentityID != id.ID || got.RedirectURI != c.RedirectURI || got.CodeChallenge != c.CodeChallenge || got.Nonce != c.Nonce ||
		!sameTime(got.ExpiresAt, c.ExpiresAt) || got.SiteID != "" {
		t.Errorf("TakeConsoleCode = %+v, want %+v", got, c)
	}
	_, err = s.TakeConsoleCode(ctx, sha("console-1"), at(0).Add(time.Second))
	wantCode(t, err, tandem.ENotFound, "TakeConsoleCode a second time")

	l := newServiceLine(t, s, "Shop", false)
	must(t, s.CreateAuthCode(ctx, newCode(l, id, "site-code", 0)), "CreateAuthCode")
	_, err = s.TakeConsoleCode(ctx, sha("site-code"), at(0).Add(time.Second))
	wantCode(t, err, tandem.ENotFound, "TakeConsoleCode of a site's code")

	must(t, s.CreateConsoleCode(ctx, newConsoleCode(id, "late", 0)), "CreateConsoleCode late")
	_, err = s.TakeConsoleCode(ctx, sha("late"), at(1))
	wantCode(t, err, tandem.EExpired, "TakeConsoleCode of an expired code")
	_, err = s.TakeConsoleCode(ctx, sha("late"), at(0))
	wantCode(t, err, tandem.ENotFound, "TakeConsoleCode of an expired code taken")
	_, err = s.TakeConsoleCode(ctx, sha("x"), time.Time{})
	wantCode(t, err, tandem.EInvalid, "TakeConsoleCode with a zero now")

	wantCode(t, s.CreateConsoleCode(ctx, newConsoleCode(&tandem.Identity{ID: "nobody"}, "orphan", 0)), tandem.ENotFound,
		"CreateConsoleCode for a missing identity")
	for _, bad := range []struct {
		name string
		edit func(c *tandem.AuthCode)
	}{
		{"a site", func(c *tandem.AuthCode) { c.SiteID = l.SiteID }},
		{"no hash", func(c *tandem.AuthCode) { c.Hash = "" }},
		{"no identity", func(c *tandem.AuthCode) { c.IdentityID = "" }},
		{"no redirect URI", func(c *tandem.AuthCode) { c.RedirectURI = "" }},
		{"no challenge", func(c *tandem.AuthCode) { c.CodeChallenge = "" }},
		{"a long nonce", func(c *tandem.AuthCode) { c.Nonce = strings.Repeat("n", store.MaxNonce+1) }},
		{"no expiry", func(c *tandem.AuthCode) { c.ExpiresAt = time.Time{} }},
	} {
		code := newConsoleCode(id, "refused", 0)
		bad.edit(code)
		wantCode(t, s.CreateConsoleCode(ctx, code), tandem.EInvalid, "CreateConsoleCode with "+bad.name)
	}
	_, err = s.TakeConsoleCode(ctx, sha("refused"), at(0))
	wantCode(t, err, tandem.ENotFound, "a refused console code is not stored")
}
