package assist

import (
	"context"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/retention"
)

// recordingKept returns nil unless the site's retention has deleted the
// recording of a; then it is a *tandem.Error of code tandem.EExpired (410)
// that says when and why, so that a replay says so instead of failing.
func (s *Service) recordingKept(ctx context.Context, a *tandem.Assist) error {
	if a.RecordingDeletedAt.IsZero() {
		return nil
	}
	by := "the site's retention"
	// The site's retention now, which is what deleted it unless an admin
	// changed it since; a site that cannot be read leaves it unsaid.
	if site, err := s.store.SiteByID(ctx, a.SiteID); err == nil && site.RecordingRetention > 0 {
		by += " of " + retention.Describe(site.RecordingRetention)
	}
	return tandem.Errorf(tandem.EExpired, "the recording was deleted on %s by %s",
		a.RecordingDeletedAt.UTC().Format("2006-01-02 15:04 UTC"), by)
}
