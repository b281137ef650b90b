package passport

import (
	"context"
	"fmt"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// MonitoredGrant is a live grant as the console's monitor shows it: with
// the person and the site it belongs to.
type MonitoredGrant struct {
	Grant    *tandem.Grant
	Identity *tandem.Identity // nil when the identity is gone
	Site     *tandem.Site     // nil when the site is gone
}

// LiveGrants lists the grants f selects that are live now, newest first,
// each with its identity and site. Each identity and site is read once
// per call however many of the page's grants share it.
func (s *Service) LiveGrants(ctx context.Context, f store.GrantFilter) ([]MonitoredGrant, error) {
	f.LiveAt = s.cfg.Now()
	gs, err := s.st.ListGrants(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	ids := map[string]*tandem.Identity{}
	sites := map[string]*tandem.Site{}
	out := make([]MonitoredGrant, 0, len(gs))
	for _, g := range gs {
		id, ok := ids[g.IdentityID]
		if !ok {
			id, err = s.st.IdentityByID(ctx, g.IdentityID)
			if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
				return nil, fmt.Errorf("look up identity %s: %w", g.IdentityID, err)
			}
			ids[g.IdentityID] = id
		}
		site, ok := sites[g.SiteID]
		if !ok {
			site, err = s.st.SiteByID(ctx, g.SiteID)
			if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
				return nil, fmt.Errorf("look up site %s: %w", g.SiteID, err)
			}
			sites[g.SiteID] = site
		}
		out = append(out, MonitoredGrant{Grant: g, Identity: id, Site: site})
	}
	return out, nil
}

// LiveGrant returns grant id when it is live now: ENotFound for an unknown,
// ended or expired grant (the monitor acts on live grants only).
func (s *Service) LiveGrant(ctx context.Context, id string) (*tandem.Grant, error) {
	g, err := s.st.GrantByID(ctx, id)
	if err != nil {
		if tandem.ErrorCode(err) == tandem.ENotFound {
			return nil, tandem.Errorf(tandem.ENotFound, "no live grant %q", id)
		}
		return nil, fmt.Errorf("look up grant: %w", err)
	}
	if !g.Live(s.cfg.Now()) {
		return nil, tandem.Errorf(tandem.ENotFound, "no live grant %q: it has ended or expired", id)
	}
	return g, nil
}

// RevokeGrant ends live grant id (GrantRevoked) by actor: ENotFound when
// there is no such live grant, so that a monitor learns it acted on nothing.
func (s *Service) RevokeGrant(ctx context.Context, id, actor string) error {
	if _, err := s.LiveGrant(ctx, id); err != nil {
		return err
	}
	return s.EndGrant(ctx, id, tandem.GrantRevoked, actor)
}

// IdentityIDByEmail returns the id of the identity with email, for the
// monitor's filter by person: ENotFound when nobody has it.
func (s *Service) IdentityIDByEmail(ctx context.Context, email string) (string, error) {
	id, err := s.st.IdentityByEmail(ctx, email)
	if err != nil {
		return "", fmt.Errorf("look up identity by email: %w", err)
	}
	return id.ID, nil
}
