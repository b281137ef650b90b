package passport

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

// A code exchange answers with an authkey; the site that kept it gets a
// new grant for the person from it, without the redirect, while their
// passport session lives, and the site's one-device rule applies.
func TestAuthkeyGrant(t *testing.T) {
	u := newUnit(t, "the installation's signing key")
	first, _ := u.signIn(t, u.a, tandem.DeviceBrowser)
	if !strings.HasPrefix(first.Authkey, AuthkeyPrefix) {
		t.Fatalf("the code exchange's answer has no authkey: %+v", first)
	}
	for _, leak := range []string{u.id.ID, u.a.Site.ID, u.id.Email} {
		if strings.Contains(first.Authkey, leak) {
			t.Fatalf("the authkey shows %q to the site", leak)
		}
	}
	u.clk.Add(time.Hour)
	toks, err := u.svc.FromAuthkey(t.Context(), u.a, first.Authkey)
	if err != nil {
		t.Fatalf("FromAuthkey: %v", err)
	}
	if toks.AccessToken == first.AccessToken || toks.RefreshToken == "" || toks.IDToken == "" || toks.Authkey != "" {
		t.Fatalf("FromAuthkey answered %+v", toks)
	}
	if ok, _ := u.active(t, toks.AccessToken); !ok {
		t.Fatal("the authkey's access token is not active")
	}
	// The same device: its earlier grant lives on.
	if ok, reason := u.active(t, first.AccessToken); ok || reason != "expired" {
		t.Fatalf("the first grant's token (expired by now): %v %q", ok, reason)
	}
	if _, err := u.svc.Refresh(t.Context(), u.a, first.RefreshToken); err != nil {
		t.Fatalf("refresh the first grant of the same device: %v", err)
	}

	// Another browser signs in: on a one-device site, the authkey's grant
	// (the first browser's) is signed out.
	other, _ := u.signIn(t, u.b, tandem.DeviceBrowser) // site B: no effect on A
	_ = other
	if ok, _ := u.active(t, toks.AccessToken); !ok {
		t.Fatal("a sign-in on site B ended site A's grant")
	}
	second, _ := u.signIn(t, u.a, tandem.DeviceBrowser)
	if ok, reason := u.active(t, toks.AccessToken); ok || reason != string(tandem.GrantSignedInElsewhere) {
		t.Fatalf("after a sign-in on another device: %v %q", ok, reason)
	}
	// And the first browser's authkey, traded again, signs the second out.
	again, err := u.svc.FromAuthkey(t.Context(), u.a, first.Authkey)
	if err != nil {
		t.Fatalf("FromAuthkey again: %v", err)
	}
	if ok, reason := u.active(t, second.AccessToken); ok || reason != string(tandem.GrantSignedInElsewhere) {
		t.Fatalf("the second device after the first's authkey: %v %q", ok, reason)
	}
	if ok, _ := u.active(t, again.AccessToken); !ok {
		t.Fatal("the new grant from the authkey is not active")
	}
	entries, err := u.db.AuditFor(t.Context(), u.grantOf(t, again))
	if err != nil || len(entries) != 1 || entries[0].Action != "passport.authkey" {
		t.Fatalf("audit of the authkey's grant: %+v %v", entries, err)
	}
}

func (u *unit) grantOf(t *testing.T, toks *Tokens) string {
	t.Helper()
	v, err := u.svc.Verify(t.Context(), toks.AccessToken)
	if err != nil || v.GrantID == "" {
		t.Fatalf("Verify: %+v %v", v, err)
	}
	return v.GrantID
}

// Every authkey the passport should not honour is refused with
// invalid_grant and a description that says why, and makes no grant.
func TestAuthkeyRefusals(t *testing.T) {
	u := newUnit(t, "the installation's signing key")
	toks, cookie := u.signIn(t, u.a, tandem.DeviceBrowser)
	good := toks.Authkey
	bToks, _ := u.signIn(t, u.b, tandem.DeviceBrowser)
	otherInstall := newUnit(t, "another installation's signing key")
	foreign, _ := otherInstall.signIn(t, otherInstall.a, tandem.DeviceBrowser)

	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	seal := func(mod func(*Authkey)) string {
		a, err := OpenAuthkey(u.svc.akey, good)
		if err != nil {
			t.Fatal(err)
		}
		mod(a)
		s, err := SealAuthkey(u.svc.akey, a)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		name, authkey, code, desc string
		before                    func()
	}{
		{"missing", "", "invalid_request", "authkey is missing", nil},
		{"not an authkey", "tpa_" + strings.Repeat("A", 43), "invalid_grant", "malformed or was tampered", nil},
		{"tampered", flip(good, len(good)/2), "invalid_grant", "malformed or was tampered", nil},
		{"tampered prefix", "tpk2_" + good[len(AuthkeyPrefix):], "invalid_grant", "malformed or was tampered", nil},
		{"truncated", good[:len(good)-4], "invalid_grant", "malformed or was tampered", nil},
		{"cut to the nonce", good[:len(AuthkeyPrefix)+20], "invalid_grant", "malformed or was tampered", nil},
		{"too long", good + strings.Repeat("A", MaxAuthkey), "invalid_grant", "malformed or was tampered", nil},
		{"not base64", good[:20] + "!!" + good[22:], "invalid_grant", "malformed or was tampered", nil},
		{"another installation's", foreign.Authkey, "invalid_grant", "malformed or was tampered", nil},
		{"another site's", bToks.Authkey, "invalid_grant", "another site", nil},
		{"another version", seal(func(a *Authkey) { a.Version = 2 }), "invalid_grant", "malformed", nil},
		{"issued in the future", seal(func(a *Authkey) { a.IssuedAt = u.clk.Now().Add(time.Hour).Unix() }), "invalid_grant", "future", nil},
		{"older than a session lives", seal(func(a *Authkey) { a.IssuedAt = u.clk.Now().Add(-25 * time.Hour).Unix() }), "invalid_grant", "older than a passport session", nil},
		{"a kind the site does not serve", seal(func(a *Authkey) { a.DeviceKind = tandem.DeviceIOS }), "invalid_grant", "no longer serves ios", nil},
		{"session signed out", good, "invalid_grant", "passport session the authkey came from ended", func() {
			if err := u.svc.EndSession(t.Context(), cookie); err != nil {
				t.Fatal(err)
			}
		}},
		{"identity deleted", bToks.Authkey, "invalid_grant", "identity no longer exists", func() {
			u.b, u.a = u.a, u.b // present B's authkey as B
			u.st.forget(u.id.ID)
		}},
	}
	for _, tc := range cases {
		if tc.before != nil {
			tc.before()
		}
		got, err := u.svc.FromAuthkey(t.Context(), u.a, tc.authkey)
		if got != nil {
			t.Errorf("%s: got tokens", tc.name)
		}
		wantOAuth(t, err, tc.code, tc.desc, tc.name)
	}
}

// A passport session that expires takes its authkeys with it.
func TestAuthkeySessionExpired(t *testing.T) {
	u := newUnit(t, "the installation's signing key")
	if _, err := u.svc.StartSession(t.Context(), u.id.ID); err != nil {
		t.Fatal(err)
	}
	u.clk.Add(12 * time.Hour)
	toks, _ := u.signIn(t, u.a, tandem.DeviceBrowser) // a session of its own, started now
	u.clk.Add(24*time.Hour + time.Second)
	_, err := u.svc.FromAuthkey(t.Context(), u.a, toks.Authkey)
	wantOAuth(t, err, "invalid_grant", "older than a passport session", "an authkey of an expired session")

	// A session that expires before its authkey is as old: signIn's
	// session started at the sign-in, so make the authkey newer.
	u2 := newUnit(t, "the installation's signing key")
	cookie, err := u2.svc.StartSession(t.Context(), u2.id.ID)
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := u2.svc.LookupSession(t.Context(), cookie)
	u2.clk.Add(20 * time.Hour)
	g := &tandem.Grant{IdentityID: u2.id.ID, SiteID: u2.a.Site.ID, DeviceID: sess.DeviceID, DeviceKind: tandem.DeviceBrowser, Scope: "openid"}
	ak, err := u2.svc.authkeyFor(g, sess.Hash, u2.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u2.svc.FromAuthkey(t.Context(), u2.a, ak); err != nil {
		t.Fatalf("FromAuthkey while the session lives: %v", err)
	}
	u2.clk.Add(4*time.Hour + time.Second)
	_, err = u2.svc.FromAuthkey(t.Context(), u2.a, ak)
	wantOAuth(t, err, "invalid_grant", "ended (signed out or expired)", "an authkey whose session expired")
}

// OpenAuthkey takes any string without panicking, and opens only what
// SealAuthkey sealed under the same key.
func FuzzOpenAuthkey(f *testing.F) {
	key := deriveAuthkeyKey([]byte("the installation's signing key"))
	sealed := Authkey{Version: 1, IdentityID: "i", SiteID: "s", DeviceID: "d", DeviceKind: tandem.DeviceBrowser, SessionHash: "h", IssuedAt: 1}
	good, _ := SealAuthkey(key, &sealed)
	for _, s := range []string{"", AuthkeyPrefix, good, good[:len(good)-1], good + "A", AuthkeyPrefix + "////", "tpk1_AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := OpenAuthkey(key, s)
		if err != nil {
			if err != ErrBadAuthkey || a != nil {
				t.Fatalf("OpenAuthkey(%q) = %v, %v", s, a, err)
			}
			return
		}
		// Only what was sealed opens (each process seals with its own
		// nonce, so compare the content, not the string).
		if *a != sealed {
			t.Fatalf("OpenAuthkey(%q) = %+v, which the passport did not seal", s, a)
		}
	})
}
