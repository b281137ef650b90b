// Package ratelimit limits how often one key (an IP address, an email, a
// session id) may try something, such as signing in or typing an invite
// code: [Limiter] with token buckets, [Backoff] with waits that grow with
// each failure.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a set of token buckets, one per key. Buckets untouched for a
// while are dropped so that memory stays bounded under many keys.
type Limiter struct {
	every time.Duration
	burst int
	idle  time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New allows burst attempts at once per key, then one per every.
func New(every time.Duration, burst int) *Limiter {
	return &Limiter{
		every:   every,
		burst:   burst,
		idle:    every * time.Duration(burst) * 2,
		buckets: make(map[string]*bucket),
	}
}

// Allow reports whether key may try now, and uses up one attempt if so.
func (l *Limiter) Allow(key string) bool {
	return l.AllowAt(key, time.Now())
}

// AllowAt is Allow at a given time, for tests.
func (l *Limiter) AllowAt(key string, now time.Time) bool {
	return l.AllowNAt(key, 1, now)
}

// AllowNAt reports whether key may make n attempts at now, and uses up all
// n if so, or none: for work that must be done whole (n posts of one
// answer) or not at all. n above the burst is never allowed.
func (l *Limiter) AllowNAt(key string, n int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > l.idle {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > l.idle {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, n)
}

// HasLeft reports whether key may try now, without using up an attempt:
// for limits that count only failures, asked before trying, with Allow
// spending an attempt when one fails.
func (l *Limiter) HasLeft(key string) bool {
	return l.HasLeftAt(key, time.Now())
}

// HasLeftAt is HasLeft at a given time, for tests.
func (l *Limiter) HasLeftAt(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return l.burst > 0 // a key never seen has a full bucket
	}
	return b.lim.TokensAt(now) >= 1
}

// RetryAfter returns how long key must wait at now until its next attempt
// is allowed; zero when one is left.
func (l *Limiter) RetryAfter(key string, now time.Time) time.Duration {
	return l.RetryAfterN(key, 1, now)
}

// RetryAfterN returns how long key must wait at now until n attempts at
// once are allowed; zero when they are.
func (l *Limiter) RetryAfterN(key string, n int, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return 0
	}
	missing := float64(n) - b.lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing * float64(l.every))
}

// Len is the number of keys being tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
