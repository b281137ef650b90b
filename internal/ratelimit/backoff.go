package ratelimit

import (
	"sync"
	"time"
)

// BackoffConfig sets the rules of a [Backoff]. Zero fields get the
// defaults in parentheses.
type BackoffConfig struct {
	Free    int           // failures that cost no wait (5)
	Base    time.Duration // the wait after the first failure past Free (1s)
	Max     time.Duration // the longest wait (15m)
	Forget  time.Duration // failures are forgotten this long after the last one (1h; at least Max)
	MaxKeys int           // keys remembered at most (100,000)
}

// Backoff makes a key wait longer after each failure: the first Free
// failures cost nothing, then each one doubles the wait before the next try
// (Base, 2·Base, 4·Base, … up to Max), counted from the latest failure. A
// success resets the key. Unlike a token bucket it never refuses forever
// and never counts successes.
//
// Memory is bounded: keys are dropped Forget after their last failure, and
// past MaxKeys some remembered keys are forgotten at random. Forgetting only
// ever makes the rule more lenient, and an attacker needs MaxKeys fresh
// failures to make it forget one of their own.
type Backoff struct {
	cfg BackoffConfig

	mu    sync.Mutex
	keys  map[string]*failures
	sweep time.Time
}

type failures struct {
	n    int
	last time.Time
}

// NewBackoff returns an empty Backoff with the rules of cfg.
func NewBackoff(cfg BackoffConfig) *Backoff {
	if cfg.Free == 0 {
		cfg.Free = 5
	}
	if cfg.Base == 0 {
		cfg.Base = time.Second
	}
	if cfg.Max == 0 {
		cfg.Max = 15 * time.Minute
	}
	if cfg.Forget == 0 {
		cfg.Forget = time.Hour
	}
	cfg.Forget = max(cfg.Forget, cfg.Max)
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = 100_000
	}
	return &Backoff{cfg: cfg, keys: make(map[string]*failures)}
}

// delay is the wait after n failures.
func (b *Backoff) delay(n int) time.Duration {
	if n <= b.cfg.Free {
		return 0
	}
	d := b.cfg.Base
	for range n - b.cfg.Free - 1 {
		if d >= b.cfg.Max/2 {
			return b.cfg.Max
		}
		d *= 2
	}
	return min(d, b.cfg.Max)
}

// entry returns key's failures at now, nil when there are none to remember.
// The caller holds mu.
func (b *Backoff) entry(key string, now time.Time) *failures {
	f := b.keys[key]
	if f != nil && now.Sub(f.last) >= b.cfg.Forget {
		delete(b.keys, key)
		return nil
	}
	return f
}

// Wait returns how long key must wait at now before its next try; zero
// means it may try now.
func (b *Backoff) Wait(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.entry(key, now)
	if f == nil {
		return 0
	}
	return max(0, f.last.Add(b.delay(f.n)).Sub(now))
}

// Failures returns the failures of key remembered at now.
func (b *Backoff) Failures(key string, now time.Time) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.entry(key, now); f != nil {
		return f.n
	}
	return 0
}

// Fail records a failure of key at now.
func (b *Backoff) Fail(key string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.entry(key, now)
	if f == nil {
		b.makeRoom(now)
		f = &failures{}
		b.keys[key] = f
	}
	f.n++
	f.last = now
}

// Undo takes back one failure of key: one recorded before an attempt that
// then did not happen, or succeeded. The time of the latest failure stays.
func (b *Backoff) Undo(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.keys[key]; f != nil {
		if f.n--; f.n <= 0 {
			delete(b.keys, key)
		}
	}
}

// Reset forgets every failure of key (it succeeded).
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.keys, key)
}

// Len is the number of keys remembered.
func (b *Backoff) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.keys)
}

// makeRoom drops forgotten keys now and then, and keeps the map under
// MaxKeys before a key is added. The caller holds mu.
func (b *Backoff) makeRoom(now time.Time) {
	if now.Sub(b.sweep) >= b.cfg.Forget/4 || len(b.keys) >= b.cfg.MaxKeys {
		for k, f := range b.keys {
			if now.Sub(f.last) >= b.cfg.Forget {
				delete(b.keys, k)
			}
		}
		b.sweep = now
	}
	// Still full: forget a tenth, at random (map order), so that this
	// does not run again at every new key.
	if len(b.keys) >= b.cfg.MaxKeys {
		drop := max(1, b.cfg.MaxKeys/10)
		for k := range b.keys {
			delete(b.keys, k)
			if drop--; drop == 0 {
				break
			}
		}
	}
}
