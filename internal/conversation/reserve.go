package conversation

import (
	"context"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
)

// reservation is posts of one bot in one conversation paid for ahead
// (ReservePosts): the posts made with its context draw from it instead of
// the rate limit, so that none of them can be refused halfway.
type reservation struct {
	key  string
	mu   sync.Mutex
	left int
}

type reservationKey struct{}

// ReservePosts takes n posts of bot in conversationID from the bots' rate
// limit at once, or none (ERateLimited, saying how long to wait). The
// returned context carries them: the next n posts of bot in that
// conversation made with it (PostAs) are not limited again. The bot
// service reserves every post of an answer before it applies any, so that
// an answer is never cut partway by the limit.
func (s *Service) ReservePosts(ctx context.Context, bot tandem.Account, conversationID string, n int) (context.Context, error) {
	if bot.Kind != tandem.AccountBot || n <= 0 {
		return ctx, nil // only bots are limited
	}
	key := botRateKey(bot, conversationID)
	now := s.cfg.Now()
	if n > s.cfg.BotBurst {
		return nil, tandem.Errorf(tandem.ERateLimited, "%d messages at once are more than a bot may post in one conversation (%d)", n, s.cfg.BotBurst)
	}
	if !s.botRate.AllowNAt(key, n, now) {
		wait := s.botRate.RetryAfterN(key, n, now).Round(100 * time.Millisecond)
		return nil, tandem.Errorf(tandem.ERateLimited, "%d messages would be over this bot's rate in this conversation; wait %v", n, wait)
	}
	return context.WithValue(ctx, reservationKey{}, &reservation{key: key, left: n}), nil
}

// prepaid reports whether ctx carries a reserved post for key, and uses it.
func prepaid(ctx context.Context, key string) bool {
	r, _ := ctx.Value(reservationKey{}).(*reservation)
	if r == nil || r.key != key {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.left == 0 {
		return false
	}
	r.left--
	return true
}

func botRateKey(bot tandem.Account, conversationID string) string {
	return bot.ID + "/" + conversationID
}
