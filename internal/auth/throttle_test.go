package auth

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time      { return c.now }
func (c *fakeClock) Add(d time.Duration) { c.now = c.now.Add(d) }
func newClock() *fakeClock               { return &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)} }
func newThrottle(c *fakeClock) *Throttle { return NewThrottle(ThrottleConfig{Now: c.Now}) }
func refusedFor(r *Refusal) string       { return fmt.Sprintf("refused (%s, wait %v)", r.Reason, r.Wait) }
func try(t *Throttle, email, addr string, o Outcome) *Refusal {
	at, r := t.Begin(email, addr)
	if r == nil {
		at.Done(o)
	}
	return r
}

// Changing the letter case (or adding spaces) of the email does not start
// a new count: the limits compare emails as the store's lookup does.
func TestThrottleEmailCaseIsOneAccount(t *testing.T) {
	c := newClock()
	th := newThrottle(c)
	spellings := []string{"alex@example.com", "Alex@example.com", "ALEX@EXAMPLE.COM", " alex@Example.com ", "aLeX@example.com", "alex@EXAMPLE.com"}
	for i, e := range spellings { // the 5 free failures, and one that starts the wait
		if r := try(th, e, "203.0.113.9", Failed); r != nil {
			t.Fatalf("failure %d (%q): %s", i+1, e, refusedFor(r))
		}
	}
	r := try(th, "ALEX@example.com", "203.0.113.9", Failed)
	if r == nil || r.Reason != "pair" || r.Wait != time.Second {
		t.Fatalf("7th try in another spelling: %v, want a 1s wait for the pair", r)
	}
}

// One address guessing one account waits longer after each failure, and a
// success resets the wait.
func TestThrottlePairWaitsGrow(t *testing.T) {
	c := newClock()
	th := newThrottle(c)
	const email, addr = "alex@example.com", "203.0.113.9"
	for range 5 {
		if r := try(th, email, addr, Failed); r != nil {
			t.Fatalf("free failure refused: %s", refusedFor(r))
		}
	}
	c.Add(time.Minute) // the address bucket refills; the pair's count stays
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if r := try(th, email, addr, Failed); r != nil {
			t.Fatalf("failure %d refused: %s", 6+i, refusedFor(r))
		}
		r := try(th, email, addr, Failed)
		if r == nil || r.Reason != "pair" || r.Wait != want {
			t.Fatalf("right after failure %d: %v, want a %v wait", 6+i, r, want)
		}
		c.Add(want)
	}
	// The wait over, the right password gets in and resets the pair.
	if r := try(th, email, addr, Succeeded); r != nil {
		t.Fatalf("right password after the wait: %s", refusedFor(r))
	}
	for range 5 {
		if r := try(th, email, addr, Failed); r != nil {
			t.Fatalf("after a success, the free failures are back: %s", refusedFor(r))
		}
	}
}

// The lock-out attack: wrong passwords for the owner's email from
// elsewhere, as many as the limits let through from many addresses. The
// owner, from an address that has not failed, still signs in at once.
func TestThrottleOwnerIsNotLockedOut(t *testing.T) {
	c := newClock()
	th := newThrottle(c)
	const email = "alex@example.com"
	failed := 0
	for a := range 40 {
		addr := fmt.Sprintf("198.51.100.%d", a)
		for range 8 {
			if try(th, email, addr, Failed) == nil {
				failed++
			}
		}
	}
	if failed < 40 {
		t.Fatalf("only %d failures got through; the attack did not happen", failed)
	}
	if r := try(th, email, "203.0.113.9", Succeeded); r != nil {
		t.Fatalf("the owner's right password: %s, want it checked", refusedFor(r))
	}
	// And with IPv6, from their own network.
	if r := try(th, email, "2001:db8:5:6::1", Succeeded); r != nil {
		t.Fatalf("the owner over IPv6: %s", refusedFor(r))
	}
}

// Guessing one account from many addresses: once the email is guarded,
// an address that has failed for it is refused (however many free tries
// its pair had left), so each address gets about one guess.
func TestThrottleGuardedEmailAllowsOneTryPerAddress(t *testing.T) {
	c := newClock()
	th := newThrottle(c)
	const email = "alex@example.com"
	for a := range 20 { // the email's free failures, one per address
		if r := try(th, email, fmt.Sprintf("198.51.100.%d", a), Failed); r != nil {
			t.Fatalf("address %d: %s", a, refusedFor(r))
		}
	}
	if r := try(th, email, "198.51.100.200", Failed); r != nil { // a 21st: the email now waits 1s
		t.Fatalf("21st address: %s", refusedFor(r))
	}
	r := try(th, email, "198.51.100.3", Failed)
	if r == nil || r.Reason != "email" {
		t.Fatalf("an address that failed, with free pair tries left: %v, want refused for the email", r)
	}
	// A fresh address still gets its one check, and its failure extends
	// the email's wait.
	if r := try(th, email, "192.0.2.1", Failed); r != nil {
		t.Fatalf("a fresh address: %s", refusedFor(r))
	}
	if r := try(th, email, "192.0.2.1", Failed); r == nil || r.Reason != "email" || r.Wait != 2*time.Second {
		t.Fatalf("the fresh address again: %v, want refused for the email, 2s", r)
	}
	// Another account is not affected.
	if r := try(th, "sam@example.com", "198.51.100.3", Failed); r != nil {
		t.Fatalf("another email from the same address: %s", refusedFor(r))
	}
}

// One address trying many emails (password spraying) is held by the
// address bucket; IPv6 addresses of one /64 share it.
func TestThrottleAddressBucket(t *testing.T) {
	c := newClock()
	th := newThrottle(c)
	for i := range 10 {
		if r := try(th, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("2001:db8:1:2::%x", i+1), Failed); r != nil {
			t.Fatalf("attempt %d: %s", i, refusedFor(r))
		}
	}
	r := try(th, "someone@example.com", "2001:db8:1:2:ffff::1", Succeeded)
	if r == nil || r.Reason != "address" || r.Wait != 6*time.Second {
		t.Fatalf("11th attempt from the /64: %v, want an address refusal of 6s", r)
	}
	if r := try(th, "someone@example.com", "2001:db8:1:3::1", Succeeded); r != nil {
		t.Fatalf("the next /64: %s", refusedFor(r))
	}
}

// Sign-ins made at the same moment count before they are checked, so a
// burst cannot slip past the pair's limit; one never checked (server busy)
// is taken back.
func TestThrottleCountsAttemptsInFlight(t *testing.T) {
	c := newClock()
	th := newThrottle(c)
	let := 0
	var open []*Attempt
	for range 10 {
		if at, r := th.Begin("alex@example.com", "203.0.113.9"); r == nil {
			let++
			open = append(open, at)
		}
	}
	if let != 6 {
		t.Fatalf("%d simultaneous attempts let through, want 6 (5 free and the one that starts the wait)", let)
	}
	for _, at := range open {
		at.Done(NotChecked)
		at.Done(Failed) // a second Done does nothing
	}
	if n := th.pair.Len() + th.email.Len(); n != 0 {
		t.Fatalf("attempts never checked left %d counts", n)
	}
}
