package assist

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/protocol"
)

// Site settings that change during an assist. A live assist keeps the site
// it started with (live.site) for what the person's SDK must apply on the
// device: masking, network bodies, the screen mapping. When an admin edits
// the site, the node that took the edit calls SiteChanged: it updates its
// own live assists of that site and tells their people (a `site` frame),
// then announces the change on the bus (bus.SiteChange), and every other
// node does the same for the live assists it serves. The store stays the
// authority: every node reads the site again, and one that may have missed
// an announcement reads again the sites of all its live assists.

// siteReadTimeout bounds reading a site again for an announcement.
const siteReadTimeout = 10 * time.Second

// siteFollow serializes the applications of site changes: of two reads of
// one site, the later one is applied last.
type siteFollow struct {
	mu sync.Mutex
}

// siteInfo is the `site` of the welcome frame and the payload of the site
// frame: the site's settings the person's SDK applies (docs/protocol.md).
type siteInfo struct {
	StrictMasking bool `json:"strictMasking"`
	CaptureBodies bool `json:"captureBodies"`
	// ScreenMapping: how the SDK draws and masks a described screen
	// (docs/native-screens.md); absent for the default.
	ScreenMapping json.RawMessage `json:"screenMapping,omitempty"`
}

// siteInfoOf is what the person's SDK is told of site.
func siteInfoOf(site *tandem.Site) siteInfo {
	info := siteInfo{StrictMasking: site.StrictMasking, CaptureBodies: site.CaptureBodies}
	if site.ScreenMapping != "" {
		info.ScreenMapping = json.RawMessage(site.ScreenMapping)
	}
	return info
}

// sameForPerson reports whether the person's SDK applies a and b alike.
func sameForPerson(a, b *tandem.Site) bool {
	return a.StrictMasking == b.StrictMasking && a.CaptureBodies == b.CaptureBodies && a.ScreenMapping == b.ScreenMapping
}

// SiteChanged applies the site's settings, as stored now, to the live
// assists of the site on every node: their people's SDKs get them at once
// (a `site` frame) rather than on their next connect. Call it after the
// site was written to the store. It fails when the site cannot be read; a
// bus that refuses the announcement is logged (the other nodes' assists get
// the settings when their people reconnect).
func (s *Service) SiteChanged(ctx context.Context, siteID string) error {
	if err := s.applySite(ctx, siteID); err != nil {
		return err
	}
	if s.cfg.Bus == nil {
		return nil
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.cfg.Bus.Publish(pctx, bus.Sites(), bus.SiteChange{Node: s.busNode, Site: siteID}.Encode()); err != nil {
		s.log.Warn("announce a site change on the bus", "site", siteID, "err", err)
	}
	return nil
}

// applySite reads site siteID again and applies it to its live assists
// here.
func (s *Service) applySite(ctx context.Context, siteID string) error {
	s.sites.mu.Lock()
	defer s.sites.mu.Unlock()
	var ls []*live
	for _, l := range s.liveList() {
		l.mu.Lock()
		if l.assist.SiteID == siteID {
			ls = append(ls, l)
		}
		l.mu.Unlock()
	}
	if len(ls) == 0 {
		return nil // nothing here to tell
	}
	site, err := s.store.SiteByID(ctx, siteID)
	if err != nil {
		return fmt.Errorf("assist: read site %s again: %w", siteID, err)
	}
	for _, l := range ls {
		l.mu.Lock()
		if !l.ended {
			s.setSiteLocked(l, site)
		}
		l.mu.Unlock()
	}
	return nil
}

// applyAllSites reads again the site of every live assist here, after
// announcements may have been missed.
func (s *Service) applyAllSites(ctx context.Context) {
	ids := map[string]bool{}
	for _, l := range s.liveList() {
		l.mu.Lock()
		ids[l.assist.SiteID] = true
		l.mu.Unlock()
	}
	for id := range ids {
		if err := s.applySite(ctx, id); err != nil && ctx.Err() == nil {
			s.log.Warn("apply a site's settings", "site", id, "err", err)
		}
	}
}

// liveList is the assists running here now.
func (s *Service) liveList() []*live {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := make([]*live, 0, len(s.lives))
	for _, l := range s.lives {
		ls = append(ls, l)
	}
	return ls
}

// setSiteLocked makes site the settings of l, and tells its person when
// what their SDK applies changed. l.mu is held.
func (s *Service) setSiteLocked(l *live, site *tandem.Site) {
	old := l.site
	copied := *site // each assist owns its copy: nothing shares a *Site
	l.site = &copied
	if l.person != nil && !sameForPerson(old, site) {
		l.person.send(encodeControl(protocol.KindSite, siteInfoOf(site)))
	}
}

// startSiteBus follows the site changes of other nodes until ctx ends. The
// subscription is active when it returns. It runs after startQueueBus,
// which names this node.
func (s *Service) startSiteBus(ctx context.Context) {
	node := s.busNode
	s.wg.Go(bus.Follow(ctx, s.cfg.Bus, bus.Follower{
		Subject: bus.Sites(),
		Apply:   func(ctx context.Context, m bus.Message) { s.applySiteChange(ctx, node, m) },
		// An announcement may have been missed: every live assist's
		// site is read again.
		Reload:  s.applyAllSites,
		Refused: func(err error) { s.log.Error("follow site changes on the bus", "err", err) },
	}))
}

// applySiteChange applies a site change another node announced.
func (s *Service) applySiteChange(ctx context.Context, node string, m bus.Message) {
	c, err := bus.DecodeSiteChange(m.Data)
	if err != nil {
		s.log.Warn("a site change on the bus", "err", err)
		return
	}
	if c.Node == node {
		return // applied already, before it was announced
	}
	rctx, cancel := context.WithTimeout(ctx, siteReadTimeout)
	defer cancel()
	if err := s.applySite(rctx, c.Site); err != nil && tandem.ErrorCode(err) != tandem.ENotFound && ctx.Err() == nil {
		s.log.Warn("apply a site change from the bus", "site", c.Site, "node", c.Node, "err", err)
	}
}
