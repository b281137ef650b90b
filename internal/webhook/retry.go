package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry rules (Config overrides the first three).
const (
	DefaultMaxAttempts = 8
	DefaultBaseDelay   = time.Second
	DefaultMaxDelay    = 10 * time.Minute
	// MaxRetryAfter caps the wait a bot may ask for with Retry-After.
	MaxRetryAfter = time.Hour
)

// backoff is the longest wait after the n-th failed attempt (n ≥ 1):
// base, 2·base, 4·base, … capped at max. The wait is drawn uniformly in
// [0, backoff] ("full jitter"), so that bots that fail together are not
// retried together.
func backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n; i++ {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (relative to now), capped at MaxRetryAfter; 0 when absent, unreadable
// or past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// retryable reports whether a response status is worth trying again: the
// bot's server timed out, is rate limiting, or failed (5xx). Other
// statuses (4xx) mean the request itself is refused, and die at once.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
