package passport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/bus"
)

// signIn is a completed sign-in of a person on a site: by a code, an
// authkey, or the site vouching.
type signIn struct {
	DeviceID   string
	DeviceKind tandem.DeviceKind
	Scope      string
	Nonce      string
	// SessionHash is the passport session the sign-in came from; when
	// set, the answer carries the sign-in's authkey.
	SessionHash string
	// Action is the audit action ("passport.signin", …).
	Action string
}

// startGrant makes the grant of a sign-in of identity id on client c, at
// now: fresh tokens from the site's configuration, the site's one-device
// rule applied (older grants on other devices end: signed in elsewhere),
// audited. It returns the token answer and the grant.
func (s *Service) startGrant(ctx context.Context, c *Client, id *tandem.Identity, in signIn, now time.Time) (*Tokens, *tandem.Grant, error) {
	accessTTL, refreshTTL := ttls(c.Line)
	g := &tandem.Grant{
		ID: newID(), IdentityID: id.ID, SiteID: c.Site.ID, DeviceID: in.DeviceID, DeviceKind: in.DeviceKind,
		Scope: in.Scope, Generation: 1, RotatedAt: now, AccessExpiresAt: now.Add(accessTTL), ExpiresAt: now.Add(refreshTTL),
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
		return nil, nil, fmt.Errorf("create grant: %w", err)
	}
	s.audit(ctx, g.ID, identityActor(g.IdentityID), in.Action, "site "+c.Site.ID+" device "+g.DeviceID+" ("+string(g.DeviceKind)+")")
	for _, e := range ended {
		s.changed(ctx, bus.GrantChange{GrantID: e, Type: "ended", Reason: string(tandem.GrantSignedInElsewhere)})
		s.audit(ctx, e, "system", "passport.kick", "signed in elsewhere: grant "+g.ID)
	}
	t := &Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(accessTTL.Seconds()), RefreshToken: refresh, Scope: g.Scope}
	if slices.Contains(strings.Fields(g.Scope), "openid") {
		if t.IDToken, err = s.idToken(ctx, c, id, g, in.Nonce, now); err != nil {
			return nil, nil, err
		}
	}
	if in.SessionHash != "" {
		if t.Authkey, err = s.authkeyFor(g, in.SessionHash, now); err != nil {
			return nil, nil, err
		}
	}
	return t, g, nil
}
