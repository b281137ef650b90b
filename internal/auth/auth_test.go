package auth_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
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

// recordingVerifier records the hashes it was asked to verify against.
type recordingVerifier struct{ hashes []string }

func (v *recordingVerifier) Verify(encoded, _ string) (bool, error) {
	v.hashes = append(v.hashes, encoded)
	return false, nil // every password here is wrong; the hashing itself is password's to test
}

// An unknown email (or one that is not an address) costs one verification
// of a hash with the default parameters through the Gate, as a wrong
// password of a real account does: no timing shortcut tells which emails
// exist, and no shortcut escapes the Gate's bound.
func TestUnknownEmailCostsAVerification(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	// A hash with the parameters `tandem user add` uses (salt and key made
	// up: the recording verifier never computes one).
	p := password.DefaultParams()
	hash := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U", p.Memory, p.Time, p.Threads)
	if err := db.CreateUser(ctx, &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: hash, Role: tandem.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	params := func(encoded string) string { return strings.Join(strings.Split(encoded, "$")[:4], "$") }
	for _, email := range []string{"alex@example.com", "sam@example.com", "not an email"} {
		v := &recordingVerifier{}
		login := auth.PasswordLogin{Users: db, Gate: password.NewGate(password.GateConfig{Slots: 1, Verifier: v})}
		if _, err := login.Authenticate(ctx, email, "wrong horse"); tandem.ErrorCode(err) != tandem.EUnauthorized {
			t.Fatalf("%s: Authenticate = %v, want unauthorized", email, err)
		}
		if len(v.hashes) != 1 || params(v.hashes[0]) != params(hash) {
			t.Errorf("%s: verified %q, want one verification with the parameters of %q", email, v.hashes, params(hash))
		}
	}
}

// When the Gate is full, sign-in answers password.ErrBusy (503), not
// "wrong password", for known and unknown emails alike.
func TestAuthenticateWhenBusy(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	hash, _ := password.HashWith(password.TestParams(), "correct horse")
	if err := db.CreateUser(ctx, &tandem.User{Email: "alex@example.com", Name: "Alex", PasswordHash: hash, Role: tandem.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	hold := &holdingVerifier{entered: make(chan struct{}), release: make(chan struct{})}
	gate := password.NewGate(password.GateConfig{Slots: 1, Wait: 10 * time.Millisecond, Verifier: hold})
	login := auth.PasswordLogin{Users: db, Gate: gate}
	go func() { _, _ = login.Authenticate(ctx, "alex@example.com", "x") }()
	<-hold.entered
	defer close(hold.release)
	for _, email := range []string{"alex@example.com", "sam@example.com"} {
		if _, err := login.Authenticate(ctx, email, "correct horse"); !errors.Is(err, password.ErrBusy) {
			t.Errorf("%s while the gate is full: %v, want ErrBusy", email, err)
		}
	}
}

type holdingVerifier struct{ entered, release chan struct{} }

func (v *holdingVerifier) Verify(string, string) (bool, error) {
	v.entered <- struct{}{}
	<-v.release
	return false, nil
}

// An invited user (no password yet) matches no password, not even the
// empty one; a disabled user is refused with the right password, gets no
// new session, and their existing session stops working.
func TestInvitedAndDisabled(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	hash, err := password.HashWith(password.TestParams(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	kim := &tandem.User{Email: "kim@example.com", Name: "Kim", Role: tandem.RoleAgent}
	sam := &tandem.User{Email: "sam@example.com", Name: "Sam", PasswordHash: hash, Role: tandem.RoleAgent}
	for _, u := range []*tandem.User{kim, sam} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	login := auth.PasswordLogin{Users: db}
	m := &auth.Manager{Sessions: db, Users: db}
	token, _, err := m.Start(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "correct horse"} {
		if _, err := login.Authenticate(ctx, kim.Email, pw); tandem.ErrorCode(err) != tandem.EUnauthorized {
			t.Errorf("invited user with %q: %v, want unauthorized", pw, err)
		}
	}
	sam.DisabledAt = time.Now()
	if err := db.UpdateUser(ctx, sam); err != nil {
		t.Fatal(err)
	}
	if _, err := login.Authenticate(ctx, sam.Email, "correct horse"); tandem.ErrorCode(err) != tandem.EUnauthorized || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("disabled user: %v, want unauthorized (disabled)", err)
	}
	if _, _, err := m.Start(ctx, sam); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Errorf("a session for a disabled user: %v, want unauthorized", err)
	}
	if _, err := m.Lookup(ctx, token); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Errorf("a disabled user's session: %v, want unauthorized", err)
	}
}
