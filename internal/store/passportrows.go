package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
)

// Both backends keep the passport's rows in the same columns: times as
// unix milliseconds, durations as milliseconds, lists (domains, redirect
// URIs, devices) as JSON text as sites keep allowed origins. What is here
// reads and writes them the same way for both; each backend only writes
// its SQL.

// ServiceLineColumns are the columns ServiceLineArgs writes and
// ScanServiceLine reads, in order.
const ServiceLineColumns = `site_id, domains, redirect_uris, devices, access_ttl, refresh_ttl, one_device, client_secret_hash,
	vouch_key, created_at, updated_at`

// ServiceLineArgs returns l's values in ServiceLineColumns order.
func ServiceLineArgs(l *tandem.ServiceLine) []any {
	return []any{l.SiteID, mustJSON(nonNil(l.Domains)), mustJSON(nonNil(l.RedirectURIs)), mustJSON(nonNil(l.Devices)),
		l.AccessTTL.Milliseconds(), l.RefreshTTL.Milliseconds(), l.OneDevice, l.ClientSecretHash, l.VouchKey, Millis(l.CreatedAt), Millis(l.UpdatedAt)}
}

// nonNil returns s, or an empty slice for nil, so that a list is stored
// as [] and never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ScanServiceLine scans one row of ServiceLineColumns.
func ScanServiceLine(s Scanner) (*tandem.ServiceLine, error) {
	var l tandem.ServiceLine
	var domains, uris, devices string
	var access, refresh int64
	var created, updated sql.NullInt64
	if err := s.Scan(&l.SiteID, &domains, &uris, &devices, &access, &refresh, &l.OneDevice, &l.ClientSecretHash, &l.VouchKey, &created, &updated); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		text string
		into any
		what string
	}{{domains, &l.Domains, "domains"}, {uris, &l.RedirectURIs, "redirect URIs"}, {devices, &l.Devices, "devices"}} {
		if err := json.Unmarshal([]byte(f.text), f.into); err != nil {
			return nil, fmt.Errorf("service line %s: %s: %w", l.SiteID, f.what, err)
		}
	}
	l.Domains, l.RedirectURIs, l.Devices = nonNil(l.Domains), nonNil(l.RedirectURIs), nonNil(l.Devices)
	l.AccessTTL, l.RefreshTTL = time.Duration(access)*time.Millisecond, time.Duration(refresh)*time.Millisecond
	l.CreatedAt, l.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &l, nil
}

// IdentityColumns are the columns IdentityArgs writes and ScanIdentity
// reads, in order.
const IdentityColumns = `id, email, name, password_hash, user_id, created_at`

// IdentityArgs returns id's values in IdentityColumns order.
func IdentityArgs(id *tandem.Identity) []any {
	return []any{id.ID, id.Email, id.Name, id.PasswordHash, id.UserID, Millis(id.CreatedAt)}
}

// ScanIdentity scans one row of IdentityColumns.
func ScanIdentity(s Scanner) (*tandem.Identity, error) {
	var id tandem.Identity
	var created sql.NullInt64
	if err := s.Scan(&id.ID, &id.Email, &id.Name, &id.PasswordHash, &id.UserID, &created); err != nil {
		return nil, err
	}
	id.CreatedAt = fromMillis(created)
	return &id, nil
}

// AuthCodeColumns are the columns AuthCodeArgs writes and ScanAuthCode
// reads, in order.
const AuthCodeColumns = `hash, site_id, identity_id, redirect_uri, code_challenge, nonce, scope, device_id, device_kind,
	session_hash, created_at, expires_at`

// AuthCodeArgs returns c's values in AuthCodeColumns order.
func AuthCodeArgs(c *tandem.AuthCode) []any {
	return []any{c.Hash, c.SiteID, c.IdentityID, c.RedirectURI, c.CodeChallenge, c.Nonce, c.Scope, c.DeviceID, string(c.DeviceKind),
		c.SessionHash, Millis(c.CreatedAt), Millis(c.ExpiresAt)}
}

// ScanAuthCode scans one row of AuthCodeColumns.
func ScanAuthCode(s Scanner) (*tandem.AuthCode, error) {
	var c tandem.AuthCode
	var kind string
	var created, expires sql.NullInt64
	if err := s.Scan(&c.Hash, &c.SiteID, &c.IdentityID, &c.RedirectURI, &c.CodeChallenge, &c.Nonce, &c.Scope, &c.DeviceID, &kind,
		&c.SessionHash, &created, &expires); err != nil {
		return nil, err
	}
	c.DeviceKind = tandem.DeviceKind(kind)
	c.CreatedAt, c.ExpiresAt = fromMillis(created), fromMillis(expires)
	return &c, nil
}

// GrantColumns are the columns GrantArgs writes and ScanGrant reads, in
// order.
const GrantColumns = `id, identity_id, site_id, device_id, device_kind, scope, generation, rotated_at, access_hash,
	refresh_hash, prev_refresh_hash, access_expires_at, expires_at, created_at, ended_at, end_reason, refresh_ahead`

// GrantArgs returns g's values in GrantColumns order.
func GrantArgs(g *tandem.Grant) []any {
	return []any{g.ID, g.IdentityID, g.SiteID, g.DeviceID, string(g.DeviceKind), g.Scope, g.Generation, Millis(g.RotatedAt),
		g.AccessHash, g.RefreshHash, g.PrevRefreshHash, Millis(g.AccessExpiresAt), Millis(g.ExpiresAt), Millis(g.CreatedAt),
		Millis(g.EndedAt), string(g.EndReason), g.RefreshAhead}
}

// ScanGrant scans one row of GrantColumns.
func ScanGrant(s Scanner) (*tandem.Grant, error) {
	var g tandem.Grant
	var kind, reason string
	var rotated, accessExp, exp, created, ended sql.NullInt64
	if err := s.Scan(&g.ID, &g.IdentityID, &g.SiteID, &g.DeviceID, &kind, &g.Scope, &g.Generation, &rotated, &g.AccessHash,
		&g.RefreshHash, &g.PrevRefreshHash, &accessExp, &exp, &created, &ended, &reason, &g.RefreshAhead); err != nil {
		return nil, err
	}
	g.DeviceKind, g.EndReason = tandem.DeviceKind(kind), tandem.GrantEndReason(reason)
	g.RotatedAt, g.AccessExpiresAt, g.ExpiresAt = fromMillis(rotated), fromMillis(accessExp), fromMillis(exp)
	g.CreatedAt, g.EndedAt = fromMillis(created), fromMillis(ended)
	return &g, nil
}

// PassportSessionColumns are the columns of passport_sessions, in
// order.
const PassportSessionColumns = `token_hash, identity_id, created_at, expires_at`

// PassportSessionArgs returns s's values in PassportSessionColumns order.
func PassportSessionArgs(s *PassportSession) []any {
	return []any{s.TokenHash, s.IdentityID, Millis(s.CreatedAt), Millis(s.ExpiresAt)}
}

// ScanPassportSession scans one row of PassportSessionColumns.
func ScanPassportSession(s Scanner) (*PassportSession, error) {
	var ps PassportSession
	var created, expires sql.NullInt64
	if err := s.Scan(&ps.TokenHash, &ps.IdentityID, &created, &expires); err != nil {
		return nil, err
	}
	ps.CreatedAt, ps.ExpiresAt = fromMillis(created), fromMillis(expires)
	return &ps, nil
}

// SigningKeyColumns are the columns of signing_keys, in order.
const SigningKeyColumns = `id, algorithm, private_der, created_at, signs_from, retires_at`

// SigningKeyArgs returns k's values in SigningKeyColumns order.
func SigningKeyArgs(k *tandem.SigningKey) []any {
	return []any{k.ID, k.Algorithm, k.PrivateDER, Millis(k.CreatedAt), Millis(k.SignsFrom), Millis(k.RetiresAt)}
}

// ScanSigningKey scans one row of SigningKeyColumns.
func ScanSigningKey(s Scanner) (*tandem.SigningKey, error) {
	var k tandem.SigningKey
	var created, from, retires sql.NullInt64
	if err := s.Scan(&k.ID, &k.Algorithm, &k.PrivateDER, &created, &from, &retires); err != nil {
		return nil, err
	}
	k.CreatedAt, k.SignsFrom, k.RetiresAt = fromMillis(created), fromMillis(from), fromMillis(retires)
	return &k, nil
}
