package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// sha is the SHA-256 in hex of name: a stored hash, distinct for each
// name.
func sha(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func newIdentity(t *testing.T, s store.Store, email string) *tandem.Identity {
	t.Helper()
	id := &tandem.Identity{Email: email, Name: "Robin", PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5", CreatedAt: at(0)}
	must(t, s.CreateIdentity(context.Background(), id), "CreateIdentity "+email)
	return id
}

// newServiceLine registers a new site with the passport.
func newServiceLine(t *testing.T, s store.Store, name string, oneDevice bool) *tandem.ServiceLine {
	t.Helper()
	site := newSite(t, s, name)
	l := &tandem.ServiceLine{SiteID: site.ID, Domains: []string{"https://" + strings.ToLower(name) + ".example"},
		RedirectURIs: []string{"https://" + strings.ToLower(name) + ".example/cb"}, Devices: []tandem.DeviceKind{tandem.DeviceBrowser},
		AccessTTL: 10 * time.Minute, RefreshTTL: 30 * 24 * time.Hour, OneDevice: oneDevice}
	must(t, s.PutServiceLine(context.Background(), l), "PutServiceLine "+name)
	return l
}

// newGrant creates a live grant of id on the site from device, created at
// at(minute); its token hashes are named after name.
func newGrant(t *testing.T, s store.Store, name string, id *tandem.Identity, siteID, device string, minute int, end tandem.GrantEndReason) (*tandem.Grant, []string) {
	t.Helper()
	g := &tandem.Grant{IdentityID: id.ID, SiteID: siteID, DeviceID: device, DeviceKind: tandem.DeviceBrowser, Scope: "openid email",
		AccessHash: sha("a" + name), RefreshHash: sha("r" + name), AccessExpiresAt: at(minute + 10), ExpiresAt: at(minute + 600),
		CreatedAt: at(minute)}
	ended, err := s.CreateGrant(context.Background(), g, end)
	must(t, err, "CreateGrant "+name)
	return g, ended
}

func sameServiceLine(a, b *tandem.ServiceLine) bool {
	return a.SiteID == b.SiteID && slices.Equal(a.Domains, b.Domains) && slices.Equal(a.RedirectURIs, b.RedirectURIs) &&
		slices.Equal(a.Devices, b.Devices) && a.AccessTTL == b.AccessTTL && a.RefreshTTL == b.RefreshTTL && a.OneDevice == b.OneDevice &&
		a.ClientSecretHash == b.ClientSecretHash && sameTime(a.CreatedAt, b.CreatedAt) && sameTime(a.UpdatedAt, b.UpdatedAt)
}

func sameGrant(a, b *tandem.Grant) bool {
	return a.ID == b.ID && a.IdentityID == b.IdentityID && a.SiteID == b.SiteID && a.DeviceID == b.DeviceID &&
		a.DeviceKind == b.DeviceKind && a.Scope == b.Scope && a.Generation == b.Generation && sameTime(a.RotatedAt, b.RotatedAt) &&
		a.AccessHash == b.AccessHash && a.RefreshHash == b.RefreshHash && a.PrevRefreshHash == b.PrevRefreshHash &&
		sameTime(a.AccessExpiresAt, b.AccessExpiresAt) && sameTime(a.ExpiresAt, b.ExpiresAt) && sameTime(a.CreatedAt, b.CreatedAt) &&
		sameTime(a.EndedAt, b.EndedAt) && a.EndReason == b.EndReason && a.RefreshAhead == b.RefreshAhead
}

func testServiceLines(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	_, err := s.ServiceLine(ctx, site.ID)
	wantCode(t, err, tandem.ENotFound, "ServiceLine of an unregistered site")
	wantCode(t, s.PutServiceLine(ctx, &tandem.ServiceLine{SiteID: "no-such-site", AccessTTL: time.Minute, RefreshTTL: time.Hour}),
		tandem.ENotFound, "PutServiceLine of a missing site")

	l := &tandem.ServiceLine{SiteID: site.ID,
		Domains:      []string{"HTTPS://Shop.Example:443/", "https://shop.example", "https://m.shop.example"},
		RedirectURIs: []string{"https://shop.example/cb", "https://shop.example/cb", "com.example.shop:/cb"},
		Devices:      []tandem.DeviceKind{tandem.DeviceBrowser, tandem.DeviceIOS, tandem.DeviceBrowser},
		AccessTTL:    15 * time.Minute, RefreshTTL: 7 * 24 * time.Hour, OneDevice: true, ClientSecretHash: sha("ab"),
		UpdatedAt: at(1)}
	must(t, s.PutServiceLine(ctx, l), "PutServiceLine")
	want := &tandem.ServiceLine{SiteID: site.ID, Domains: []string{"https://shop.example", "https://m.shop.example"},
		RedirectURIs: []string{"https://shop.example/cb", "com.example.shop:/cb"},
		Devices:      []tandem.DeviceKind{tandem.DeviceBrowser, tandem.DeviceIOS},
		AccessTTL:    15 * time.Minute, RefreshTTL: 7 * 24 * time.Hour, OneDevice: true, ClientSecretHash: sha("ab"),
		CreatedAt: at(1), UpdatedAt: at(1)}
	if !sameServiceLine(l, want) {
		t.Errorf("PutServiceLine set %+v, want %+v", l, want)
	}
	got, err := s.ServiceLine(ctx, site.ID)
	must(t, err, "ServiceLine")
	if !sameServiceLine(got, want) {
		t.Errorf("ServiceLine = %+v, want %+v", got, want)
	}

	// Replacing keeps the creation time, whatever the caller says.
	re := &tandem.ServiceLine{SiteID: site.ID, AccessTTL: time.Minute, RefreshTTL: time.Hour, CreatedAt: at(50), UpdatedAt: at(2)}
	must(t, s.PutServiceLine(ctx, re), "PutServiceLine again")
	want = &tandem.ServiceLine{SiteID: site.ID, Domains: []string{}, RedirectURIs: []string{}, Devices: []tandem.DeviceKind{},
		AccessTTL: time.Minute, RefreshTTL: time.Hour, CreatedAt: at(1), UpdatedAt: at(2)}
	got, err = s.ServiceLine(ctx, site.ID)
	must(t, err, "ServiceLine")
	if !sameServiceLine(got, want) || !sameServiceLine(re, want) {
		t.Errorf("after replacing: ServiceLine = %+v, the argument %+v, want %+v", got, re, want)
	}

	// The registration goes with its site.
	must(t, s.DeleteSite(ctx, site.ID), "DeleteSite")
	_, err = s.ServiceLine(ctx, site.ID)
	wantCode(t, err, tandem.ENotFound, "ServiceLine of a deleted site")
}

func testServiceLineValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := newSite(t, s, "Shop")
	good := func() *tandem.ServiceLine {
		return &tandem.ServiceLine{SiteID: site.ID, Domains: []string{"https://shop.example"}, RedirectURIs: []string{"https://shop.example/cb"},
			Devices: []tandem.DeviceKind{tandem.DeviceBrowser}, AccessTTL: time.Minute, RefreshTTL: time.Hour}
	}
	many := make([]string, store.MaxServiceLineURIs+1)
	for i := range many {
		many[i] = "https://shop.example/cb" + strings.Repeat("x", i)
	}
	for _, c := range []struct {
		name string
		edit func(l *tandem.ServiceLine)
	}{
		{"no site", func(l *tandem.ServiceLine) { l.SiteID = "" }},
		{"site id with a quote", func(l *tandem.ServiceLine) { l.SiteID = "a'b" }},
		{"any domain", func(l *tandem.ServiceLine) { l.Domains = []string{"*"} }},
		{"domain with a path", func(l *tandem.ServiceLine) { l.Domains = []string{"https://shop.example/app"} }},
		{"domain ftp", func(l *tandem.ServiceLine) { l.Domains = []string{"ftp://shop.example"} }},
		{"redirect relative", func(l *tandem.ServiceLine) { l.RedirectURIs = []string{"/cb"} }},
		{"redirect with a fragment", func(l *tandem.ServiceLine) { l.RedirectURIs = []string{"https://shop.example/cb#x"} }},
		{"redirect empty fragment", func(l *tandem.ServiceLine) { l.RedirectURIs = []string{"https://shop.example/cb#"} }},
		{"redirect javascript", func(l *tandem.ServiceLine) { l.RedirectURIs = []string{"javascript:alert(1)"} }},
		{"redirect with user info", func(l *tandem.ServiceLine) { l.RedirectURIs = []string{"https://me@shop.example/cb"} }},
		{"redirect without host", func(l *tandem.ServiceLine) { l.RedirectURIs = []string{"https:///cb"} }},
		{"redirect with a newline", func(l *tandem.ServiceLine) { l.RedirectURIs = []string{"https://shop.example/cb\n"} }},
		{"too many redirects", func(l *tandem.ServiceLine) { l.RedirectURIs = many }},
		{"unknown device", func(l *tandem.ServiceLine) { l.Devices = []tandem.DeviceKind{"toaster"} }},
		{"empty device", func(l *tandem.ServiceLine) { l.Devices = []tandem.DeviceKind{""} }},
		{"no access lifetime", func(l *tandem.ServiceLine) { l.AccessTTL = 0 }},
		{"negative refresh lifetime", func(l *tandem.ServiceLine) { l.RefreshTTL = -time.Hour }},
		{"sub-millisecond lifetime", func(l *tandem.ServiceLine) { l.AccessTTL = time.Minute + time.Microsecond }},
		{"secret hash not hex", func(l *tandem.ServiceLine) { l.ClientSecretHash = "secret" }},
		{"secret hash upper case", func(l *tandem.ServiceLine) { l.ClientSecretHash = strings.ToUpper(sha("ab")) }},
	} {
		l := good()
		c.edit(l)
		wantCode(t, s.PutServiceLine(ctx, l), tandem.EInvalid, "PutServiceLine with "+c.name)
	}
	_, err := s.ServiceLine(ctx, site.ID)
	wantCode(t, err, tandem.ENotFound, "ServiceLine after refused registrations")
	must(t, s.PutServiceLine(ctx, good()), "PutServiceLine good")
}

func testIdentities(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := &tandem.Identity{Email: " Robin@Example.COM ", Name: "  Robin  ", PasswordHash: "$argon2id$x", UserID: "user-1"}
	must(t, s.CreateIdentity(ctx, id), "CreateIdentity")
	checkID(t, id.ID, "identity")
	if id.Email != "robin@example.com" || id.Name != "Robin" || id.CreatedAt.IsZero() {
		t.Errorf("CreateIdentity set %+v", id)
	}
	for _, get := range []struct {
		name string
		fn   func() (*tandem.Identity, error)
	}{
		{"IdentityByID", func() (*tandem.Identity, error) { return s.IdentityByID(ctx, id.ID) }},
		{"IdentityByEmail", func() (*tandem.Identity, error) { return s.IdentityByEmail(ctx, "ROBIN@example.com") }},
	} {
		got, err := get.fn()
		if err != nil {
			t.Errorf("%s: %v", get.name, err)
			continue
		}
		if got.ID != id.ID || got.Email != id.Email || got.Name != "Robin" || got.PasswordHash != "$argon2id$x" || got.UserID != "user-1" ||
			!sameTime(got.CreatedAt, id.CreatedAt) {
			t.Errorf("%s = %+v, want %+v", get.name, got, id)
		}
	}
	_, err := s.IdentityByID(ctx, "nobody")
	wantCode(t, err, tandem.ENotFound, "IdentityByID of nobody")
	for _, e := range []string{"nobody@example.com", "not an email", ""} {
		_, err = s.IdentityByEmail(ctx, e)
		wantCode(t, err, tandem.ENotFound, "IdentityByEmail "+e)
	}

	wantCode(t, s.CreateIdentity(ctx, &tandem.Identity{Email: "robin@example.com"}), tandem.EConflict, "CreateIdentity with an email in use")
	wantCode(t, s.CreateIdentity(ctx, &tandem.Identity{Email: "other@example.com", UserID: "user-1"}), tandem.EConflict,
		"CreateIdentity linked to a user linked already")
	for _, bad := range []*tandem.Identity{
		{Email: "not an email"},
		{Email: ""},
		{Email: "x@example.com", UserID: "a b"},
		{Email: "x@example.com", ID: "a/b"},
		{Email: "x@example.com", Name: "tab\there"},
		{Email: "x@example.com", Name: strings.Repeat("n", store.MaxConversationName+1)},
		{Email: "x@example.com", PasswordHash: strings.Repeat("p", store.MaxPasswordHash+1)},
	} {
		wantCode(t, s.CreateIdentity(ctx, bad), tandem.EInvalid, "CreateIdentity "+bad.Email+" "+bad.Name[:min(len(bad.Name), 10)])
	}
	_, err = s.IdentityByEmail(ctx, "x@example.com")
	wantCode(t, err, tandem.ENotFound, "an identity refused is not stored")

	// Updating: everything but the id and creation.
	other := newIdentity(t, s, "sam@example.com")
	up := *id
	up.Email, up.Name, up.PasswordHash, up.UserID, up.CreatedAt = "ROBIN2@example.com", "Robin B", "", "", at(99)
	must(t, s.UpdateIdentity(ctx, &up), "UpdateIdentity")
	got, err := s.IdentityByID(ctx, id.ID)
	must(t, err, "IdentityByID")
	if got.Email != "robin2@example.com" || got.Name != "Robin B" || got.PasswordHash != "" || got.UserID != "" || !sameTime(got.CreatedAt, id.CreatedAt) {
		t.Errorf("after UpdateIdentity: %+v", got)
	}
	up.Email = other.Email
	wantCode(t, s.UpdateIdentity(ctx, &up), tandem.EConflict, "UpdateIdentity to an email in use")
	up.Email = "bad"
	wantCode(t, s.UpdateIdentity(ctx, &up), tandem.EInvalid, "UpdateIdentity to a bad email")
	wantCode(t, s.UpdateIdentity(ctx, &tandem.Identity{ID: "nobody", Email: "n@example.com"}), tandem.ENotFound, "UpdateIdentity of nobody")
	got, err = s.IdentityByID(ctx, id.ID)
	must(t, err, "IdentityByID")
	if got.Email != "robin2@example.com" {
		t.Errorf("a refused update changed the identity: %+v", got)
	}
}

// newCode returns a valid code of id on l's site, made at at(minute) for a
// minute.
func newCode(l *tandem.ServiceLine, id *tandem.Identity, name string, minute int) *tandem.AuthCode {
	return &tandem.AuthCode{Hash: sha(name), SiteID: l.SiteID, IdentityID: id.ID, RedirectURI: l.RedirectURIs[0],
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Nonce: "n-0S6_WzA2Mj", Scope: "openid email",
		DeviceID: "device-1", DeviceKind: tandem.DeviceIOS, CreatedAt: at(minute), ExpiresAt: at(minute + 1)}
}

func testAuthCodes(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s, "Shop", false)
	id := newIdentity(t, s, "robin@example.com")
	c := newCode(l, id, "c1", 0)
	must(t, s.CreateAuthCode(ctx, c), "CreateAuthCode")
	wantCode(t, s.CreateAuthCode(ctx, newCode(l, id, "c1", 0)), tandem.EConflict, "CreateAuthCode with a hash in use")
	got, err := s.TakeAuthCode(ctx, sha("c1"), at(0).Add(59*time.Second))
	must(t, err, "TakeAuthCode")
	if !(got.Hash == c.Hash && got.SiteID == c.SiteID && got.IdentityID == c.IdentityID && got.RedirectURI == c.RedirectURI &&
		got.CodeChallenge == c.CodeChallenge && got.Nonce == c.Nonce && got.Scope == c.Scope && got.DeviceID == c.DeviceID &&
		got.DeviceKind == c.DeviceKind && sameTime(got.CreatedAt, c.CreatedAt) && sameTime(got.ExpiresAt, c.ExpiresAt)) {
		t.Errorf("TakeAuthCode = %+v, want %+v", got, c)
	}
	_, err = s.TakeAuthCode(ctx, sha("c1"), at(0))
	wantCode(t, err, tandem.ENotFound, "TakeAuthCode a second time")
	_, err = s.TakeAuthCode(ctx, "", at(0))
	wantCode(t, err, tandem.ENotFound, "TakeAuthCode of an empty hash")
	must(t, s.CreateAuthCode(ctx, newCode(l, id, "c0", -100)), "CreateAuthCode c0")
	_, err = s.TakeAuthCode(ctx, sha("c0"), time.Time{})
	wantCode(t, err, tandem.EInvalid, "TakeAuthCode at no time")
	_, err = s.TakeAuthCode(ctx, sha("c0"), at(-100))
	must(t, err, "TakeAuthCode after one at no time")

	// An expired code is refused, and gone.
	must(t, s.CreateAuthCode(ctx, newCode(l, id, "c2", 0)), "CreateAuthCode c2")
	_, err = s.TakeAuthCode(ctx, sha("c2"), at(1))
	wantCode(t, err, tandem.EExpired, "TakeAuthCode at its expiry")
	_, err = s.TakeAuthCode(ctx, sha("c2"), at(0))
	wantCode(t, err, tandem.ENotFound, "TakeAuthCode of an expired code taken")

	// A new code clears the ones expired by its making.
	must(t, s.CreateAuthCode(ctx, newCode(l, id, "c3", 0)), "CreateAuthCode c3")
	must(t, s.CreateAuthCode(ctx, newCode(l, id, "c4", 5)), "CreateAuthCode c4")
	_, err = s.TakeAuthCode(ctx, sha("c3"), at(0))
	wantCode(t, err, tandem.ENotFound, "TakeAuthCode of a code expired before a newer one was made")

	// Codes go with their site and identity.
	bad := newCode(l, id, "c5", 5)
	bad.SiteID = "no-such-site"
	wantCode(t, s.CreateAuthCode(ctx, bad), tandem.ENotFound, "CreateAuthCode for a missing site")
	bad = newCode(l, id, "c5", 5)
	bad.IdentityID = "nobody"
	wantCode(t, s.CreateAuthCode(ctx, bad), tandem.ENotFound, "CreateAuthCode for a missing identity")
	must(t, s.DeleteSite(ctx, l.SiteID), "DeleteSite")
	_, err = s.TakeAuthCode(ctx, sha("c4"), at(5))
	wantCode(t, err, tandem.ENotFound, "TakeAuthCode of a code of a deleted site")
}

func testAuthCodeValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s, "Shop", false)
	id := newIdentity(t, s, "robin@example.com")
	for _, c := range []struct {
		name string
		edit func(c *tandem.AuthCode)
	}{
		{"no hash", func(c *tandem.AuthCode) { c.Hash = "" }},
		{"a hash with a space", func(c *tandem.AuthCode) { c.Hash = "a b" }},
		{"a long hash", func(c *tandem.AuthCode) { c.Hash = strings.Repeat("a", store.MaxHash+1) }},
		{"no site", func(c *tandem.AuthCode) { c.SiteID = "" }},
		{"no identity", func(c *tandem.AuthCode) { c.IdentityID = "" }},
		{"no redirect URI", func(c *tandem.AuthCode) { c.RedirectURI = "" }},
		{"a redirect URI with a fragment", func(c *tandem.AuthCode) { c.RedirectURI += "#f" }},
		{"no challenge", func(c *tandem.AuthCode) { c.CodeChallenge = "" }},
		{"a long nonce", func(c *tandem.AuthCode) { c.Nonce = strings.Repeat("n", store.MaxNonce+1) }},
		{"a nonce with a newline", func(c *tandem.AuthCode) { c.Nonce = "a\nb" }},
		{"a long scope", func(c *tandem.AuthCode) { c.Scope = strings.Repeat("s", store.MaxScope+1) }},
		{"an unknown device", func(c *tandem.AuthCode) { c.DeviceKind = "toaster" }},
		{"no expiry", func(c *tandem.AuthCode) { c.ExpiresAt = time.Time{} }},
		{"an expiry before creation", func(c *tandem.AuthCode) { c.ExpiresAt = c.CreatedAt.Add(-time.Second) }},
	} {
		code := newCode(l, id, "c", 0)
		c.edit(code)
		wantCode(t, s.CreateAuthCode(ctx, code), tandem.EInvalid, "CreateAuthCode with "+c.name)
	}
	_, err := s.TakeAuthCode(ctx, sha("c"), at(0))
	wantCode(t, err, tandem.ENotFound, "a refused code is not stored")
}
