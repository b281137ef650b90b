package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func testUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	u := &tandem.User{Email: "  Alex@Example.COM ", Name: " Alex from Support ", PasswordHash: "$argon2id$x", Role: tandem.RoleAdmin}
	must(t, s.CreateUser(ctx, u), "CreateUser")
	checkID(t, u.ID, "user")
	if u.CreatedAt.Before(before) || u.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("CreatedAt = %v, want about now", u.CreatedAt)
	}
	if u.Email != "alex@example.com" || u.Name != "Alex from Support" {
		t.Errorf("CreateUser stored email %q name %q, want them trimmed and the email lowercased", u.Email, u.Name)
	}

	for _, tt := range []struct{ name, email string }{
		{"same case", "alex@example.com"},
		{"upper case", "ALEX@EXAMPLE.COM"},
		{"spaces", " alex@example.com "},
	} {
		got, err := s.UserByEmail(ctx, tt.email)
		if err != nil {
			t.Errorf("UserByEmail(%q) %s: %v", tt.email, tt.name, err)
			continue
		}
		if got.ID != u.ID {
			t.Errorf("UserByEmail(%q) = %s, want %s", tt.email, got.ID, u.ID)
		}
	}

	got, err := s.UserByID(ctx, u.ID)
	must(t, err, "UserByID")
	if got.Email != u.Email || got.Name != u.Name || got.PasswordHash != u.PasswordHash || got.Role != tandem.RoleAdmin || !sameTime(got.CreatedAt, u.CreatedAt) {
		t.Errorf("UserByID = %+v, want %+v", got, u)
	}

	second := &tandem.User{Email: "sam@example.com", Name: "Sam", CreatedAt: at(5)}
	must(t, s.CreateUser(ctx, second), "CreateUser second")
	if second.Role != tandem.RoleAgent {
		t.Errorf("an empty role became %q, want %q", second.Role, tandem.RoleAgent)
	}
	if u.ID == second.ID {
		t.Errorf("two users got the same id %q", u.ID)
	}
	if !sameTime(second.CreatedAt, at(5)) {
		t.Errorf("a given CreatedAt became %v, want %v", second.CreatedAt, at(5))
	}

	// The same email in another case is taken; nothing is written.
	dup := &tandem.User{Email: "ALEX@example.com", Name: "Other Alex"}
	wantCode(t, s.CreateUser(ctx, dup), tandem.EConflict, "CreateUser with a taken email")
	if dup.ID != "" {
		t.Errorf("a failed CreateUser set ID %q", dup.ID)
	}
	wantCode(t, s.CreateUser(ctx, &tandem.User{ID: u.ID, Email: "new@example.com", Name: "New"}), tandem.EConflict, "CreateUser with a taken id")

	list, err := s.ListUsers(ctx)
	must(t, err, "ListUsers")
	if len(list) != 2 {
		t.Fatalf("ListUsers returned %d users, want 2", len(list))
	}
	ids := map[string]bool{list[0].ID: true, list[1].ID: true}
	if !ids[u.ID] || !ids[second.ID] {
		t.Errorf("ListUsers = %v, %v; want %s and %s", list[0].ID, list[1].ID, u.ID, second.ID)
	}

	_, err = s.UserByID(ctx, "no-such-user")
	wantCode(t, err, tandem.ENotFound, "UserByID unknown")
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantCode(t, err, tandem.ENotFound, "UserByEmail unknown")

	must(t, s.DeleteUser(ctx, u.ID), "DeleteUser")
	_, err = s.UserByID(ctx, u.ID)
	wantCode(t, err, tandem.ENotFound, "UserByID after DeleteUser")
	wantCode(t, s.DeleteUser(ctx, u.ID), tandem.ENotFound, "DeleteUser twice")
	wantCode(t, s.DeleteUser(ctx, "no-such-user"), tandem.ENotFound, "DeleteUser unknown")

	// The email is free again once its user is gone.
	must(t, s.CreateUser(ctx, &tandem.User{Email: "alex@example.com", Name: "Alex again"}), "CreateUser reusing a deleted user's email")
	list, err = s.ListUsers(ctx)
	must(t, err, "ListUsers")
	if len(list) != 2 {
		t.Errorf("ListUsers after delete and add returned %d users, want 2", len(list))
	}
}

func testUserValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name string
		user tandem.User
	}{
		{"empty email", tandem.User{Name: "Alex"}},
		{"no at", tandem.User{Email: "alex.example.com", Name: "Alex"}},
		{"display name", tandem.User{Email: "Alex <alex@example.com>", Name: "Alex"}},
		{"two addresses", tandem.User{Email: "a@example.com, b@example.com", Name: "Alex"}},
		{"empty name", tandem.User{Email: "alex@example.com", Name: "   "}},
		{"bad role", tandem.User{Email: "alex@example.com", Name: "Alex", Role: "root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			wantCode(t, s.CreateUser(ctx, &u), tandem.EInvalid, "CreateUser")
		})
	}
	list, err := s.ListUsers(ctx)
	must(t, err, "ListUsers")
	if len(list) != 0 {
		t.Errorf("invalid users were written: %d users", len(list))
	}
}

func testUserKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	sam := newUser(t, s, "sam@example.com")

	keys, err := s.UserKeys(ctx, alex.ID)
	must(t, err, "UserKeys")
	if len(keys) != 0 {
		t.Errorf("a new user has keys: %v", keys)
	}

	line1, fp1 := newKey(t, "alex@laptop")
	line2, fp2 := newKey(t, "")
	must(t, s.AddUserKey(ctx, alex.ID, line1), "AddUserKey")
	must(t, s.AddUserKey(ctx, alex.ID, "  "+line2+"\n"), "AddUserKey with spaces")

	keys, err = s.UserKeys(ctx, alex.ID)
	must(t, err, "UserKeys")
	if len(keys) != 2 || keys[0] != line1 || keys[1] != line2 {
		t.Errorf("UserKeys = %q, want [%q %q]", keys, line1, line2)
	}
	for _, fp := range []string{fp1, fp2} {
		u, err := s.UserByKeyFingerprint(ctx, fp)
		if err != nil {
			t.Errorf("UserByKeyFingerprint(%s): %v", fp, err)
			continue
		}
		if u.ID != alex.ID || u.Email != alex.Email {
			t.Errorf("UserByKeyFingerprint(%s) = %s, want %s", fp, u.ID, alex.ID)
		}
	}

	// A key names one user: not again for the same user, nor for another.
	wantCode(t, s.AddUserKey(ctx, alex.ID, line1), tandem.EConflict, "AddUserKey repeat")
	wantCode(t, s.AddUserKey(ctx, sam.ID, line1+" other-comment"), tandem.EConflict, "AddUserKey of another user's key")

	for _, bad := range []string{"", "ssh-ed25519", "ssh-ed25519 AAAAnotbase64!!", "hello world", line1 + "\n" + line2} {
		wantCode(t, s.AddUserKey(ctx, sam.ID, bad), tandem.EInvalid, "AddUserKey("+bad+")")
	}
	keys, err = s.UserKeys(ctx, sam.ID)
	must(t, err, "UserKeys")
	if len(keys) != 0 {
		t.Errorf("rejected keys were stored: %q", keys)
	}

	line3, _ := newKey(t, "")
	wantCode(t, s.AddUserKey(ctx, "no-such-user", line3), tandem.ENotFound, "AddUserKey for an unknown user")
	_, err = s.UserKeys(ctx, "no-such-user")
	wantCode(t, err, tandem.ENotFound, "UserKeys of an unknown user")
	_, err = s.UserByKeyFingerprint(ctx, "SHA256:nosuchkey")
	wantCode(t, err, tandem.ENotFound, "UserByKeyFingerprint unknown")

	// Removing a user removes their keys, and frees them for someone else.
	must(t, s.DeleteUser(ctx, alex.ID), "DeleteUser")
	_, err = s.UserByKeyFingerprint(ctx, fp1)
	wantCode(t, err, tandem.ENotFound, "UserByKeyFingerprint of a removed user's key")
	must(t, s.AddUserKey(ctx, sam.ID, line1), "AddUserKey of a removed user's key")
}
