package password

import (
	"context"
	"runtime"
	"time"

	"github.com/tandemhq/tandem"
)

// ErrBusy is returned by [Gate.Verify] when no slot freed up in time. It is
// a tandem.EUnavailable error (503); the caller may ask to retry shortly.
var ErrBusy = tandem.Errorf(tandem.EUnavailable, "too many sign-ins at once; try again in a moment")

// Verifier checks a password against a stored hash, as [Verify] does.
type Verifier interface {
	Verify(encoded, password string) (bool, error)
}

// argon2Verifier is the real Verifier.
type argon2Verifier struct{}

func (argon2Verifier) Verify(encoded, password string) (bool, error) {
	return Verify(encoded, password)
}

// GateConfig sets a [Gate]. Zero fields get the defaults in parentheses.
type GateConfig struct {
	// Slots is how many verifications run at once (GOMAXPROCS, between 2
	// and 4). Each holds the hash's memory (64 MiB with DefaultParams)
	// while it runs, so Slots × 64 MiB bounds what sign-ins take.
	Slots int
	// Wait is how long a verification waits for a slot before giving up
	// with ErrBusy (2s).
	Wait time.Duration
	// Verifier runs the hash (argon2id); tests count through it.
	Verifier Verifier
}

// DefaultSlots is the number of concurrent verifications by default.
func DefaultSlots() int { return min(max(runtime.GOMAXPROCS(0), 2), 4) }

// Gate bounds how many password verifications run at once. Each argon2id
// run takes the hash's memory for its length; without a bound, a burst of
// sign-ins (right or wrong) takes as much memory as it has requests.
// Verifications beyond the bound wait their turn briefly, then are refused.
type Gate struct {
	slots    chan struct{}
	wait     time.Duration
	verifier Verifier
}

// NewGate returns a Gate with cfg's rules.
func NewGate(cfg GateConfig) *Gate {
	if cfg.Slots <= 0 {
		cfg.Slots = DefaultSlots()
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 2 * time.Second
	}
	if cfg.Verifier == nil {
		cfg.Verifier = argon2Verifier{}
	}
	return &Gate{slots: make(chan struct{}, cfg.Slots), wait: cfg.Wait, verifier: cfg.Verifier}
}

// Verify is [Verify] once a slot is free. It waits at most the Gate's Wait
// (ErrBusy after) and no longer than ctx (ctx's error).
func (g *Gate) Verify(ctx context.Context, encoded, password string) (bool, error) {
	select {
	case g.slots <- struct{}{}:
	default:
		timer := time.NewTimer(g.wait)
		defer timer.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-timer.C:
			return false, ErrBusy
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	return g.verifier.Verify(encoded, password)
}
