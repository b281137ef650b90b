package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

const userColumns = `id, email, name, password_hash, role, created_at, disabled_at`

// CreateUser inserts u after store.CheckUser has normalized it, setting its
// ID and CreatedAt when empty. An email in use is tandem.EConflict.
func (db *DB) CreateUser(ctx context.Context, u *tandem.User) error {
	c := *u
	if err := store.CheckUser(&c); err != nil {
		return err
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := db.w.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Email, c.Name, c.PasswordHash, string(c.Role), toMillis(c.CreatedAt), toMillis(c.DisabledAt))
	if isUnique(err) {
		if _, byEmail := db.UserByEmail(ctx, c.Email); byEmail == nil {
			return tandem.Errorf(tandem.EConflict, "a user with email %q exists", c.Email)
		}
		return tandem.Errorf(tandem.EConflict, "a user with id %q exists", c.ID)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	*u = c
	return nil
}

// UserByID returns the user with the given id.
func (db *DB) UserByID(ctx context.Context, id string) (*tandem.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "user %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("user by id: %w", err)
	}
	return u, nil
}

// UserByEmail returns the user with the given email, compared without regard
// to case.
func (db *DB) UserByEmail(ctx context.Context, email string) (*tandem.User, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, e))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "user with email %q not found", email)
	}
	if err != nil {
		return nil, fmt.Errorf("user by email: %w", err)
	}
	return u, nil
}

// ListUsers returns every user, oldest first.
func (db *DB) ListUsers(ctx context.Context) ([]*tandem.User, error) {
	us, err := queryRows(ctx, db.r, scanUser, `SELECT `+userColumns+` FROM users ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// DeleteUser deletes a user with their keys and login sessions. Assists,
// consents and the audit log keep the user's id as history.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "user %q not found", id) })
}

// AddUserKey registers an authorized_keys line for a user. A line that is not
// a public key is tandem.EInvalid; a key registered already (to anyone) is
// tandem.EConflict, since a key must name one user.
func (db *DB) AddUserKey(ctx context.Context, userID, authorizedKey string) error {
	line := strings.TrimSpace(authorizedKey)
	pk, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil || len(strings.TrimSpace(string(rest))) > 0 {
		return tandem.Errorf(tandem.EInvalid, "not a single SSH public key in authorized_keys form (e.g. \"ssh-ed25519 AAAA... you@host\")")
	}
	fp := ssh.FingerprintSHA256(pk)
	_, err = db.w.ExecContext(ctx, `INSERT INTO user_keys (fingerprint, user_id, authorized_key, created_at) VALUES (?, ?, ?, ?)`,
		fp, userID, line, toMillis(now()))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "user %q not found", userID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "the key %s is registered already", fp)
	case err != nil:
		return fmt.Errorf("add user key: %w", err)
	}
	return nil
}

// UserKeys returns a user's authorized_keys lines in the order they were added.
func (db *DB) UserKeys(ctx context.Context, userID string) ([]string, error) {
	if _, err := db.UserByID(ctx, userID); err != nil {
		return nil, err
	}
	keys, err := queryRows(ctx, db.r, func(s scanner) (k string, err error) { return k, s.Scan(&k) },
		`SELECT authorized_key FROM user_keys WHERE user_id = ? ORDER BY created_at, rowid`, userID)
	if err != nil {
		return nil, fmt.Errorf("user keys: %w", err)
	}
	return keys, nil
}

// UserByKeyFingerprint returns the owner of the key with the given SHA256
// fingerprint ("SHA256:...").
func (db *DB) UserByKeyFingerprint(ctx context.Context, fingerprint string) (*tandem.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.password_hash, u.role, u.created_at, u.disabled_at
		FROM user_keys k JOIN users u ON u.id = k.user_id WHERE k.fingerprint = ?`, fingerprint))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no user has the key %s", fingerprint)
	}
	if err != nil {
		return nil, fmt.Errorf("user by key: %w", err)
	}
	return u, nil
}

func scanUser(s scanner) (*tandem.User, error) {
	var u tandem.User
	var role string
	var created, disabled sql.NullInt64
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &role, &created, &disabled); err != nil {
		return nil, err
	}
	u.Role = tandem.Role(role)
	u.CreatedAt = fromMillis(created)
	u.DisabledAt = fromMillis(disabled)
	return &u, nil
}
