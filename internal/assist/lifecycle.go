package assist

import (
	"context"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
)

// recordEnd stores the end of an assist that this server saw in state from.
// The write is a compare-and-set; when another server changed the assist
// meanwhile, it is retried from the state now stored, and an assist that
// ended elsewhere keeps that end (next becomes it).
func (s *Service) recordEnd(ctx context.Context, actor string, next *tandem.Assist, from tandem.AssistState) error {
	for tries := 0; ; tries++ {
		err := s.store.UpdateAssist(ctx, next, from)
		if err == nil {
			s.log.Info("web assist ended", "assist", next.ID, "reason", next.EndReason, "by", logActor(actor), "was", string(from))
			if s.cfg.Ended != nil {
				s.cfg.Ended(ctx, next)
			}
			return nil
		}
		if tandem.ErrorCode(err) != tandem.EConflict || tries == 3 {
			return err
		}
		cur, err := s.store.AssistByID(ctx, next.ID)
		if err != nil {
			return err
		}
		if cur.State == tandem.AssistEnded {
			*next = *cur
			return nil
		}
		from = cur.State
	}
}

// logActor is who did something, for the log: agents and the system by id,
// a person only as "person" (their id may be an email address the site set).
func logActor(actor string) string {
	if strings.HasPrefix(actor, "person:") {
		return "person"
	}
	return actor
}

// noteQueueFull logs that a site's budget of waiting requests refused a
// request: once a minute per site, so that a flood does not flood the log.
func (s *Service) noteQueueFull(siteID string) {
	now := s.cfg.Now()
	s.mu.Lock()
	last, seen := s.fullLogged[siteID]
	logIt := !seen || now.Sub(last) >= time.Minute
	if logIt {
		s.fullLogged[siteID] = now
	}
	s.mu.Unlock()
	if logIt {
		s.log.Warn("help requests refused: the site's queue is full", "site", siteID, "max_waiting", s.cfg.MaxWaiting)
	}
}
