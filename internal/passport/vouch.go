package passport

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/store"
)

// A site whose back end has already authenticated a person may vouch for
// them (RFC 7523, JWT bearer assertion): it signs a short-lived JWT with
// the private half of the vouch key registered for it (ES256 or RS256)
// and posts it to the token endpoint with its client authentication. The
// passport finds the person's identity by email, or makes one without a
// password, and signs them in on the site as a code exchange would. Only
// sites an operator gave a vouch key can vouch: such a site can sign in
// anyone with an email, on that site.
const (
	// VouchGrant is the token endpoint's grant type for vouching.
	VouchGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	// MaxAssertion is the longest assertion accepted.
	MaxAssertion = 8 << 10
	// MaxAssertionLife is how far ahead an assertion's exp may be.
	MaxAssertionLife = 5 * time.Minute
	// assertionSkew is how far a site's clock may run ahead of ours.
	assertionSkew = time.Minute
)

// vouchClaims are the claims of an assertion beyond the registered ones.
type vouchClaims struct {
	Email      string `json:"email"`
	Name       string `json:"name"`
	DeviceID   string `json:"device_id"`
	DeviceKind string `json:"device_kind"`
}

// Vouch signs in the person an assertion of client c names (grant type
// VouchGrant), with the scope asked for ("openid email" when empty).
// Refused: a public client or one without a vouch key (unauthorized_client);
// an assertion unsigned, of another algorithm than the key's, badly
// signed, of another issuer or audience, expired, too long-lived, without
// iat or jti, replayed, or without a good email (invalid_grant).
func (s *Service) Vouch(ctx context.Context, c *Client, assertion, scope string) (*Tokens, error) {
	if !c.Confidential() {
		return nil, oauthErr("unauthorized_client", "only confidential clients (site back ends) can vouch")
	}
	if c.Line.VouchKey == "" {
		return nil, oauthErr("unauthorized_client", "the site has no vouch key: it cannot vouch for people")
	}
	if assertion == "" {
		return nil, oauthErr("invalid_request", "assertion is missing")
	}
	if len(assertion) > MaxAssertion {
		return nil, oauthErr("invalid_grant", "the assertion is longer than %d bytes", MaxAssertion)
	}
	key, err := store.ParseVouchKey(c.Line.VouchKey)
	if err != nil {
		return nil, fmt.Errorf("the site's vouch key: %w", err)
	}
	var alg jose.SignatureAlgorithm
	switch key.(type) {
	case *ecdsa.PublicKey:
		alg = jose.ES256
	case *rsa.PublicKey:
		alg = jose.RS256
	}
	// Only the key's own algorithm: no "none", no HMAC keyed with the
	// public key.
	tok, err := jwt.ParseSigned(assertion, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return nil, oauthErr("invalid_grant", "the assertion is not a JWT signed with %s: %v", alg, err)
	}
	var std jwt.Claims
	var more vouchClaims
	if err := tok.Claims(key, &std, &more); err != nil {
		return nil, oauthErr("invalid_grant", "the assertion's signature does not verify with the site's vouch key")
	}
	now := s.cfg.Now()
	if err := s.checkAssertion(c, &std, now); err != nil {
		return nil, err
	}
	email := more.Email
	if email == "" {
		email = std.Subject
	}
	email, err = store.NormalizeEmail(email)
	if err != nil {
		return nil, oauthErr("invalid_grant", "the assertion names no good email (sub, or the email claim): %s", tandem.ErrorMessage(err))
	}
	kind := tandem.DeviceKind(cmp.Or(more.DeviceKind, string(tandem.DeviceBrowser)))
	if store.CheckDeviceKind(kind, false) != nil {
		return nil, oauthErr("invalid_grant", "device_kind must be browser, ios, android or desktop")
	}
	if !serves(c.Line, kind) {
		return nil, oauthErr("invalid_grant", "this site does not serve %s devices", kind)
	}
	device := more.DeviceID
	if device == "" {
		device = "vouched-" + newID()
	}
	if len(device) > store.MaxDeviceID || strings.ContainsFunc(device, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, oauthErr("invalid_grant", "device_id is longer than %d bytes or has control characters", store.MaxDeviceID)
	}
	// The assertion works once: its id is kept until it expires.
	err = s.st.UseVouchJTI(ctx, c.Site.ID, auth.HashToken(c.Site.ID+"\x00"+std.ID), std.Expiry.Time(), now)
	if tandem.ErrorCode(err) == tandem.EConflict {
		return nil, oauthErr("invalid_grant", "the assertion was already used (jti replayed)")
	}
	if err != nil {
		return nil, fmt.Errorf("record the assertion id: %w", err)
	}
	id, created, err := s.identityFor(ctx, email, more.Name, now)
	if err != nil {
		return nil, err
	}
	sessionHash, err := s.vouchedSession(ctx, id.ID, now)
	if err != nil {
		return nil, err
	}
	scope = cmp.Or(scope, "openid email")
	t, g, err := s.startGrant(ctx, c, id, signIn{
		DeviceID: device, DeviceKind: kind, Scope: grantedScope(scope), SessionHash: sessionHash, Action: "passport.signin",
	}, now)
	if err != nil {
		return nil, err
	}
	detail := "site " + c.Site.ID + " vouched for " + email
	if created {
		detail += " (a new identity)"
	}
	s.audit(ctx, g.ID, "site:"+c.Site.ID, "passport.vouch", detail)
	return t, nil
}

// checkAssertion checks an assertion's registered claims (RFC 7523 §3).
func (s *Service) checkAssertion(c *Client, std *jwt.Claims, now time.Time) error {
	bad := func(format string, args ...any) error { return oauthErr("invalid_grant", format, args...) }
	switch {
	case std.Issuer != c.ID():
		return bad("the assertion's iss must be the client id")
	case std.Subject == "":
		return bad("the assertion has no sub")
	case !slices.ContainsFunc(std.Audience, func(a string) bool {
		return a == s.cfg.Issuer || a == s.cfg.Issuer+"/passport/token"
	}):
		return bad("the assertion's aud must be the issuer or the token endpoint")
	case std.Expiry == nil:
		return bad("the assertion has no exp")
	case !now.Before(std.Expiry.Time()):
		return bad("the assertion expired")
	case std.Expiry.Time().After(now.Add(MaxAssertionLife + assertionSkew)):
		return bad("the assertion's exp is more than %s ahead", MaxAssertionLife)
	case std.IssuedAt == nil:
		return bad("the assertion has no iat")
	case std.IssuedAt.Time().After(now.Add(assertionSkew)):
		return bad("the assertion's iat is in the future")
	case std.NotBefore != nil && std.NotBefore.Time().After(now.Add(assertionSkew)):
		return bad("the assertion is not valid yet (nbf)")
	case std.ID == "" || len(std.ID) > 200:
		return bad("the assertion needs a jti of 1 to 200 characters")
	}
	return nil
}

// identityFor returns the identity with email, making one without a
// password when there is none (reports created).
func (s *Service) identityFor(ctx context.Context, email, name string, now time.Time) (*tandem.Identity, bool, error) {
	id, err := s.st.IdentityByEmail(ctx, email)
	if err == nil {
		return id, false, nil
	}
	if tandem.ErrorCode(err) != tandem.ENotFound {
		return nil, false, fmt.Errorf("look up identity: %w", err)
	}
	if len(name) > 200 {
		name = ""
	}
	id = &tandem.Identity{Email: email, Name: strings.TrimSpace(name), CreatedAt: now}
	err = s.st.CreateIdentity(ctx, id)
	if tandem.ErrorCode(err) == tandem.EConflict {
		// Another vouch for the same person made it first.
		if id, err = s.st.IdentityByEmail(ctx, email); err == nil {
			return id, false, nil
		}
	}
	if tandem.ErrorCode(err) == tandem.EInvalid {
		return nil, false, oauthErr("invalid_grant", "%s", tandem.ErrorMessage(err))
	}
	if err != nil {
		return nil, false, fmt.Errorf("create vouched identity: %w", err)
	}
	return id, true, nil
}

// vouchedSession records a passport session for a vouched sign-in, with
// no browser holding it: the sign-in's authkey refers to it, so that the
// authkey lives as long as a passport session would.
func (s *Service) vouchedSession(ctx context.Context, identityID string, now time.Time) (string, error) {
	h := auth.HashToken(randomToken(SessionPrefix))
	err := s.st.CreatePassportSession(ctx, &store.PassportSession{TokenHash: h, IdentityID: identityID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)})
	if err != nil {
		return "", fmt.Errorf("record the vouched session: %w", err)
	}
	return h, nil
}
