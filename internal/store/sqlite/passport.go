package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// marks returns n comma-separated "?" placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// PutServiceLine creates or replaces the registration of l's site after
// store.CheckServiceLine has normalized it. UpdatedAt is set to now when
// empty; CreatedAt is kept from an earlier registration, else set like
// it, and written back to l.
func (db *DB) PutServiceLine(ctx context.Context, l *tandem.ServiceLine) error {
	c := *l
	c.Domains, c.RedirectURIs, c.Devices = slices.Clone(l.Domains), slices.Clone(l.RedirectURIs), slices.Clone(l.Devices)
	if err := store.CheckServiceLine(&c); err != nil {
		return err
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = now()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = c.UpdatedAt
	}
	var created sql.NullInt64
	err := db.w.QueryRowContext(ctx, `INSERT INTO service_lines (`+store.ServiceLineColumns+`) VALUES (`+marks(11)+`)
		ON CONFLICT (site_id) DO UPDATE SET domains = excluded.domains, redirect_uris = excluded.redirect_uris,
			devices = excluded.devices, access_ttl = excluded.access_ttl, refresh_ttl = excluded.refresh_ttl,
			one_device = excluded.one_device, client_secret_hash = excluded.client_secret_hash, vouch_key = excluded.vouch_key, updated_at = excluded.updated_at
		RETURNING created_at`, store.ServiceLineArgs(&c)...).Scan(&created)
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "site %q not found", c.SiteID)
	}
	if err != nil {
		return fmt.Errorf("put service line: %w", err)
	}
	c.CreatedAt = fromMillis(created)
	*l = c
	return nil
}

// ServiceLine returns the registration of the site, or ENotFound when the
// site is not registered with the passport.
func (db *DB) ServiceLine(ctx context.Context, siteID string) (*tandem.ServiceLine, error) {
	l, err := store.ScanServiceLine(db.r.QueryRowContext(ctx, `SELECT `+store.ServiceLineColumns+` FROM service_lines WHERE site_id = ?`, siteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "site %q is not registered with the passport", siteID)
	}
	if err != nil {
		return nil, fmt.Errorf("service line: %w", err)
	}
	return l, nil
}

// CreateIdentity stores id after store.CheckIdentity has normalized it,
// setting its ID and CreatedAt when empty.
func (db *DB) CreateIdentity(ctx context.Context, id *tandem.Identity) error {
	c := *id
	if err := store.CheckIdentity(&c); err != nil {
		return err
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := db.w.ExecContext(ctx, `INSERT INTO identities (`+store.IdentityColumns+`) VALUES (`+marks(6)+`)`, store.IdentityArgs(&c)...)
	if isUnique(err) {
		return tandem.Errorf(tandem.EConflict, "an identity with email %q (or id %q, or linked to user %q) exists", c.Email, c.ID, c.UserID)
	}
	if err != nil {
		return fmt.Errorf("create identity: %w", err)
	}
	*id = c
	return nil
}

// IdentityByID returns the identity with the given id.
func (db *DB) IdentityByID(ctx context.Context, id string) (*tandem.Identity, error) {
	return db.oneIdentity(ctx, "id", id, tandem.Errorf(tandem.ENotFound, "identity %q not found", id))
}

// IdentityByEmail returns the identity with the given email, compared in
// store.NormalizeEmail's form.
func (db *DB) IdentityByEmail(ctx context.Context, email string) (*tandem.Identity, error) {
	e, err := store.NormalizeEmail(email)
	if err != nil {
		return nil, tandem.Errorf(tandem.ENotFound, "no identity with email %q", email)
	}
	return db.oneIdentity(ctx, "email", e, tandem.Errorf(tandem.ENotFound, "no identity with email %q", e))
}

func (db *DB) oneIdentity(ctx context.Context, column, value string, notFound error) (*tandem.Identity, error) {
	id, err := store.ScanIdentity(db.r.QueryRowContext(ctx, `SELECT `+store.IdentityColumns+` FROM identities WHERE `+column+` = ?`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("identity by %s: %w", column, err)
	}
	return id, nil
}

// UpdateIdentity writes the email, name, password hash and linked user of
// id. Its creation time does not change.
func (db *DB) UpdateIdentity(ctx context.Context, id *tandem.Identity) error {
	c := *id
	if err := store.CheckIdentity(&c); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `UPDATE identities SET email = ?, name = ?, password_hash = ?, user_id = ? WHERE id = ?`,
		c.Email, c.Name, c.PasswordHash, c.UserID, c.ID)
	if isUnique(err) {
		return tandem.Errorf(tandem.EConflict, "another identity has email %q (or is linked to user %q)", c.Email, c.UserID)
	}
	if err != nil {
		return fmt.Errorf("update identity: %w", err)
	}
	if err := affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "identity %q not found", c.ID) }); err != nil {
		return err
	}
	id.Email, id.Name, id.PasswordHash, id.UserID = c.Email, c.Name, c.PasswordHash, c.UserID
	return nil
}

// CreateAuthCode stores c, setting its CreatedAt when empty. Codes that
// expired before c was made are deleted in the same transaction, so that
// codes never exchanged do not pile up.
func (db *DB) CreateAuthCode(ctx context.Context, c *tandem.AuthCode) error {
	cc := *c
	if cc.CreatedAt.IsZero() {
		cc.CreatedAt = now()
	}
	if err := store.CheckAuthCode(&cc); err != nil {
		return err
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_codes WHERE expires_at <= ?`, toMillis(cc.CreatedAt)); err != nil {
			return fmt.Errorf("delete expired codes: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_codes (`+store.AuthCodeColumns+`) VALUES (`+marks(12)+`)`, store.AuthCodeArgs(&cc)...)
		switch {
		case isForeignKey(err):
			return tandem.Errorf(tandem.ENotFound, "site %q or identity %q not found", cc.SiteID, cc.IdentityID)
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "a code with that hash exists")
		case err != nil:
			return fmt.Errorf("create code: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*c = cc
	return nil
}

// TakeAuthCode deletes the code with the given hash and returns it: of
// two callers, one gets it and the other ENotFound. A code that expired
// at or before now is deleted and EExpired.
func (db *DB) TakeAuthCode(ctx context.Context, hash string, now time.Time) (*tandem.AuthCode, error) {
	if err := store.CheckNow(now, "taking a code"); err != nil {
		return nil, err
	}
	c, err := store.ScanAuthCode(db.w.QueryRowContext(ctx, `DELETE FROM auth_codes WHERE hash = ? RETURNING `+store.AuthCodeColumns, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no such code (it may have been used)")
	}
	if err != nil {
		return nil, fmt.Errorf("take code: %w", err)
	}
	if !now.Before(c.ExpiresAt) {
		return nil, tandem.Errorf(tandem.EExpired, "the code expired at %s", c.ExpiresAt.Format(time.RFC3339))
	}
	return c, nil
}

// CreatePassportSession stores s, setting its CreatedAt when empty.
func (db *DB) CreatePassportSession(ctx context.Context, s *store.PassportSession) error {
	c := *s
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	if err := store.CheckPassportSession(&c); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO passport_sessions (`+store.PassportSessionColumns+`) VALUES (?, ?, ?, ?)`,
		store.PassportSessionArgs(&c)...)
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "identity %q not found", c.IdentityID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "a passport session with that token exists")
	case err != nil:
		return fmt.Errorf("create passport session: %w", err)
	}
	*s = c
	return nil
}

// PassportSessionByHash returns the session whose token hashes to
// tokenHash if it has not expired at now.
func (db *DB) PassportSessionByHash(ctx context.Context, tokenHash string, now time.Time) (*store.PassportSession, error) {
	if err := store.CheckNow(now, "looking up a passport session"); err != nil {
		return nil, err
	}
	s, err := store.ScanPassportSession(db.r.QueryRowContext(ctx, `SELECT `+store.PassportSessionColumns+` FROM passport_sessions
		WHERE token_hash = ? AND expires_at > ?`, tokenHash, toMillis(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "passport session not found or expired")
	}
	if err != nil {
		return nil, fmt.Errorf("passport session: %w", err)
	}
	return s, nil
}

// DeletePassportSession deletes the session whose token hashes to
// tokenHash (ENotFound if none).
func (db *DB) DeletePassportSession(ctx context.Context, tokenHash string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM passport_sessions WHERE token_hash = ?`, tokenHash)
	if err != nil {
		return fmt.Errorf("delete passport session: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "passport session not found") })
}

// CreateSigningKey stores k, setting its CreatedAt when empty.
func (db *DB) CreateSigningKey(ctx context.Context, k *tandem.SigningKey) error {
	c := *k
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	if err := store.CheckSigningKey(&c); err != nil {
		return err
	}
	c.PrivateDER = slices.Clone(k.PrivateDER)
	_, err := db.w.ExecContext(ctx, `INSERT INTO signing_keys (`+store.SigningKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		store.SigningKeyArgs(&c)...)
	if isUnique(err) {
		return tandem.Errorf(tandem.EConflict, "a signing key %q exists", c.ID)
	}
	if err != nil {
		return fmt.Errorf("create signing key: %w", err)
	}
	*k = c
	return nil
}

// SigningKeys returns every signing key, oldest first.
func (db *DB) SigningKeys(ctx context.Context) ([]*tandem.SigningKey, error) {
	ks, err := queryRows(ctx, db.r, store.ScanSigningKey, `SELECT `+store.SigningKeyColumns+` FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return ks, nil
}

// DeleteSigningKey deletes the signing key with the given id.
func (db *DB) DeleteSigningKey(ctx context.Context, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM signing_keys WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete signing key: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "signing key %q not found", id) })
}
