package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
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
	_, err := db.pool.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.Email, c.Name, c.PasswordHash, string(c.Role), toMillis(c.CreatedAt), toMillis(c.DisabledAt))
	switch {
	case isUnique(err) && constraint(err) == "users_email_key":
		return tandem.Errorf(tandem.EConflict, "a user with email %q exists", c.Email)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "a user with id %q exists", c.ID)
	case err != nil:
		return wrapErr(err, "create user")
	}
	*u = c
	return nil
}

// UserByID returns the user with the given id.
func (db *DB) UserByID(ctx context.Context, id string) (*tandem.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "user %q not found", id)
	}
	if err != nil {
		return nil, wrapErr(err, "user by id")
	}
	return u, nil
}

// UserByEmail returns the user with the given email, compared without regard
// to case.
func (db *DB) UserByEmail(ctx context.Context, email string) (*tandem.User, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, e))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "user with email %q not found", email)
	}
	if err != nil {
		return nil, wrapErr(err, "user by email")
	}
	return u, nil
}

// ListUsers returns every user, oldest first.
func (db *DB) ListUsers(ctx context.Context) ([]*tandem.User, error) {
	us, err := queryRows(ctx, db.pool, scanUser, `SELECT `+userColumns+` FROM users ORDER BY created_at, id`)
	if err != nil {
		return nil, wrapErr(err, "list users")
	}
	return us, nil
}

// DeleteUser deletes a user with their keys and login sessions. Assists,
// consents and the audit log keep the user's id as history.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return wrapErr(err, "delete user")
	}
	return affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "user %q not found", id) })
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
	_, err = db.pool.Exec(ctx, `INSERT INTO user_keys (fingerprint, user_id, authorized_key, created_at) VALUES ($1, $2, $3, $4)`,
		fp, userID, line, toMillis(now()))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "user %q not found", userID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "the key %s is registered already", fp)
	case err != nil:
		return wrapErr(err, "add user key")
	}
	return nil
}

// UserKeys returns a user's authorized_keys lines in the order they were added.
func (db *DB) UserKeys(ctx context.Context, userID string) ([]string, error) {
	if _, err := db.UserByID(ctx, userID); err != nil {
		return nil, err
	}
	keys, err := queryRows(ctx, db.pool, func(r pgx.Row) (k string, err error) { return k, r.Scan(&k) },
		`SELECT authorized_key FROM user_keys WHERE user_id = $1 ORDER BY created_at, seq`, userID)
	if err != nil {
		return nil, wrapErr(err, "user keys")
	}
	return keys, nil
}

// UserByKeyFingerprint returns the owner of the key with the given SHA256
// fingerprint ("SHA256:...").
func (db *DB) UserByKeyFingerprint(ctx context.Context, fingerprint string) (*tandem.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.password_hash, u.role, u.created_at, u.disabled_at
		FROM user_keys k JOIN users u ON u.id = k.user_id WHERE k.fingerprint = $1`, fingerprint))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no user has the key %s", fingerprint)
	}
	if err != nil {
		return nil, wrapErr(err, "user by key")
	}
	return u, nil
}

func scanUser(r pgx.Row) (*tandem.User, error) {
	var u tandem.User
	var role string
	var created, disabled *int64
	if err := r.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &role, &created, &disabled); err != nil {
		return nil, err
	}
	u.Role = tandem.Role(role)
	u.CreatedAt = fromMillis(created)
	u.DisabledAt = fromMillis(disabled)
	return &u, nil
}
