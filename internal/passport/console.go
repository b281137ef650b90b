package passport

import (
	"context"
	"fmt"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
)

// The console is a client of the passport: agents sign in to it through
// the passport like people sign in to sites. It is built in, not a site:
// its client id is ConsoleClientID, its only redirect URI is the server's
// public URL + ConsoleCallbackPath (exact), and its codes are exchanged in
// process by the console's back end (ExchangeConsole), never at the token
// endpoint. It gets no grant and no tokens: a code is all it needs to
// start its own login session.
const (
	ConsoleClientID     = "tandem-console"
	ConsoleCallbackPath = "/console/passport/callback"
)

// consoleClient is the console as a client: a site row only in memory,
// with no id (so that no site's code or token is ever the console's, and
// the other way round).
func (s *Service) consoleClient() *Client {
	return &Client{
		Site: &tandem.Site{Key: ConsoleClientID, Name: "the Tandem console"},
		Line: &tandem.ServiceLine{RedirectURIs: []string{s.ConsoleRedirectURI()}, Devices: []tandem.DeviceKind{tandem.DeviceBrowser}},
	}
}

// IsConsole reports whether c is the console's built-in client.
func (c *Client) IsConsole() bool { return c.Site.ID == "" && c.Site.Key == ConsoleClientID }

// ConsoleRedirectURI is where the passport sends agents back to the
// console with a code.
func (s *Service) ConsoleRedirectURI() string { return s.cfg.Issuer + ConsoleCallbackPath }

// ConsoleStart is a console sign-in under way: the authorization request
// to send the browser to, and the secrets the console's back end keeps
// until the callback (the PKCE verifier never leaves the server's
// cookie, which pages cannot read).
type ConsoleStart struct {
	Request  *AuthRequest
	Verifier string
}

// StartConsole makes a fresh authorization request of the console: random
// state, nonce and PKCE verifier (S256).
func (s *Service) StartConsole() *ConsoleStart {
	verifier := randomToken("")
	return &ConsoleStart{
		Verifier: verifier,
		Request: &AuthRequest{
			ClientID: ConsoleClientID, RedirectURI: s.ConsoleRedirectURI(), ResponseType: "code", Scope: "openid email profile",
			State: randomToken(""), Nonce: randomToken(""), CodeChallenge: S256(verifier), CodeChallengeMethod: "S256",
		},
	}
}

// issueConsoleCode stores a console code (single use, CodeTTL).
func (s *Service) issueConsoleCode(ctx context.Context, r *AuthRequest, identityID string) (string, error) {
	code := randomToken(CodePrefix)
	now := s.cfg.Now()
	err := s.st.CreateConsoleCode(ctx, &tandem.AuthCode{
		Hash: auth.HashToken(code), IdentityID: identityID, RedirectURI: r.RedirectURI,
		CodeChallenge: r.CodeChallenge, Nonce: r.Nonce, CreatedAt: now, ExpiresAt: now.Add(s.cfg.CodeTTL),
	})
	if err != nil {
		return "", fmt.Errorf("store the console's code: %w", err)
	}
	return code, nil
}

// ExchangeConsole takes a console code with the checks of the token
// endpoint: the code works once (even when a check fails), it is the
// console's and not a site's, its redirect URI is the console's, and the
// PKCE verifier matches. It returns the identity signed in and the nonce
// of the request, which the caller compares with its own.
func (s *Service) ExchangeConsole(ctx context.Context, code, verifier string) (*tandem.Identity, string, error) {
	if CheckToken(CodePrefix, code) != nil {
		return nil, "", oauthErr("invalid_grant", "the code is malformed")
	}
	ac, err := s.st.TakeConsoleCode(ctx, auth.HashToken(code), s.cfg.Now())
	switch tandem.ErrorCode(err) {
	case "":
	case tandem.ENotFound:
		return nil, "", oauthErr("invalid_grant", "the code is unknown or was used")
	case tandem.EExpired:
		return nil, "", oauthErr("invalid_grant", "the code expired")
	default:
		return nil, "", fmt.Errorf("take the console's code: %w", err)
	}
	if ac.RedirectURI != s.ConsoleRedirectURI() {
		return nil, "", oauthErr("invalid_grant", "the code was issued for another redirect_uri")
	}
	if err := CheckVerifier(verifier, ac.CodeChallenge); err != nil {
		return nil, "", oauthErr("invalid_grant", "%s", err.Error())
	}
	id, err := s.st.IdentityByID(ctx, ac.IdentityID)
	if err != nil {
		return nil, "", fmt.Errorf("look up identity: %w", err)
	}
	return id, ac.Nonce, nil
}

// AuditConsole records an agent's sign-in to the console through the
// passport (or its refusal), in the trail of the identity
// ("identity:ID"), as no grant is made.
func (s *Service) AuditConsole(ctx context.Context, identityID, action, detail string) {
	s.audit(ctx, identityActor(identityID), identityActor(identityID), action, detail)
}

// Identity returns the identity with id.
func (s *Service) Identity(ctx context.Context, id string) (*tandem.Identity, error) {
	return s.st.IdentityByID(ctx, id)
}
