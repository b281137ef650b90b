package passport

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/store"
)

// AuthRequest is an authorization request (OpenID Connect Core §3.1.2.1).
type AuthRequest struct {
	ClientID            string
	RedirectURI         string
	ResponseType        string
	Scope               string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              string
}

// AuthRequestFrom reads an authorization request's parameters.
func AuthRequestFrom(v url.Values) *AuthRequest {
	return &AuthRequest{
		ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), ResponseType: v.Get("response_type"),
		Scope: v.Get("scope"), State: v.Get("state"), Nonce: v.Get("nonce"),
		CodeChallenge: v.Get("code_challenge"), CodeChallengeMethod: v.Get("code_challenge_method"), Prompt: v.Get("prompt"),
	}
}

// Values is the request as parameters (to carry it through the sign-in form).
func (r *AuthRequest) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("client_id", r.ClientID)
	set("redirect_uri", r.RedirectURI)
	set("response_type", r.ResponseType)
	set("scope", r.Scope)
	set("state", r.State)
	set("nonce", r.Nonce)
	set("code_challenge", r.CodeChallenge)
	set("code_challenge_method", r.CodeChallengeMethod)
	set("prompt", r.Prompt)
	return v
}

// knownScopes are the scopes the passport grants; others are ignored
// (OpenID Connect Core §3.1.2.1 lets a provider do so).
var knownScopes = []string{"openid", "email", "profile", "offline_access"}

func grantedScope(requested string) string {
	var out []string
	for _, sc := range strings.Fields(requested) {
		if slices.Contains(knownScopes, sc) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return strings.Join(out, " ")
}

// CheckAuthRequest validates an authorization request and returns its
// client. Errors about the client or the redirect URI must be shown on the
// passport (Redirect false); the others may go back to the redirect URI.
func (s *Service) CheckAuthRequest(ctx context.Context, r *AuthRequest) (*Client, error) {
	c, err := s.LookupClient(ctx, r.ClientID)
	if err != nil {
		return nil, err
	}
	if r.RedirectURI == "" || !MatchRedirect(c.Line.RedirectURIs, r.RedirectURI) {
		return nil, oauthErr("invalid_request", "the redirect_uri is not registered for this client")
	}
	bad := func(code, format string, args ...any) (*Client, error) {
		e := oauthErr(code, format, args...)
		e.Redirect = true
		return c, e
	}
	if r.ResponseType != "code" {
		return bad("unsupported_response_type", "only response_type=code is supported")
	}
	if err := checkChallenge(r.CodeChallenge, r.CodeChallengeMethod); err != nil {
		return bad("invalid_request", "%s", err.Error())
	}
	if len(r.State) > 2048 || len(r.Nonce) > 512 || len(r.Scope) > 1024 {
		return bad("invalid_request", "state, nonce or scope is too long")
	}
	if slices.Contains(strings.Fields(r.Prompt), "none") && len(strings.Fields(r.Prompt)) > 1 {
		return bad("invalid_request", "prompt=none cannot be combined with other values")
	}
	return c, nil
}

// IssueCode makes the one-time code that sends the person back to the
// client signed in as identityID on deviceID.
func (s *Service) IssueCode(ctx context.Context, c *Client, r *AuthRequest, identityID, deviceID string) (string, error) {
	code := randomToken(CodePrefix)
	now := s.cfg.Now()
	err := s.st.CreateAuthCode(ctx, &tandem.AuthCode{
		Hash: auth.HashToken(code), SiteID: c.Site.ID, IdentityID: identityID, RedirectURI: r.RedirectURI,
		CodeChallenge: r.CodeChallenge, Nonce: r.Nonce, Scope: grantedScope(r.Scope),
		DeviceID: deviceID, DeviceKind: tandem.DeviceBrowser, CreatedAt: now, ExpiresAt: now.Add(s.cfg.CodeTTL),
	})
	if err != nil {
		return "", fmt.Errorf("store the authorization code: %w", err)
	}
	return code, nil
}

// Tokens is a token response (RFC 6749 §5.1 with OpenID Connect's id_token).
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

func ttls(l *tandem.ServiceLine) (access, refresh time.Duration) {
	access, refresh = l.AccessTTL, l.RefreshTTL
	if access <= 0 {
		access = DefaultAccessTTL
	}
	if refresh <= 0 {
		refresh = DefaultRefreshTTL
	}
	return access, refresh
}

// Exchange trades an authorization code for tokens (the code works once).
func (s *Service) Exchange(ctx context.Context, c *Client, code, redirectURI, verifier string) (*Tokens, error) {
	if CheckToken(CodePrefix, code) != nil {
		return nil, oauthErr("invalid_grant", "the code is malformed")
	}
	now := s.cfg.Now()
	ac, err := s.st.TakeAuthCode(ctx, auth.HashToken(code), now)
	switch tandem.ErrorCode(err) {
	case "":
	case tandem.ENotFound:
		return nil, oauthErr("invalid_grant", "the code is unknown or was used")
	case tandem.EExpired:
		return nil, oauthErr("invalid_grant", "the code expired")
	default:
		return nil, fmt.Errorf("take the authorization code: %w", err)
	}
	// The code is gone now, whatever follows: a wrong guess at the
	// verifier does not leave it for another try.
	if ac.SiteID != c.Site.ID {
		return nil, oauthErr("invalid_grant", "the code was issued to another client")
	}
	if ac.RedirectURI != redirectURI {
		return nil, oauthErr("invalid_grant", "the redirect_uri differs from the authorization request's")
	}
	if err := CheckVerifier(verifier, ac.CodeChallenge); err != nil {
		return nil, oauthErr("invalid_grant", "%s", err.Error())
	}
	id, err := s.st.IdentityByID(ctx, ac.IdentityID)
	if err != nil {
		return nil, fmt.Errorf("look up identity: %w", err)
	}
	accessTTL, refreshTTL := ttls(c.Line)
	g := &tandem.Grant{
		ID: newID(), IdentityID: ac.IdentityID, SiteID: c.Site.ID, DeviceID: ac.DeviceID, DeviceKind: ac.DeviceKind,
		Scope: ac.Scope, Generation: 1, RotatedAt: now, AccessExpiresAt: now.Add(accessTTL), ExpiresAt: now.Add(refreshTTL),
		CreatedAt: now,
	}
	access, refresh := grantTokens(s.key, g.ID, g.Generation)
	g.AccessHash, g.RefreshHash = auth.HashToken(access), auth.HashToken(refresh)
	var end tandem.GrantEndReason
	if c.Line.OneDevice {
		end = tandem.GrantSignedInElsewhere
	}
	ended, err := s.st.CreateGrant(ctx, g, end)
	if err != nil {
		return nil, fmt.Errorf("create grant: %w", err)
	}
	s.audit(ctx, g.ID, identityActor(g.IdentityID), "passport.signin", "site "+c.Site.ID+" device "+g.DeviceID)
	for _, e := range ended {
		s.changed(ctx, bus.GrantChange{GrantID: e, Type: "ended", Reason: string(tandem.GrantSignedInElsewhere)})
		s.audit(ctx, e, "system", "passport.kick", "signed in elsewhere: grant "+g.ID)
	}
	t := &Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(accessTTL.Seconds()), RefreshToken: refresh, Scope: g.Scope}
	if slices.Contains(strings.Fields(g.Scope), "openid") {
		if t.IDToken, err = s.idToken(ctx, c, id, g, ac.Nonce, now); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Refresh trades a refresh token for the grant's next generation. A
// refresh token just rotated (within Grace) gets the current tokens again:
// of two tabs refreshing at once, both end with the same tokens. Replayed
// later, it ends the grant (reuse: a stolen token and its thief's tokens
// all die).
func (s *Service) Refresh(ctx context.Context, c *Client, refreshToken string) (*Tokens, error) {
	if CheckToken(RefreshPrefix, refreshToken) != nil {
		return nil, oauthErr("invalid_grant", "the refresh token is malformed")
	}
	h := auth.HashToken(refreshToken)
	g, previous, err := s.st.GrantByRefreshHash(ctx, h)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, oauthErr("invalid_grant", "the refresh token is unknown")
	}
	if err != nil {
		return nil, fmt.Errorf("look up refresh token: %w", err)
	}
	if g.SiteID != c.Site.ID {
		return nil, oauthErr("invalid_grant", "the refresh token was issued to another client")
	}
	now := s.cfg.Now()
	for attempt := 0; ; attempt++ {
		if !g.EndedAt.IsZero() {
			return nil, oauthErr("invalid_grant", "the sign-in ended: %s", g.EndReason)
		}
		if !now.Before(g.ExpiresAt) {
			return nil, oauthErr("invalid_grant", "the refresh token expired")
		}
		if previous {
			if now.Sub(g.RotatedAt) <= s.cfg.Grace {
				return s.currentTokens(ctx, c, g, now)
			}
			if err := s.st.EndGrant(ctx, g.ID, tandem.GrantReused, now); err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
				return nil, fmt.Errorf("end reused grant: %w", err)
			}
			s.changed(ctx, bus.GrantChange{GrantID: g.ID, Type: "ended", Reason: string(tandem.GrantReused)})
			s.audit(ctx, g.ID, "system", "passport.reuse", "a rotated refresh token was replayed; the sign-in ended")
			return nil, oauthErr("invalid_grant", "the refresh token was already used")
		}
		if attempt > 0 {
			// Our token is current again only if the winner's rotation
			// failed; take no chances.
			return nil, oauthErr("invalid_grant", "the refresh token changed while refreshing")
		}
		accessTTL, refreshTTL := ttls(c.Line)
		next := g.Generation + 1
		access, refresh := grantTokens(s.key, g.ID, next)
		err := s.st.RotateGrant(ctx, &store.RotateGrant{
			GrantID: g.ID, FromGeneration: g.Generation, AccessHash: auth.HashToken(access), RefreshHash: auth.HashToken(refresh),
			AccessExpiresAt: now.Add(accessTTL), ExpiresAt: now.Add(refreshTTL), At: now,
		})
		if tandem.ErrorCode(err) == tandem.EConflict {
			// Another refresh won: read the grant again; ours is now its
			// previous token, and the grace path answers.
			if g, err = s.st.GrantByID(ctx, g.ID); err != nil {
				return nil, fmt.Errorf("read grant after a lost race: %w", err)
			}
			previous = g.PrevRefreshHash == h
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("rotate grant: %w", err)
		}
		s.changed(ctx, bus.GrantChange{GrantID: g.ID, Type: "rotated"})
		g.Generation, g.RotatedAt, g.AccessExpiresAt, g.ExpiresAt = next, now, now.Add(accessTTL), now.Add(refreshTTL)
		s.audit(ctx, g.ID, identityActor(g.IdentityID), "passport.refresh", fmt.Sprintf("generation %d", next))
		return s.tokensOf(ctx, c, g, access, refresh, now)
	}
}

// currentTokens answers with the grant's current generation again.
func (s *Service) currentTokens(ctx context.Context, c *Client, g *tandem.Grant, now time.Time) (*Tokens, error) {
	access, refresh := grantTokens(s.key, g.ID, g.Generation)
	return s.tokensOf(ctx, c, g, access, refresh, now)
}

func (s *Service) tokensOf(ctx context.Context, c *Client, g *tandem.Grant, access, refresh string, now time.Time) (*Tokens, error) {
	t := &Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(g.AccessExpiresAt.Sub(now).Seconds()), RefreshToken: refresh, Scope: g.Scope}
	if slices.Contains(strings.Fields(g.Scope), "openid") {
		id, err := s.st.IdentityByID(ctx, g.IdentityID)
		if err != nil {
			return nil, fmt.Errorf("look up identity: %w", err)
		}
		// The ID token of a refresh: same sub, new iat (OpenID Connect
		// Core §12.2); the nonce was for the first one only.
		if t.IDToken, err = s.idToken(ctx, c, id, g, "", now); err != nil {
			return nil, err
		}
	}
	return t, nil
}
