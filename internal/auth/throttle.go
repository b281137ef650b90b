package auth

import (
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/ratelimit"
	"github.com/tandemhq/tandem/internal/store"
)

// ThrottleConfig sets the sign-in limits. Zero fields get the defaults in
// parentheses; docs/operating.md explains the rule.
type ThrottleConfig struct {
	// AddressBurst sign-ins may come from one client address at once
	// (10), then one per AddressEvery (6s), whatever the emails.
	AddressBurst int
	AddressEvery time.Duration
	// PairFree failed sign-ins to one email from one address cost no
	// wait (5); each one after doubles the wait, from BaseDelay (1s) up to
	// MaxDelay (15m).
	PairFree int
	// EmailFree failed sign-ins to one email from all addresses together
	// (20) before the email is guarded: then each further failure doubles
	// the email's wait, and while it lasts only addresses that have not
	// failed for the email are let through.
	EmailFree           int
	BaseDelay, MaxDelay time.Duration
	// Forget is how long after its last failure an email or address pair
	// is forgotten (1h).
	Forget time.Duration
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
}

// Throttle limits password guessing at sign-in without handing anyone a
// way to lock an agent out:
//
//   - per client address, a token bucket over all sign-ins;
//   - per (email, address) pair, waits that grow with each failure and end
//     at the next success: one place guessing one account slows to a crawl;
//   - per email, a much looser count over all addresses: past it the email
//     is guarded, and only addresses with no failures for that email get
//     their password checked. Guessing from many addresses then gets one
//     try per address per Forget, while the owner, who has not failed from
//     where they are, still signs in with the right password.
//
// Refusals happen before the password is checked, so they cost no argon2.
// Emails are compared as the store compares them (trimmed, lower case) and
// IPv6 addresses by their /64, so neither letter case nor a fresh address
// from the same network starts a new count.
type Throttle struct {
	cfg     ThrottleConfig
	mu      sync.Mutex // makes each Begin's checks and counts one step
	address *ratelimit.Limiter
	pair    *ratelimit.Backoff
	email   *ratelimit.Backoff
}

// NewThrottle returns a Throttle with the rules of cfg.
func NewThrottle(cfg ThrottleConfig) *Throttle {
	if cfg.AddressBurst == 0 {
		cfg.AddressBurst = 10
	}
	if cfg.AddressEvery == 0 {
		cfg.AddressEvery = 6 * time.Second
	}
	if cfg.PairFree == 0 {
		cfg.PairFree = 5
	}
	if cfg.EmailFree == 0 {
		cfg.EmailFree = 20
	}
	// BaseDelay, MaxDelay and Forget left zero get ratelimit.Backoff's
	// defaults (1 s, 15 min, 1 h).
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	backoff := func(free int) *ratelimit.Backoff {
		return ratelimit.NewBackoff(ratelimit.BackoffConfig{Free: free, Base: cfg.BaseDelay, Max: cfg.MaxDelay, Forget: cfg.Forget})
	}
	return &Throttle{
		cfg:     cfg,
		address: ratelimit.New(cfg.AddressEvery, cfg.AddressBurst),
		pair:    backoff(cfg.PairFree),
		email:   backoff(cfg.EmailFree),
	}
}

// Refusal says why a sign-in was not let through and how long to wait.
type Refusal struct {
	Wait   time.Duration
	Reason string // "address", "pair" or "email": which limit
}

// Attempt is a sign-in that Begin let through; Done records how it went.
// Until then it counts as a failure, so that sign-ins made at the same
// moment cannot all slip past a limit before any has failed.
type Attempt struct {
	t           *Throttle
	email, pair string
	done        bool
}

// Outcome is how an Attempt ended.
type Outcome int

// The outcomes of an Attempt.
const (
	Failed     Outcome = iota // wrong email or password
	Succeeded                 // signed in
	NotChecked                // the password was never checked (busy, internal error)
)

// EmailKey is the form in which sign-in limits and logs compare emails:
// the store's normalised form, or, for input that is not an address, the
// same trimming and lower-casing the store's lookup applies, clipped.
func EmailKey(email string) string {
	if e, err := store.NormalizeEmail(email); err == nil {
		return e
	}
	e := strings.ToLower(strings.TrimSpace(email))
	if len(e) > 320 { // longer than any address; keeps keys and log lines small
		e = strings.ToValidUTF8(e[:320], "") + "…"
	}
	return e
}

// Begin decides whether a sign-in for email from the client address addr
// (netx.ClientAddr) may have its password checked now. It returns the
// Attempt to finish with Done, or why not and for how long.
func (t *Throttle) Begin(email, addr string) (*Attempt, *Refusal) {
	now := t.cfg.Now()
	e := EmailKey(email)
	a := netx.LimitKey(addr)
	pair := e + "\x00" + a
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.pair.Wait(pair, now); w > 0 {
		return nil, &Refusal{Wait: w, Reason: "pair"}
	}
	if w := t.email.Wait(e, now); w > 0 && t.pair.Failures(pair, now) > 0 {
		return nil, &Refusal{Wait: w, Reason: "email"}
	}
	if !t.address.AllowAt(a, now) {
		return nil, &Refusal{Wait: t.address.RetryAfter(a, now), Reason: "address"}
	}
	t.pair.Fail(pair, now)
	t.email.Fail(e, now)
	return &Attempt{t: t, email: e, pair: pair}, nil
}

// Done records the outcome; calls after the first do nothing. A success
// resets the pair's waits (not the email's count: the owner signing in
// must not hand an attacker elsewhere fresh free tries).
func (at *Attempt) Done(o Outcome) {
	t := at.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if at.done {
		return
	}
	at.done = true
	switch o {
	case Succeeded:
		t.pair.Reset(at.pair)
		t.email.Undo(at.email)
	case NotChecked:
		t.pair.Undo(at.pair)
		t.email.Undo(at.email)
	}
}
