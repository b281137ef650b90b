package tandem

import "time"

// DeviceKind is the kind of device a site serves people on.
type DeviceKind string

// The kinds of device.
const (
	DeviceBrowser DeviceKind = "browser"
	DeviceIOS     DeviceKind = "ios"
	DeviceAndroid DeviceKind = "android"
	DeviceDesktop DeviceKind = "desktop"
)

// ServiceLine is a site's registration with the passport: it makes the
// site an OpenID Connect client whose client id is the site's key.
type ServiceLine struct {
	SiteID string
	// Domains are the origins the site's pages are served from (as in
	// Site.AllowedOrigins), and RedirectURIs the exact URIs the passport
	// may send a code to.
	Domains      []string
	RedirectURIs []string
	Devices      []DeviceKind
	// AccessTTL and RefreshTTL are how long the site's tokens live.
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// OneDevice makes a new sign-in of a person on the site end every
	// older sign-in of theirs there, on other devices ("signed in
	// elsewhere").
	OneDevice bool
	// ClientSecretHash is the SHA-256 (hex) of a confidential client's
	// secret; empty for a public client (which must use PKCE, as every
	// client must).
	ClientSecretHash string
	// VouchKey is the PEM public key (ES256 or RS256) the site's back end
	// signs assertions with to vouch for people it has authenticated
	// (RFC 7523); empty for a site that cannot vouch. A site that can
	// vouch can make identities: only an operator sets it.
	VouchKey  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Identity is a person's passport account: one per person across sites.
type Identity struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string // argon2id PHC; empty for identities only sites vouch for
	// UserID links the identity of an agent to their console account, so
	// that agents sign in to the console through the passport.
	UserID    string
	CreatedAt time.Time
}

// GrantEndReason says why a grant ended.
type GrantEndReason string

// Why grants end.
const (
	GrantSignedInElsewhere GrantEndReason = "signed_in_elsewhere" // a newer sign-in on another device (OneDevice)
	GrantRevoked           GrantEndReason = "revoked"             // by the person, the site, or a monitor
	GrantReused            GrantEndReason = "reused"              // a rotated refresh token was replayed
	GrantLoggedOut         GrantEndReason = "logged_out"
	GrantExpired           GrantEndReason = "expired"
)

// Grant is one sign-in of an identity on a site from one device: the
// family of every access and refresh token that sign-in led to. Tokens
// are derived from the grant's secret and generation (see
// internal/passport), so only hashes are ever stored.
type Grant struct {
	ID         string
	IdentityID string
	SiteID     string
	DeviceID   string
	DeviceKind DeviceKind
	Scope      string // space-separated OpenID scopes granted
	// Generation counts refreshes: the current tokens are generation
	// Generation; RotatedAt is when it was last moved on.
	Generation int64
	RotatedAt  time.Time
	// AccessHash and RefreshHash are the SHA-256 (hex) of the current
	// generation's tokens, for lookups.
	AccessHash  string
	RefreshHash string
	// PrevRefreshHash is the previous generation's refresh token: replayed
	// within the grace window it gets the current tokens again (two tabs
	// refreshing at once); later, it revokes the grant (reuse).
	PrevRefreshHash string
	AccessExpiresAt time.Time
	ExpiresAt       time.Time // when the refresh token, and so the grant, expires
	CreatedAt       time.Time
	EndedAt         time.Time
	EndReason       GrantEndReason
	// RefreshAhead, set by a monitor, asks the client to refresh before
	// its access token expires.
	RefreshAhead bool
}

// Live reports whether the grant may still be used at now.
func (g *Grant) Live(now time.Time) bool { return g.EndedAt.IsZero() && now.Before(g.ExpiresAt) }

// AuthCode is a one-time authorization code waiting to be exchanged
// (OAuth 2.0 authorization code with PKCE). Only its hash is stored.
type AuthCode struct {
	Hash          string
	SiteID        string
	IdentityID    string
	RedirectURI   string
	CodeChallenge string // S256 of the verifier
	Nonce         string
	Scope         string
	DeviceID      string
	DeviceKind    DeviceKind
	// SessionHash is the passport session the code came from: the
	// sign-in's authkey refers to it and dies with it.
	SessionHash string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// SigningKey is a key the passport signs ID tokens (and authkeys) with.
// Keys rotate: a new key is published in the JWKS before it signs, and an
// old one stays published until what it signed has expired.
type SigningKey struct {
	ID         string // the JWK "kid"
	Algorithm  string // "RS256"
	PrivateDER []byte // PKCS #8
	CreatedAt  time.Time
	SignsFrom  time.Time // published from CreatedAt, signs from SignsFrom
	RetiresAt  time.Time // signs no more after; unpublished after RetiresAt + the longest token lifetime
}
