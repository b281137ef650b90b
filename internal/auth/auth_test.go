package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPasswordLogin(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	hash, err := password.HashWith(password.TestParams(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: hash, Role: tandem.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	login := auth.PasswordLogin{Users: db}
	tests := []struct {
		name, email, pw string
		ok              bool
	}{
		{"right", "alex@example.com", "correct horse", true},
		{"email in another case", "Alex@Example.com", "correct horse", true},
		{"wrong password", "alex@example.com", "wrong horse", false},
		{"unknown email", "sam@example.com", "correct horse", false},
		{"not an email", "alex", "correct horse", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := login.Authenticate(ctx, tt.email, tt.pw)
			if tt.ok && (err != nil || u.Name != "Alex") {
				t.Fatalf("Authenticate = %v, %v", u, err)
			}
			if !tt.ok && tandem.ErrorCode(err) != tandem.EUnauthorized {
				t.Fatalf("Authenticate error = %v, want unauthorized", err)
			}
		})
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	u := &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: "x", Role: tandem.RoleAgent}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	m := &auth.Manager{Sessions: db, Users: db, TTL: time.Hour, Now: func() time.Time { return now }}
	token, _, err := m.Start(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Lookup(ctx, token); err != nil || got.ID != u.ID {
		t.Fatalf("Lookup = %v, %v", got, err)
	}
	for _, bad := range []string{"", "forged", token + "x"} {
		if _, err := m.Lookup(ctx, bad); tandem.ErrorCode(err) != tandem.EUnauthorized {
			t.Fatalf("Lookup(%q) = %v, want unauthorized", bad, err)
		}
	}
	now = now.Add(2 * time.Hour)
	if _, err := m.Lookup(ctx, token); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Fatalf("expired session: %v", err)
	}
	// The next sign-in forgets expired sessions.
	if _, _, err := m.Start(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoginSessionByHash(ctx, auth.HashToken(token)); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("expired session still stored after a sign-in: %v", err)
	}
	now = now.Add(-2 * time.Hour)
	if err := m.End(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Lookup(ctx, token); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Fatalf("ended session: %v", err)
	}
	if err := m.End(ctx, token); err != nil {
		t.Fatalf("ending twice: %v", err)
	}
}
