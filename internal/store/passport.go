package store

import (
	"context"
	"time"

	"github.com/tandemhq/tandem"
)

// GrantFilter selects grants for the monitor's listing; zero fields match
// all.
type GrantFilter struct {
	SiteID     string
	IdentityID string
	LiveAt     time.Time // when set, only grants live at this time
	After      string    // continue after this grant id (newest first)
	Limit      int       // 0 for 50; at most 200
}

// PassportSession is a person signed in on the passport's origin.
type PassportSession struct {
	TokenHash  string
	IdentityID string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// RotateGrant is what RotateGrant writes: the grant's next generation.
type RotateGrant struct {
	GrantID string
	// FromGeneration must be the stored generation (compare-and-set: of
	// two refreshes racing, one wins; the other gets EConflict and reads
	// the grant again).
	FromGeneration  int64
	AccessHash      string
	RefreshHash     string
	AccessExpiresAt time.Time
	ExpiresAt       time.Time
	At              time.Time
}

// Passport is the durable state of the passport (single sign-on).
type Passport interface {
	// PutServiceLine creates or replaces a site's registration.
	PutServiceLine(ctx context.Context, l *tandem.ServiceLine) error
	ServiceLine(ctx context.Context, siteID string) (*tandem.ServiceLine, error)

	CreateIdentity(ctx context.Context, id *tandem.Identity) error // EConflict for an email in use
	IdentityByID(ctx context.Context, id string) (*tandem.Identity, error)
	IdentityByEmail(ctx context.Context, email string) (*tandem.Identity, error)
	UpdateIdentity(ctx context.Context, id *tandem.Identity) error

	// CreateAuthCode stores a code; TakeAuthCode returns and deletes it in
	// one step (a code works once), or ENotFound; an expired one is
	// deleted and EExpired. A zero now is EInvalid.
	CreateAuthCode(ctx context.Context, c *tandem.AuthCode) error
	TakeAuthCode(ctx context.Context, hash string, now time.Time) (*tandem.AuthCode, error)

	// CreateGrant stores g; when end is set, it first ends every live
	// grant of the same identity and site from another device with that
	// reason, in the same transaction, and returns their ids (one device
	// per site). Grants with g's device id (an empty one too) are left:
	// that is the same device signing in again.
	CreateGrant(ctx context.Context, g *tandem.Grant, end tandem.GrantEndReason) (ended []string, err error)
	GrantByID(ctx context.Context, id string) (*tandem.Grant, error)
	GrantByAccessHash(ctx context.Context, hash string) (*tandem.Grant, error)
	// GrantByRefreshHash finds the grant whose current or previous
	// refresh token hashes to hash; previous reports which.
	GrantByRefreshHash(ctx context.Context, hash string) (g *tandem.Grant, previous bool, err error)
	// RotateGrant moves a live grant to its next generation; the current
	// refresh hash becomes the previous one, and RefreshAhead is cleared
	// (the client has refreshed). EConflict when the grant is
	// at another generation or has ended, EExpired when it expired
	// before r.At.
	RotateGrant(ctx context.Context, r *RotateGrant) error
	// EndGrant ends a live grant (ENotFound if none; ending an ended one
	// changes nothing).
	EndGrant(ctx context.Context, id string, reason tandem.GrantEndReason, at time.Time) error
	SetRefreshAhead(ctx context.Context, id string, ahead bool) error
	// ListGrants returns the grants f selects, newest first (EInvalid for
	// a cursor grant that does not exist).
	ListGrants(ctx context.Context, f GrantFilter) ([]*tandem.Grant, error)
	// DeleteExpiredGrants deletes the grants that expired before before
	// and returns how many; codes and passport sessions expired by then
	// go too.
	DeleteExpiredGrants(ctx context.Context, before time.Time) (int, error)

	// Passport sessions are the passport's own browser sessions (a cookie
	// on its origin): what lets a person signed in for one site skip the
	// form on the next. Only the token's hash is kept.
	CreatePassportSession(ctx context.Context, s *PassportSession) error
	PassportSessionByHash(ctx context.Context, tokenHash string, now time.Time) (*PassportSession, error) // ENotFound when absent or expired; EInvalid for a zero now
	DeletePassportSession(ctx context.Context, tokenHash string) error

	CreateSigningKey(ctx context.Context, k *tandem.SigningKey) error
	SigningKeys(ctx context.Context) ([]*tandem.SigningKey, error) // oldest first
	DeleteSigningKey(ctx context.Context, id string) error
}
