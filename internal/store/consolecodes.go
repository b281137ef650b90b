package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/tandemhq/tandem"
)

// ConsoleCodes are the one-time codes of agents signing in to the console
// through the passport. The console is a client of the passport but not a
// site, so its codes are kept apart from the sites' (auth_codes belong to
// a site); they are exchanged in process by the console's back end.
type ConsoleCodes interface {
	// CreateConsoleCode stores c (its SiteID, Scope and device are not
	// kept), setting CreatedAt when empty; codes expired by then are
	// deleted. ENotFound for a missing identity.
	CreateConsoleCode(ctx context.Context, c *tandem.AuthCode) error
	// TakeConsoleCode returns and deletes a code in one step (it works
	// once), or ENotFound; an expired one is deleted and EExpired. A zero
	// now is EInvalid.
	TakeConsoleCode(ctx context.Context, hash string, now time.Time) (*tandem.AuthCode, error)
}

// ConsoleCodeColumns are the columns ConsoleCodeArgs writes and
// ScanConsoleCode reads, in order.
const ConsoleCodeColumns = `hash, identity_id, redirect_uri, code_challenge, nonce, created_at, expires_at`

// ConsoleCodeArgs returns c's values in ConsoleCodeColumns order.
func ConsoleCodeArgs(c *tandem.AuthCode) []any {
	return []any{c.Hash, c.IdentityID, c.RedirectURI, c.CodeChallenge, c.Nonce, Millis(c.CreatedAt), Millis(c.ExpiresAt)}
}

// ScanConsoleCode scans one row of ConsoleCodeColumns.
func ScanConsoleCode(s Scanner) (*tandem.AuthCode, error) {
	var c tandem.AuthCode
	var created, expires sql.NullInt64
	if err := s.Scan(&c.Hash, &c.IdentityID, &c.RedirectURI, &c.CodeChallenge, &c.Nonce, &created, &expires); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt = fromMillis(created), fromMillis(expires)
	return &c, nil
}

// CheckConsoleCode validates a console code before it is stored: a site's
// code (a SiteID set) is refused, so that neither kind passes for the
// other.
func CheckConsoleCode(c *tandem.AuthCode) error {
	if c.SiteID != "" {
		return tandem.Errorf(tandem.EInvalid, "a console code belongs to no site")
	}
	if err := checkCode(c); err != nil {
		return err
	}
	return checkExpiry(c.CreatedAt, c.ExpiresAt, "a code")
}
