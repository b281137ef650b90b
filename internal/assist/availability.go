package assist

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Availability is the part of the store that says who is there to take a
// request (store.Availability).
type Availability interface {
	SetAvailable(ctx context.Context, userID string, available bool, at time.Time) error
	Available(ctx context.Context, userID string) (bool, error)
	CountAvailable(ctx context.Context) (int, error)
	PickupTimeout(ctx context.Context, siteID string) (time.Duration, error)
	SetPickupTimeout(ctx context.Context, siteID string, d time.Duration, at time.Time) error
	MarkLeftMessage(ctx context.Context, assistID string, at time.Time) error
	LeftMessages(ctx context.Context, assistIDs []string) (map[string]time.Time, error)
}

// Pickup is what a person who asked for help is told about the wait.
type Pickup struct {
	// AgentsAvailable is how many agents said they take requests now;
	// with none, the person is told at once that no agent is available.
	AgentsAvailable int
	// Timeout is how long the person waits for an agent before they are
	// told that no one picked up and offered to leave a message; 0 never.
	Timeout time.Duration
}

// MaxLeftMessage bounds the message a person leaves, in bytes.
const MaxLeftMessage = 4000

// SetAvailable records whether agent takes requests now: an available
// agent is alerted of new requests, an away one is not. The queue
// watchers of every node list again (the queue counts available agents).
func (s *Service) SetAvailable(ctx context.Context, agent *tandem.User, available bool) error {
	if err := s.store.SetAvailable(ctx, agent.ID, available, s.cfg.Now()); err != nil {
		return fmt.Errorf("set availability: %w", err)
	}
	s.notifyQueue()
	return nil
}

// Available reports whether the agent userID takes requests now.
func (s *Service) Available(ctx context.Context, userID string) (bool, error) {
	return s.store.Available(ctx, userID)
}

// AgentsAvailable is how many agents take requests now.
func (s *Service) AgentsAvailable(ctx context.Context) (int, error) {
	return s.store.CountAvailable(ctx)
}

// LeftMessages returns when the person of each of assistIDs that left a
// message did so.
func (s *Service) LeftMessages(ctx context.Context, assistIDs []string) (map[string]time.Time, error) {
	return s.store.LeftMessages(ctx, assistIDs)
}

// pickup is what a person asking for help on site siteID is told about
// the wait. A store that cannot say is logged, and the person is told the
// defaults: it must not cost them their request.
func (s *Service) pickup(ctx context.Context, siteID string) Pickup {
	p := Pickup{AgentsAvailable: 1, Timeout: store.DefaultPickupTimeout}
	if n, err := s.store.CountAvailable(ctx); err != nil {
		s.log.Error("count available agents", "err", err)
	} else {
		p.AgentsAvailable = n
	}
	if d, err := s.store.PickupTimeout(ctx, siteID); err != nil {
		s.log.Error("read the site's pick-up time", "site", siteID, "err", err)
	} else {
		p.Timeout = d
	}
	return p
}

// LeftMessage is a person leaving a message while their request waits.
type LeftMessage struct {
	AssistID string
	// Token is the person's token for the assist; Origin the page's
	// origin as the browser reported it.
	Token, Origin string
	Text          string
}

// CheckLeftMessageText reports whether text may be left as a message.
func CheckLeftMessageText(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return tandem.Errorf(tandem.EInvalid, "the message is empty")
	case len(text) > MaxLeftMessage:
		return tandem.Errorf(tandem.EInvalid, "the message is over %d bytes", MaxLeftMessage)
	case !utf8.ValidString(text):
		return tandem.Errorf(tandem.EInvalid, "the message must be UTF-8")
	}
	return nil
}

// LeaveMessage takes the message a person leaves while their request
// waits: post puts it into the assist's conversation, then the request is
// marked in the queue as one whose person left a message (it stays
// waiting). post reports whether it stored a new message: a request has
// one left message, and the same one posted again (a retry) must return
// false and change nothing, so that it is marked and audited once.
// Nothing changes when the token, origin or text is refused, the request
// no longer waits, or post fails.
func (s *Service) LeaveMessage(ctx context.Context, m LeftMessage, post func(ctx context.Context, a *tandem.Assist) (created bool, err error)) error {
	if err := CheckLeftMessageText(m.Text); err != nil {
		return err
	}
	if !s.validPersonToken(m.AssistID, m.Token) {
		return tandem.Errorf(tandem.EUnauthorized, "this token is not valid for this request")
	}
	a, err := s.store.AssistByID(ctx, m.AssistID)
	if err != nil {
		return err
	}
	site, err := s.store.SiteByID(ctx, a.SiteID)
	if err != nil {
		return err
	}
	if !site.AllowsOrigin(m.Origin) {
		return tandem.Errorf(tandem.ENotAllowed, "origin %q is not allowed for this site", m.Origin)
	}
	if err := waitingForMessage(a); err != nil {
		return err
	}
	created, err := post(ctx, a)
	if err != nil {
		return err
	}
	// Marked even for a repeat: a retry after the mark failed completes it
	// (marking twice is marking once).
	if err := s.store.MarkLeftMessage(ctx, a.ID, s.cfg.Now()); err != nil {
		return fmt.Errorf("mark the request: %w", err)
	}
	if created {
		s.audit(ctx, a.ID, "person:"+a.PersonID, "left-message", "")
		s.notifyQueue()
	}
	return nil
}

// waitingForMessage says why a message cannot be left for a, in words the
// person's page can show: it was picked up (the chat with the agent is
// where to write now), or it is over.
func waitingForMessage(a *tandem.Assist) error {
	switch a.State {
	case tandem.AssistWaiting:
		return nil
	case tandem.AssistEnded:
		return tandem.Errorf(tandem.EConflict, "this request has ended; ask for help again")
	default:
		return tandem.Errorf(tandem.EConflict, "an agent picked up this request; write to them in the chat")
	}
}

// PickupTimeout is site siteID's pick-up time; ENotFound when there is no
// such site.
func (s *Service) PickupTimeout(ctx context.Context, siteID string) (time.Duration, error) {
	if _, err := s.store.SiteByID(ctx, siteID); err != nil {
		return 0, err
	}
	return s.store.PickupTimeout(ctx, siteID)
}

// SetPickupTimeout sets how long the people of site siteID wait for an
// agent before they are told so (0: never told).
func (s *Service) SetPickupTimeout(ctx context.Context, siteID string, d time.Duration) error {
	return s.store.SetPickupTimeout(ctx, siteID, d, s.cfg.Now())
}

func ptrTo[T any](v T) *T { return &v }
