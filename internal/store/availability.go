package store

import (
	"context"
	"time"

	"github.com/tandemhq/tandem"
)

// DefaultPickupTimeout is how long a site's people wait for an agent
// before they are told so, when the site set no time of its own.
const DefaultPickupTimeout = 2 * time.Minute

// MaxPickupTimeout bounds a site's pick-up time: past a day, a person has
// long left the page.
const MaxPickupTimeout = 24 * time.Hour

// Availability is who is there to take a request: agents set themselves
// available or away, sites say how long their people wait before they are
// offered to leave a message, and the queue marks the requests whose
// person left one.
type Availability interface {
	// SetAvailable records whether user userID takes requests now.
	// ENotFound when there is no such user.
	SetAvailable(ctx context.Context, userID string, available bool, at time.Time) error
	// Available reports whether user userID said they take requests (false
	// for a user who never said).
	Available(ctx context.Context, userID string) (bool, error)
	// CountAvailable is the number of agents available now.
	CountAvailable(ctx context.Context) (int, error)
	// SetPickupTimeout sets how long the people of site siteID wait for an
	// agent before they are told so (0: never told). ENotFound when there
	// is no such site; EInvalid when d is negative or over MaxPickupTimeout.
	SetPickupTimeout(ctx context.Context, siteID string, d time.Duration, at time.Time) error
	// PickupTimeout is site siteID's pick-up time (DefaultPickupTimeout
	// when it set none).
	PickupTimeout(ctx context.Context, siteID string) (time.Duration, error)
	// MarkLeftMessage records that the person of assist assistID left a
	// message; the first time is kept. ENotFound when there is no such
	// assist.
	MarkLeftMessage(ctx context.Context, assistID string, at time.Time) error
	// LeftMessages returns when the person of each of assistIDs that left a
	// message did so.
	LeftMessages(ctx context.Context, assistIDs []string) (map[string]time.Time, error)
}

// CheckPickupTimeout reports whether d may be a site's pick-up time.
func CheckPickupTimeout(d time.Duration) error {
	if d < 0 || d > MaxPickupTimeout {
		return tandem.Errorf(tandem.EInvalid, "pick-up time %v: want 0 (never) up to %v", d, MaxPickupTimeout)
	}
	return nil
}
