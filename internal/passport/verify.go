package passport

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/bus"
)

// Verification is what the passport says of an access token.
type Verification struct {
	Active     bool
	IdentityID string
	SiteID     string
	ClientID   string
	DeviceID   string
	GrantID    string
	Scope      string
	IssuedAt   time.Time
	ExpiresAt  time.Time
	// Reason says why an inactive token is: "malformed", "unknown",
	// "expired", or the grant's end (signed_in_elsewhere, revoked, …).
	Reason string
	// RefreshAhead asks the client to refresh before expiry (the monitor).
	RefreshAhead bool
}

// Verify checks an access token. Lookups go through a cache of at most
// VerifyTTL (1 s) so that site back ends verifying every request do not
// each reach the store; a grant ended on this node leaves the cache at once.
func (s *Service) Verify(ctx context.Context, token string) (*Verification, error) {
	if CheckToken(AccessPrefix, token) != nil {
		return &Verification{Reason: "malformed"}, nil
	}
	now := s.cfg.Now()
	h := auth.HashToken(token)
	g, ok := s.cache.get(h, now)
	if !ok {
		var err error
		g, err = s.st.GrantByAccessHash(ctx, h)
		if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
			return nil, fmt.Errorf("look up access token: %w", err)
		}
		s.cache.put(h, g, now)
	}
	if g == nil {
		return &Verification{Reason: "unknown"}, nil
	}
	v := &Verification{
		IdentityID: g.IdentityID, SiteID: g.SiteID, DeviceID: g.DeviceID, GrantID: g.ID, Scope: g.Scope,
		IssuedAt: g.RotatedAt, ExpiresAt: g.AccessExpiresAt, RefreshAhead: g.RefreshAhead,
	}
	switch {
	case !g.EndedAt.IsZero():
		v.Reason = string(g.EndReason)
	case !now.Before(g.AccessExpiresAt):
		v.Reason = "expired"
	default:
		v.Active = true
	}
	return v, nil
}

// VerifyFor is Verify for client c: a token of another site is inactive
// to it (it learns nothing of others' sign-ins).
func (s *Service) VerifyFor(ctx context.Context, c *Client, token string) (*Verification, error) {
	v, err := s.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	if v.SiteID != "" && v.SiteID != c.Site.ID {
		return &Verification{Reason: "unknown"}, nil
	}
	if v.SiteID != "" {
		v.ClientID = c.ID()
	}
	return v, nil
}

// Userinfo returns the identity of an active access token.
func (s *Service) Userinfo(ctx context.Context, token string) (*tandem.Identity, *Verification, error) {
	v, err := s.Verify(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if !v.Active {
		return nil, v, nil
	}
	id, err := s.st.IdentityByID(ctx, v.IdentityID)
	if err != nil {
		return nil, nil, fmt.Errorf("look up identity: %w", err)
	}
	return id, v, nil
}

// Revoke ends the grant of an access or refresh token of client c (RFC
// 7009): an unknown token, or another client's, changes nothing and is no
// error.
func (s *Service) Revoke(ctx context.Context, c *Client, token string) error {
	var g *tandem.Grant
	var err error
	switch {
	case CheckToken(AccessPrefix, token) == nil:
		g, err = s.st.GrantByAccessHash(ctx, auth.HashToken(token))
	case CheckToken(RefreshPrefix, token) == nil:
		g, _, err = s.st.GrantByRefreshHash(ctx, auth.HashToken(token))
	default:
		return nil
	}
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up token: %w", err)
	}
	if g.SiteID != c.Site.ID || !g.EndedAt.IsZero() {
		return nil
	}
	return s.EndGrant(ctx, g.ID, tandem.GrantRevoked, "client:"+c.ID())
}

// EndGrant ends a grant for reason, by actor.
func (s *Service) EndGrant(ctx context.Context, grantID string, reason tandem.GrantEndReason, actor string) error {
	err := s.st.EndGrant(ctx, grantID, reason, s.cfg.Now())
	if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
		return fmt.Errorf("end grant: %w", err)
	}
	if err == nil {
		s.changed(ctx, bus.GrantChange{GrantID: grantID, Type: "ended", Reason: string(reason)})
		action := "passport.revoke"
		if reason == tandem.GrantLoggedOut {
			action = "passport.logout"
		}
		s.audit(ctx, grantID, actor, action, string(reason))
	}
	return nil
}

// Logout is RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0):
// it ends the grant the id_token_hint names and the browser's passport
// session, and returns where to send the browser: post_logout_redirect_uri
// (with state) when it exactly matches one of the client's registered
// URIs, "" otherwise.
func (s *Service) Logout(ctx context.Context, idTokenHint, postLogout, state, clientID, sessionCookie string) (string, error) {
	var c *Client
	if idTokenHint != "" {
		cl, err := s.ParseIDToken(ctx, idTokenHint)
		if err != nil {
			return "", tandem.Errorf(tandem.EInvalid, "the id_token_hint is not valid: %v", err)
		}
		if clientID != "" && clientID != cl.Audience {
			return "", tandem.Errorf(tandem.EInvalid, "the id_token_hint was issued to another client")
		}
		clientID = cl.Audience
		if err := s.EndGrant(ctx, cl.SID, tandem.GrantLoggedOut, identityActor(cl.Subject)); err != nil {
			return "", err
		}
	}
	if err := s.EndSession(ctx, sessionCookie); err != nil {
		return "", err
	}
	if postLogout == "" {
		return "", nil
	}
	if clientID == "" {
		return "", tandem.Errorf(tandem.EInvalid, "a post_logout_redirect_uri needs an id_token_hint or client_id")
	}
	c, err := s.LookupClient(ctx, clientID)
	if err != nil {
		return "", tandem.Errorf(tandem.EInvalid, "unknown client")
	}
	if !MatchRedirect(c.Line.RedirectURIs, postLogout) && !MatchRedirect(c.Line.Domains, postLogout) {
		return "", tandem.Errorf(tandem.EInvalid, "the post_logout_redirect_uri is not registered for this client")
	}
	if state == "" {
		return postLogout, nil
	}
	sep := "?"
	if strings.Contains(postLogout, "?") {
		sep = "&"
	}
	return postLogout + sep + "state=" + urlQueryEscape(state), nil
}

// verifyCache keeps grants by access hash for a short while (nil for an
// unknown token, so that garbage does not reach the store every time).
type verifyCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	byHash  map[string]cached
	byGrant map[string]string
}

type cached struct {
	g  *tandem.Grant
	at time.Time
}

// maxCached bounds the cache; past it, it starts again empty.
const maxCached = 100_000

func (c *verifyCache) get(h string, now time.Time) (*tandem.Grant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[h]
	if !ok || now.Sub(e.at) >= c.ttl || now.Before(e.at) {
		return nil, false
	}
	return e.g, true
}

func (c *verifyCache) put(h string, g *tandem.Grant, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byHash == nil || len(c.byHash) >= maxCached {
		c.byHash, c.byGrant = map[string]cached{}, map[string]string{}
	}
	c.byHash[h] = cached{g: g, at: now}
	if g != nil {
		c.byGrant[g.ID] = h
	}
}

// forget drops a grant whose state changed.
func (c *verifyCache) forget(grantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.byGrant[grantID]; ok {
		delete(c.byHash, h)
		delete(c.byGrant, grantID)
	}
}

// clear forgets everything (the bus lost grant changes).
func (c *verifyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byHash, c.byGrant = nil, nil
}
