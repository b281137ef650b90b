package store

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
)

// Limits of what the passport's rows may hold.
const (
	MaxServiceLineURIs = 50   // domains, and redirect URIs, of one site
	MaxGrantLimit      = 200  // grants in one ListGrants
	MaxScope           = 1000 // bytes of a space-separated scope
	MaxNonce           = 512
	MaxHash            = 128  // bytes of a stored hash (SHA-256 hex is 64)
	MaxDeviceID        = 200  // bytes
	MaxPasswordHash    = 1000 // bytes of a PHC string
	MaxSigningKeyDER   = 16 << 10
)

// sha256HexRE is a SHA-256 in lowercase hex, how client secrets are kept.
var sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckDeviceKind returns tandem.EInvalid unless k is a known kind of
// device, or empty when empty is allowed.
func CheckDeviceKind(k tandem.DeviceKind, emptyOK bool) error {
	switch k {
	case tandem.DeviceBrowser, tandem.DeviceIOS, tandem.DeviceAndroid, tandem.DeviceDesktop:
		return nil
	case "":
		if emptyOK {
			return nil
		}
	}
	return tandem.Errorf(tandem.EInvalid, "%q is not a kind of device (browser, ios, android or desktop)", k)
}

// CheckGrantEndReason returns tandem.EInvalid unless r is a reason a
// grant ends for.
func CheckGrantEndReason(r tandem.GrantEndReason) error {
	switch r {
	case tandem.GrantSignedInElsewhere, tandem.GrantRevoked, tandem.GrantReused, tandem.GrantLoggedOut, tandem.GrantExpired:
		return nil
	}
	return tandem.Errorf(tandem.EInvalid, "%q is not a reason a grant ends (signed_in_elsewhere, revoked, reused, logged_out or expired)", r)
}

// checkMillis returns tandem.EInvalid unless d is a positive whole number
// of milliseconds, the precision every backend stores durations in.
func checkMillis(d time.Duration, what string) error {
	if d <= 0 || d%time.Millisecond != 0 {
		return tandem.Errorf(tandem.EInvalid, "%s %v is not a positive number of milliseconds", what, d)
	}
	return nil
}

// checkHash returns tandem.EInvalid unless h is a non-empty hash of at
// most MaxHash printable ASCII characters.
func checkHash(h, what string) error {
	if h == "" || len(h) > MaxHash || strings.IndexFunc(h, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return tandem.Errorf(tandem.EInvalid, "%s is not a hash (1 to %d printable characters)", what, MaxHash)
	}
	return nil
}

// checkPrintable returns tandem.EInvalid unless s is valid UTF-8 of at
// most max bytes without control characters.
func checkPrintable(s string, max int, what string) error {
	if err := checkText(s, max, what); err != nil {
		return err
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return tandem.Errorf(tandem.EInvalid, "%s has control characters", what)
	}
	return nil
}

// CheckRedirectURI returns tandem.EInvalid unless u is an absolute URI the
// passport may send a code to: http or https with a host and no user info,
// or a native app's private-use scheme (RFC 8252, "com.example.app:/cb");
// never a fragment (RFC 6749, 3.1.2). Redirect URIs are compared exactly,
// so u is not normalized.
func CheckRedirectURI(u string) error {
	bad := func(why string) error {
		return tandem.Errorf(tandem.EInvalid, "redirect URI %q: %s; want e.g. https://shop.example.com/callback", u, why)
	}
	if len(u) > MaxURL {
		return bad("too long")
	}
	if err := checkPrintable(u, MaxURL, "a redirect URI"); err != nil || strings.ContainsAny(u, " \\") {
		return bad("has spaces or control characters")
	}
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return bad("cannot be parsed")
	case p.Scheme == "":
		return bad("not absolute")
	case p.Fragment != "" || strings.Contains(u, "#"):
		return bad("a fragment is not allowed")
	case p.User != nil:
		return bad("user info is not allowed")
	case p.Scheme == "http" || p.Scheme == "https":
		if p.Host == "" || p.Hostname() == "" {
			return bad("no host")
		}
	case p.Scheme == "javascript" || p.Scheme == "data" || p.Scheme == "file" || p.Scheme == "vbscript":
		return bad("scheme " + p.Scheme + " is not allowed")
	}
	return nil
}

// CheckServiceLine validates l and normalizes it in place: a site id,
// domains normalized as origins (repeats dropped; "*" refused: the
// passport names the sites it serves), redirect URIs exact and unique,
// known devices, positive whole-millisecond lifetimes, and a client
// secret hash that is empty (a public client) or SHA-256 hex.
func CheckServiceLine(l *tandem.ServiceLine) error {
	if err := checkID(l.SiteID, "site"); err != nil {
		return err
	}
	if len(l.Domains) > MaxServiceLineURIs || len(l.RedirectURIs) > MaxServiceLineURIs {
		return tandem.Errorf(tandem.EInvalid, "a site has at most %d domains and %d redirect URIs", MaxServiceLineURIs, MaxServiceLineURIs)
	}
	domains := make([]string, 0, len(l.Domains))
	for _, d := range l.Domains {
		n, err := NormalizeOrigin(d)
		if err != nil {
			return err
		}
		if n == "*" {
			return tandem.Errorf(tandem.EInvalid, "a site's domains are named one by one; \"*\" is not allowed")
		}
		if !slices.Contains(domains, n) {
			domains = append(domains, n)
		}
	}
	uris := make([]string, 0, len(l.RedirectURIs))
	for _, u := range l.RedirectURIs {
		if err := CheckRedirectURI(u); err != nil {
			return err
		}
		if !slices.Contains(uris, u) {
			uris = append(uris, u)
		}
	}
	devices := make([]tandem.DeviceKind, 0, len(l.Devices))
	for _, d := range l.Devices {
		if err := CheckDeviceKind(d, false); err != nil {
			return err
		}
		if !slices.Contains(devices, d) {
			devices = append(devices, d)
		}
	}
	if err := checkMillis(l.AccessTTL, "access token lifetime"); err != nil {
		return err
	}
	if err := checkMillis(l.RefreshTTL, "refresh token lifetime"); err != nil {
		return err
	}
	if l.ClientSecretHash != "" && !sha256HexRE.MatchString(l.ClientSecretHash) {
		return tandem.Errorf(tandem.EInvalid, "the client secret hash is not a SHA-256 in lowercase hex")
	}
	if l.VouchKey != "" {
		if _, err := ParseVouchKey(l.VouchKey); err != nil {
			return err
		}
	}
	l.Domains, l.RedirectURIs, l.Devices = domains, uris, devices
	return nil
}

// CheckIdentity validates id and normalizes it in place: the email is
// normalized, the name trimmed, and a linked console user is named by an
// id.
func CheckIdentity(id *tandem.Identity) error {
	if id.ID != "" {
		if err := checkID(id.ID, "identity"); err != nil {
			return err
		}
	}
	email, err := NormalizeEmail(id.Email)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(id.Name)
	if err := checkPrintable(name, MaxConversationName, "a name"); err != nil {
		return err
	}
	if err := checkPrintable(id.PasswordHash, MaxPasswordHash, "the password hash"); err != nil {
		return err
	}
	if id.UserID != "" {
		if err := checkID(id.UserID, "user"); err != nil {
			return err
		}
	}
	id.Email, id.Name = email, name
	return nil
}

// checkDevice validates a device id and kind: printable, the kind known
// or empty.
func checkDevice(deviceID string, kind tandem.DeviceKind) error {
	if err := checkPrintable(deviceID, MaxDeviceID, "the device id"); err != nil {
		return err
	}
	return CheckDeviceKind(kind, true)
}

// CheckAuthCode validates c: a hash, the site and identity, an exact
// redirect URI, a PKCE challenge, and an expiry after its creation.
func CheckAuthCode(c *tandem.AuthCode) error {
	if err := checkID(c.SiteID, "site"); err != nil {
		return err
	}
	if err := checkCode(c); err != nil {
		return err
	}
	if err := checkPrintable(c.Scope, MaxScope, "the scope"); err != nil {
		return err
	}
	if err := checkDevice(c.DeviceID, c.DeviceKind); err != nil {
		return err
	}
	if c.SessionHash != "" {
		if err := checkHash(c.SessionHash, "the code's passport session"); err != nil {
			return err
		}
	}
	return checkExpiry(c.CreatedAt, c.ExpiresAt, "a code")
}

// checkExpiry returns tandem.EInvalid unless expires is set and, when
// created is, after it.
func checkExpiry(created, expires time.Time, what string) error {
	if expires.IsZero() || (!created.IsZero() && !expires.After(created)) {
		return tandem.Errorf(tandem.EInvalid, "%s needs an expiry after its creation", what)
	}
	return nil
}

// CheckGrant validates a new grant g: identity, site, device, the hashes
// of its first tokens, expiries, and that it is live (not ended).
func CheckGrant(g *tandem.Grant) error {
	if g.ID != "" {
		if err := checkID(g.ID, "grant"); err != nil {
			return err
		}
	}
	if err := checkID(g.IdentityID, "identity"); err != nil {
		return err
	}
	if err := checkID(g.SiteID, "site"); err != nil {
		return err
	}
	if err := checkDevice(g.DeviceID, g.DeviceKind); err != nil {
		return err
	}
	if err := checkPrintable(g.Scope, MaxScope, "the scope"); err != nil {
		return err
	}
	if g.Generation < 0 {
		return tandem.Errorf(tandem.EInvalid, "generation %d is negative", g.Generation)
	}
	if err := checkHash(g.AccessHash, "the access token's hash"); err != nil {
		return err
	}
	if err := checkHash(g.RefreshHash, "the refresh token's hash"); err != nil {
		return err
	}
	if g.PrevRefreshHash != "" {
		if err := checkHash(g.PrevRefreshHash, "the previous refresh token's hash"); err != nil {
			return err
		}
	}
	if g.AccessExpiresAt.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "a grant needs its access token's expiry")
	}
	if err := checkExpiry(g.CreatedAt, g.ExpiresAt, "a grant"); err != nil {
		return err
	}
	if !g.EndedAt.IsZero() || g.EndReason != "" {
		return tandem.Errorf(tandem.EInvalid, "a new grant cannot have ended")
	}
	return nil
}

// CheckRotateGrant validates r: a grant, its generation, the hashes of the
// next tokens, their expiries and when.
func CheckRotateGrant(r *RotateGrant) error {
	if err := checkID(r.GrantID, "grant"); err != nil {
		return err
	}
	if r.FromGeneration < 0 {
		return tandem.Errorf(tandem.EInvalid, "generation %d is negative", r.FromGeneration)
	}
	if err := checkHash(r.AccessHash, "the access token's hash"); err != nil {
		return err
	}
	if err := checkHash(r.RefreshHash, "the refresh token's hash"); err != nil {
		return err
	}
	if r.At.IsZero() || r.AccessExpiresAt.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "a rotation needs its time and the access token's expiry")
	}
	return checkExpiry(r.At, r.ExpiresAt, "a rotated grant")
}

// CheckGrantFilter validates f: ids of safe characters and a limit of 0
// to MaxGrantLimit.
func CheckGrantFilter(f GrantFilter) error {
	for _, c := range []struct{ id, what string }{{f.SiteID, "site"}, {f.IdentityID, "identity"}, {f.After, "cursor grant"}} {
		if c.id != "" {
			if err := checkID(c.id, c.what); err != nil {
				return err
			}
		}
	}
	if f.Limit < 0 || f.Limit > MaxGrantLimit {
		return tandem.Errorf(tandem.EInvalid, "limit %d is not 1 to %d", f.Limit, MaxGrantLimit)
	}
	return nil
}

// CheckPassportSession validates s: a token hash, an identity and an
// expiry after its creation.
func CheckPassportSession(s *PassportSession) error {
	if err := checkHash(s.TokenHash, "the session token's hash"); err != nil {
		return err
	}
	if err := checkID(s.IdentityID, "identity"); err != nil {
		return err
	}
	return checkExpiry(s.CreatedAt, s.ExpiresAt, "a passport session")
}

// CheckSigningKey validates k: a kid of safe characters, a known
// algorithm, a private key, and times in order (created, signs from,
// retires).
func CheckSigningKey(k *tandem.SigningKey) error {
	if err := checkID(k.ID, "signing key"); err != nil {
		return err
	}
	switch k.Algorithm {
	case "RS256", "ES256", "EdDSA":
	default:
		return tandem.Errorf(tandem.EInvalid, "%q is not a signing algorithm (RS256, ES256 or EdDSA)", k.Algorithm)
	}
	if len(k.PrivateDER) == 0 || len(k.PrivateDER) > MaxSigningKeyDER {
		return tandem.Errorf(tandem.EInvalid, "a signing key needs its private key (1 to %d bytes of DER)", MaxSigningKeyDER)
	}
	if k.SignsFrom.IsZero() || k.RetiresAt.IsZero() || !k.RetiresAt.After(k.SignsFrom) ||
		(!k.CreatedAt.IsZero() && k.SignsFrom.Before(k.CreatedAt)) {
		return tandem.Errorf(tandem.EInvalid, "a signing key signs from its creation or later, and retires after it starts signing")
	}
	return nil
}

// RotateRefused says why a rotation r of grant g, as read after the
// rotation changed nothing, was refused: EConflict when g has ended or
// moved on to another generation (a refresh racing won), EExpired when it
// expired before r.At.
func RotateRefused(g *tandem.Grant, r *RotateGrant) error {
	switch {
	case !g.EndedAt.IsZero():
		return tandem.Errorf(tandem.EConflict, "grant %s has ended (%s)", g.ID, g.EndReason)
	case g.Generation != r.FromGeneration:
		return tandem.Errorf(tandem.EConflict, "grant %s is at generation %d, not %d", g.ID, g.Generation, r.FromGeneration)
	case !r.At.Before(g.ExpiresAt):
		return tandem.Errorf(tandem.EExpired, "grant %s expired at %s", g.ID, g.ExpiresAt.Format(time.RFC3339))
	}
	return tandem.Errorf(tandem.EConflict, "grant %s changed while it was rotated", g.ID)
}

// CheckEndGrant validates the reason and time of EndGrant.
func CheckEndGrant(reason tandem.GrantEndReason, at time.Time) error {
	if at.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "give the time the grant ends")
	}
	return CheckGrantEndReason(reason)
}

// CheckNow returns tandem.EInvalid when now, the time a lookup checks
// expiry against, is zero: the zero time is before every expiry, and
// would let anything expired through.
func CheckNow(now time.Time, what string) error {
	if now.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "%s needs the current time to check expiry against", what)
	}
	return nil
}

// checkCode validates what every authorization code has, a site's or the
// console's: its hash, identity, exact redirect URI, PKCE challenge and
// nonce.
func checkCode(c *tandem.AuthCode) error {
	if err := checkHash(c.Hash, "the code's hash"); err != nil {
		return err
	}
	if err := checkID(c.IdentityID, "identity"); err != nil {
		return err
	}
	if err := CheckRedirectURI(c.RedirectURI); err != nil {
		return err
	}
	if err := checkHash(c.CodeChallenge, "the PKCE code challenge"); err != nil {
		return err
	}
	return checkPrintable(c.Nonce, MaxNonce, "the nonce")
}
