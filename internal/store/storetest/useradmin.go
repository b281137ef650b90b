package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// testUserAdmin covers what an admin changes of a user: role, disabling
// (which ends their sessions), removing a key, and invites.
func testUserAdmin(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	sam := newUser(t, s, "sam@example.com")
	for _, u := range []*tandem.User{alex, sam} {
		must(t, s.CreateLoginSession(ctx, &store.LoginSession{TokenHash: "tok-" + u.ID, UserID: u.ID, CSRFToken: "c",
			CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}), "CreateLoginSession")
	}

	alex.Role, alex.DisabledAt = tandem.RoleAdmin, at(3)
	must(t, s.UpdateUser(ctx, alex), "UpdateUser")
	got, err := s.UserByID(ctx, alex.ID)
	must(t, err, "UserByID")
	if got.Role != tandem.RoleAdmin || !sameTime(got.DisabledAt, at(3)) {
		t.Errorf("after UpdateUser role %q disabled %v, want admin, %v", got.Role, got.DisabledAt, at(3))
	}
	_, err = s.LoginSessionByHash(ctx, "tok-"+alex.ID)
	wantCode(t, err, tandem.ENotFound, "a disabled user's session")
	_, err = s.LoginSessionByHash(ctx, "tok-"+sam.ID)
	must(t, err, "another user's session after a disable")

	alex.DisabledAt = time.Time{}
	must(t, s.UpdateUser(ctx, alex), "UpdateUser enable")
	if got, _ := s.UserByEmail(ctx, alex.Email); !got.DisabledAt.IsZero() {
		t.Errorf("enabled user has DisabledAt %v", got.DisabledAt)
	}
	bad := *alex
	bad.Role = "root"
	wantCode(t, s.UpdateUser(ctx, &bad), tandem.EInvalid, "UpdateUser bad role")
	gone := *alex
	gone.ID = "nobody"
	wantCode(t, s.UpdateUser(ctx, &gone), tandem.ENotFound, "UpdateUser unknown")

	line, fp := newKey(t, "alex@laptop")
	must(t, s.AddUserKey(ctx, alex.ID, line), "AddUserKey")
	wantCode(t, s.RemoveUserKey(ctx, sam.ID, fp), tandem.ENotFound, "RemoveUserKey of another user's key")
	must(t, s.RemoveUserKey(ctx, alex.ID, fp), "RemoveUserKey")
	wantCode(t, s.RemoveUserKey(ctx, alex.ID, fp), tandem.ENotFound, "RemoveUserKey twice")
	if keys, _ := s.UserKeys(ctx, alex.ID); len(keys) != 0 {
		t.Errorf("keys after removal: %v", keys)
	}

	now := time.Now()
	must(t, s.CreateUserInvite(ctx, &store.UserInvite{TokenHash: "h1", UserID: sam.ID, ExpiresAt: now.Add(time.Hour)}), "CreateUserInvite")
	must(t, s.CreateUserInvite(ctx, &store.UserInvite{TokenHash: "h2", UserID: sam.ID, ExpiresAt: now.Add(-time.Second)}), "CreateUserInvite expired")
	wantCode(t, s.CreateUserInvite(ctx, &store.UserInvite{TokenHash: "h3", UserID: "nobody", ExpiresAt: now.Add(time.Hour)}), tandem.ENotFound, "CreateUserInvite unknown user")
	wantCode(t, s.CreateUserInvite(ctx, &store.UserInvite{UserID: sam.ID, ExpiresAt: now}), tandem.EInvalid, "CreateUserInvite without a hash")

	_, err = s.RedeemUserInvite(ctx, "h2", "$argon2id$new", now)
	wantCode(t, err, tandem.EExpired, "RedeemUserInvite expired")
	_, err = s.RedeemUserInvite(ctx, "nope", "$argon2id$new", now)
	wantCode(t, err, tandem.ENotFound, "RedeemUserInvite unknown")
	u, err := s.RedeemUserInvite(ctx, "h1", "$argon2id$new", now)
	must(t, err, "RedeemUserInvite")
	if u.ID != sam.ID || u.PasswordHash != "$argon2id$new" {
		t.Errorf("redeemed user %s hash %q, want %s with the new hash", u.ID, u.PasswordHash, sam.ID)
	}
	_, err = s.RedeemUserInvite(ctx, "h1", "$argon2id$again", now)
	wantCode(t, err, tandem.ENotFound, "RedeemUserInvite twice")
}

// testListAudit covers the audit log's listing: filters, newest first,
// paging with Before.
func testListAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i, e := range []tandem.AuditEntry{
		{SessionID: "a1", Actor: "agent:x", Action: "accept"},
		{SessionID: "a1", Actor: "agent:y", Action: "join"},
		{SessionID: "a2", Actor: "agent:x", Action: "join"},
		{SessionID: "a2", Actor: "agent:x", Action: "end"},
	} {
		e.At = at(i)
		must(t, s.AppendAudit(ctx, &e), "AppendAudit")
	}
	for _, tt := range []struct {
		name string
		f    store.AuditFilter
		want []string // session/action, newest first
	}{
		{"all", store.AuditFilter{}, []string{"a2/end", "a2/join", "a1/join", "a1/accept"}},
		{"actor", store.AuditFilter{Actor: "agent:x"}, []string{"a2/end", "a2/join", "a1/accept"}},
		{"action", store.AuditFilter{Action: "join"}, []string{"a2/join", "a1/join"}},
		{"session", store.AuditFilter{SessionID: "a1"}, []string{"a1/join", "a1/accept"}},
		{"all three", store.AuditFilter{Actor: "agent:x", Action: "join", SessionID: "a2"}, []string{"a2/join"}},
		{"limit", store.AuditFilter{Limit: 2}, []string{"a2/end", "a2/join"}},
		{"none", store.AuditFilter{Actor: "agent:z"}, nil},
	} {
		es, err := s.ListAudit(ctx, tt.f)
		must(t, err, "ListAudit "+tt.name)
		var got []string
		for _, e := range es {
			got = append(got, e.SessionID+"/"+e.Action)
		}
		if !equalStrings(got, tt.want) {
			t.Errorf("ListAudit %s = %v, want %v", tt.name, got, tt.want)
		}
	}
	first, err := s.ListAudit(ctx, store.AuditFilter{Limit: 3})
	must(t, err, "ListAudit page 1")
	rest, err := s.ListAudit(ctx, store.AuditFilter{Limit: 3, Before: first[len(first)-1].ID})
	must(t, err, "ListAudit page 2")
	if len(rest) != 1 || rest[0].Action != "accept" {
		t.Errorf("page 2 = %v, want the oldest entry alone", rest)
	}
	for _, l := range []int{-1, store.MaxAuditLimit + 1} {
		_, err := s.ListAudit(ctx, store.AuditFilter{Limit: l})
		wantCode(t, err, tandem.EInvalid, "ListAudit bad limit")
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
