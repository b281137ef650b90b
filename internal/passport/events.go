package passport

import (
	"context"
	"fmt"
	"sync"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
)

// GrantEvent is news of one grant for the clients holding its tokens: the
// SDK follows it over GET /passport/events.
type GrantEvent struct {
	// Type is "refresh" (a monitor asks the client to refresh ahead of
	// expiry) or "ended" (the sign-in is over: Reason says why, one of
	// signed_in_elsewhere, revoked, reused, logged_out).
	Type    string `json:"type"`
	GrantID string `json:"grantId"`
	Reason  string `json:"reason,omitempty"`
}

// followBuffer is how many events a follower may leave unread; past it,
// newer ones are dropped for that follower (the client's validity checks
// still find the truth in the store).
const followBuffer = 4

// followers are this node's followers of grants, by grant id.
type followers struct {
	mu sync.Mutex
	by map[string]map[chan GrantEvent]struct{}
}

func (f *followers) add(grantID string) chan GrantEvent {
	c := make(chan GrantEvent, followBuffer)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.by == nil {
		f.by = map[string]map[chan GrantEvent]struct{}{}
	}
	set := f.by[grantID]
	if set == nil {
		set = map[chan GrantEvent]struct{}{}
		f.by[grantID] = set
	}
	set[c] = struct{}{}
	return c
}

// remove unregisters and closes c (under the lock, so never under a send).
func (f *followers) remove(grantID string, c chan GrantEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	set := f.by[grantID]
	delete(set, c)
	if len(set) == 0 {
		delete(f.by, grantID)
	}
	close(c)
}

func (f *followers) send(e GrantEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.by[e.GrantID] {
		select {
		case c <- e:
		default:
		}
	}
}

// Follow returns the events of a grant, on whichever node they happen,
// until ctx ends (then the channel is closed). A grant that has already
// ended gets its "ended" event at once, so a client that verified its
// token just before it was revoked still hears of it.
func (s *Service) Follow(ctx context.Context, grantID string) (<-chan GrantEvent, error) {
	g, err := s.st.GrantByID(ctx, grantID)
	if err != nil {
		return nil, fmt.Errorf("follow grant: %w", err)
	}
	c := s.followers.add(grantID)
	context.AfterFunc(ctx, func() { s.followers.remove(grantID, c) })
	// Read again after registering: an end between the first read and
	// the registration would otherwise reach nobody.
	if g.EndedAt.IsZero() {
		if g, err = s.st.GrantByID(ctx, grantID); err != nil {
			return c, nil // the ctx's end or an outage: the follower still works
		}
	}
	if !g.EndedAt.IsZero() {
		s.followers.send(GrantEvent{Type: "ended", GrantID: g.ID, Reason: string(g.EndReason)})
	}
	return c, nil
}

// RequestRefresh asks the clients of a live grant to refresh ahead of
// expiry (the monitor): verification answers refreshAhead until they do,
// and their event streams hear "refresh" now. ENotFound for an unknown or
// ended grant.
func (s *Service) RequestRefresh(ctx context.Context, grantID, actor string) error {
	g, err := s.st.GrantByID(ctx, grantID)
	if err != nil {
		return fmt.Errorf("request refresh: %w", err)
	}
	if !g.Live(s.cfg.Now()) {
		return tandem.Errorf(tandem.ENotFound, "the sign-in %q has ended", grantID)
	}
	if err := s.st.SetRefreshAhead(ctx, grantID, true); err != nil {
		return fmt.Errorf("request refresh: %w", err)
	}
	s.audit(ctx, grantID, actor, "passport.refresh_ahead", "asked the client to refresh ahead of expiry")
	s.changed(ctx, bus.GrantChange{GrantID: grantID, Type: "refresh"})
	return nil
}

// changed forgets the grant here and tells every node (this one through
// the bus too). Without a bus, or when publishing fails, this node's
// followers hear it directly: the other nodes' caches lapse within
// VerifyTTL.
func (s *Service) changed(ctx context.Context, c bus.GrantChange) {
	s.cache.forget(c.GrantID)
	if s.cfg.Bus != nil {
		err := s.cfg.Bus.Publish(context.WithoutCancel(ctx), bus.Passport(), c.Encode())
		if err == nil {
			return
		}
		s.cfg.Logger.Warn("passport: publish a grant change", "grant", c.GrantID, "err", err)
	}
	s.deliver(c)
}

func (s *Service) deliver(c bus.GrantChange) {
	s.cache.forget(c.GrantID)
	if c.Type == "rotated" {
		return
	}
	s.followers.send(GrantEvent{Type: c.Type, GrantID: c.GrantID, Reason: c.Reason})
}

// RunEvents follows the grant changes of every node until ctx ends: this
// node's verify cache forgets the grants that changed, and their followers
// here hear of it. While the bus loses messages (a slow subscriber, an
// outage, a subscription it refused) the whole cache is dropped instead.
// Without a bus it returns at once.
func (s *Service) RunEvents(ctx context.Context) {
	if s.cfg.Bus == nil {
		return
	}
	bus.Follow(ctx, s.cfg.Bus, bus.Follower{
		Subject: bus.Passport(),
		Buffer:  bus.MaxBuffer / 4,
		Apply: func(_ context.Context, m bus.Message) {
			c, err := bus.DecodeGrantChange(m.Data)
			if err != nil {
				s.cfg.Logger.Warn("passport: a grant change", "err", err)
				return
			}
			s.deliver(c)
		},
		Reload:  func(context.Context) { s.cache.clear() },
		Refused: func(err error) { s.cfg.Logger.Error("passport: follow grant changes", "err", err) },
	})()
}
