package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// vouchKeyPEM is an ES256 public key a site vouches with.
const vouchKeyPEM = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdZncW5bZYq59cQU9LbOT+wN6wxl9
mEK9vNCpc3IB75uIrOsLNyYA8Bo36LeH26uL/P8wkNGpR8M5ZseRWWjybw==
-----END PUBLIC KEY-----
`

// rsa1024PEM is an RSA key too short to vouch with.
const rsa1024PEM = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDYc0qtOdRxUWmWLhmDSFA3J06S
hXad0hTnaPXRDj5XmETAy1ZuZ7pXLoc+EjW7nUDQPX+xlrpaXsutk0+m2Sr3aana
7Az+RPwIyrCJF+vPDiwjVY46lpH4SuD1rMJ8AlxwPKbb+Qzh6uVv7C1j+AplUyNO
VtYXJ9Etwbl9xJyvMwIDAQAB
-----END PUBLIC KEY-----
`

// A service line keeps its vouch key, and refuses one that is not an
// ES256 or RS256 public key; a code keeps its passport session.
func testVouchKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := newServiceLine(t, s, "Shop", false)
	l.VouchKey = vouchKeyPEM
	must(t, s.PutServiceLine(ctx, l), "PutServiceLine with a vouch key")
	got, err := s.ServiceLine(ctx, l.SiteID)
	must(t, err, "ServiceLine")
	if got.VouchKey != vouchKeyPEM {
		t.Errorf("ServiceLine.VouchKey = %q, want %q", got.VouchKey, vouchKeyPEM)
	}
	for i, bad := range []string{"not a key", rsa1024PEM, vouchKeyPEM + vouchKeyPEM,
		"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"} {
		c := *got
		c.VouchKey = bad
		wantCode(t, s.PutServiceLine(ctx, &c), tandem.EInvalid, fmt.Sprint("PutServiceLine with bad vouch key ", i))
	}
	got, err = s.ServiceLine(ctx, l.SiteID)
	must(t, err, "ServiceLine after refusals")
	if got.VouchKey != vouchKeyPEM {
		t.Errorf("a refused vouch key changed the line: %q", got.VouchKey)
	}
	got.VouchKey = ""
	must(t, s.PutServiceLine(ctx, got), "PutServiceLine without a vouch key")
	if got, _ = s.ServiceLine(ctx, l.SiteID); got.VouchKey != "" {
		t.Errorf("the vouch key stayed after it was removed: %q", got.VouchKey)
	}

	id := newIdentity(t, s, "robin@example.com")
	c := newCode(l, id, "c1", 0)
	c.SessionHash = sha("session")
	must(t, s.CreateAuthCode(ctx, c), "CreateAuthCode with a session")
	taken, err := s.TakeAuthCode(ctx, sha("c1"), at(0))
	must(t, err, "TakeAuthCode")
	if taken.SessionHash != sha("session") {
		t.Errorf("TakeAuthCode.SessionHash = %q, want %q", taken.SessionHash, sha("session"))
	}
	bad := newCode(l, id, "c2", 0)
	bad.SessionHash = "has spaces"
	wantCode(t, s.CreateAuthCode(ctx, bad), tandem.EInvalid, "CreateAuthCode with a bad session hash")
}

// An assertion id works once until it expires; then it is forgotten.
func testVouchJTIs(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newServiceLine(t, s, "Shop", false)
	b := newServiceLine(t, s, "Other", false)
	must(t, s.UseVouchJTI(ctx, a.SiteID, sha("j1"), at(5), at(0)), "UseVouchJTI")
	wantCode(t, s.UseVouchJTI(ctx, a.SiteID, sha("j1"), at(5), at(1)), tandem.EConflict, "UseVouchJTI replayed")
	wantCode(t, s.UseVouchJTI(ctx, b.SiteID, sha("j1"), at(5), at(1)), tandem.EConflict, "UseVouchJTI of another site's hash")
	// At its expiry it is deleted, and the id may be recorded again.
	must(t, s.UseVouchJTI(ctx, a.SiteID, sha("j1"), at(10), at(5)), "UseVouchJTI after expiry")
	wantCode(t, s.UseVouchJTI(ctx, a.SiteID, sha("j1"), at(10), at(6)), tandem.EConflict, "UseVouchJTI replayed again")

	for _, tc := range []struct {
		name, site, hash string
		exp, now         time.Time
		code             string
	}{
		{"no site", "", sha("j2"), at(5), at(0), tandem.EInvalid},
		{"missing site", "no-such-site", sha("j2"), at(5), at(0), tandem.ENotFound},
		{"not a hash", a.SiteID, "jti", at(5), at(0), tandem.EInvalid},
		{"no now", a.SiteID, sha("j2"), at(5), time.Time{}, tandem.EInvalid},
		{"expired", a.SiteID, sha("j2"), at(5), at(5), tandem.EInvalid},
	} {
		wantCode(t, s.UseVouchJTI(ctx, tc.site, tc.hash, tc.exp, tc.now), tc.code, "UseVouchJTI "+tc.name)
	}
	// Ids go with their site.
	must(t, s.DeleteSite(ctx, a.SiteID), "DeleteSite")
	must(t, s.UseVouchJTI(ctx, b.SiteID, sha("j1"), at(10), at(6)), "UseVouchJTI after its site was deleted")
}
