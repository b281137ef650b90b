package storetest

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func testLoginSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := newUser(t, s, "alex@example.com")

	live := &store.LoginSession{TokenHash: "hash-live", UserID: u.ID, CSRFToken: "csrf-1", CreatedAt: at(0), ExpiresAt: at(60)}
	old := &store.LoginSession{TokenHash: "hash-old", UserID: u.ID, CSRFToken: "csrf-2", ExpiresAt: at(10)}
	must(t, s.CreateLoginSession(ctx, live), "CreateLoginSession")
	must(t, s.CreateLoginSession(ctx, old), "CreateLoginSession")
	if old.CreatedAt.IsZero() {
		t.Error("CreateLoginSession left CreatedAt zero")
	}
	wantCode(t, s.CreateLoginSession(ctx, &store.LoginSession{TokenHash: "hash-live", UserID: u.ID, ExpiresAt: at(60)}), tandem.EConflict, "CreateLoginSession repeat")
	wantCode(t, s.CreateLoginSession(ctx, &store.LoginSession{TokenHash: "hash-x", UserID: "no-such-user", ExpiresAt: at(60)}), tandem.ENotFound, "CreateLoginSession unknown user")

	got, err := s.LoginSessionByHash(ctx, "hash-live")
	must(t, err, "LoginSessionByHash")
	if got.UserID != u.ID || got.CSRFToken != "csrf-1" || !sameTime(got.CreatedAt, at(0)) || !sameTime(got.ExpiresAt, at(60)) {
		t.Errorf("LoginSessionByHash = %+v, want %+v", got, live)
	}
	_, err = s.LoginSessionByHash(ctx, "no-such-hash")
	wantCode(t, err, tandem.ENotFound, "LoginSessionByHash unknown")

	// Expiry is inclusive: a session that expires at now is gone.
	must(t, s.DeleteExpiredLoginSessions(ctx, at(10)), "DeleteExpiredLoginSessions")
	_, err = s.LoginSessionByHash(ctx, "hash-old")
	wantCode(t, err, tandem.ENotFound, "expired session after DeleteExpiredLoginSessions")
	_, err = s.LoginSessionByHash(ctx, "hash-live")
	must(t, err, "live session after DeleteExpiredLoginSessions")

	must(t, s.DeleteLoginSession(ctx, "hash-live"), "DeleteLoginSession")
	_, err = s.LoginSessionByHash(ctx, "hash-live")
	wantCode(t, err, tandem.ENotFound, "LoginSessionByHash after DeleteLoginSession")
	wantCode(t, s.DeleteLoginSession(ctx, "hash-live"), tandem.ENotFound, "DeleteLoginSession twice")

	// Removing a user signs them out everywhere.
	must(t, s.CreateLoginSession(ctx, &store.LoginSession{TokenHash: "hash-2", UserID: u.ID, ExpiresAt: at(60)}), "CreateLoginSession")
	must(t, s.DeleteUser(ctx, u.ID), "DeleteUser")
	_, err = s.LoginSessionByHash(ctx, "hash-2")
	wantCode(t, err, tandem.ENotFound, "a removed user's session")
}
