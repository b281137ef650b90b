package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/retention"
	"github.com/tandemhq/tandem/internal/store"
)

// SiteSettings are a site's settings as admins change them; nil fields
// stay as they are (on creation: their defaults).
type SiteSettings struct {
	Name             *string
	Origins          *[]string
	StrictMasking    *bool // the masking mode: strict masks every input and text
	CaptureBodies    *bool
	ConsentEachAgent *bool // the consent policy: ask before each further agent
	// Retention is how long recordings are kept: "30d", "36h", "forever"
	// (retention.Parse).
	Retention *string
	AutoVideo *bool
}

// apply writes set onto site, checking as it goes.
func (set SiteSettings) apply(site *tandem.Site) error {
	if set.Name != nil {
		site.Name = *set.Name
	}
	if set.Origins != nil {
		site.AllowedOrigins = append([]string(nil), (*set.Origins)...)
	}
	for _, b := range []struct {
		from *bool
		to   *bool
	}{{set.StrictMasking, &site.StrictMasking}, {set.CaptureBodies, &site.CaptureBodies},
		{set.ConsentEachAgent, &site.ConsentEachAgent}, {set.AutoVideo, &site.AutoVideo}} {
		if b.from != nil {
			*b.to = *b.from
		}
	}
	if set.Retention != nil {
		d, err := retention.Parse(*set.Retention)
		if err != nil {
			return err
		}
		site.RecordingRetention = d
	}
	if len(site.AllowedOrigins) == 0 {
		return tandem.Errorf(tandem.EInvalid, "a site needs at least one allowed origin, e.g. https://shop.example.com")
	}
	// Checked here, before anything is written, so that bad input changes
	// nothing.
	return store.CheckSite(site)
}

// Sites lists every site.
func (s *Service) Sites(ctx context.Context) ([]*tandem.Site, error) {
	return s.cfg.Store.ListSites(ctx)
}

// CreateSite adds a site with set (a name and an origin at least).
func (s *Service) CreateSite(ctx context.Context, by *tandem.User, set SiteSettings) (*tandem.Site, error) {
	site := &tandem.Site{}
	if err := set.apply(site); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CreateSite(ctx, site); err != nil {
		return nil, err
	}
	return site, s.audit(ctx, by, "site:"+site.ID, ActionSiteCreate, describeSite(site))
}

// UpdateSite changes the settings of site id.
func (s *Service) UpdateSite(ctx context.Context, by *tandem.User, id string, set SiteSettings) (*tandem.Site, error) {
	site, err := s.cfg.Store.SiteByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := set.apply(site); err != nil {
		return nil, err
	}
	if err := s.cfg.Store.UpdateSite(ctx, site); err != nil {
		return nil, err
	}
	return site, s.audit(ctx, by, "site:"+site.ID, ActionSiteUpdate, describeSite(site))
}

// describeSite is a site's settings in one line, for the audit log.
func describeSite(s *tandem.Site) string {
	return fmt.Sprintf("%s: origins %s; strict masking %t; capture bodies %t; consent each agent %t; retention %s; auto video %t",
		s.Name, strings.Join(s.AllowedOrigins, " "), s.StrictMasking, s.CaptureBodies, s.ConsentEachAgent,
		retention.Format(s.RecordingRetention), s.AutoVideo)
}
