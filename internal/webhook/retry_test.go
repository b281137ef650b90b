package webhook

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	cases := []struct {
		n    int
		want time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {8, 128 * time.Second},
		{10, 512 * time.Second}, {11, 10 * time.Minute}, {50, 10 * time.Minute},
	}
	for _, c := range cases {
		if got := backoff(c.n, DefaultBaseDelay, DefaultMaxDelay); got != c.want {
			t.Errorf("backoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"7200", time.Hour},         // capped
		{"99999999999999999999", 0}, // not an int64 nor a date: ignored
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(3 * time.Hour).Format(http.TimeFormat), time.Hour},
		{"soon", 0},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.value != "" {
			h.Set("Retry-After", c.value)
		}
		if got := retryAfter(h, now); got != c.want {
			t.Errorf("Retry-After %q = %v, want %v", c.value, got, c.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	for status, want := range map[int]bool{
		200: false, 301: false, 400: false, 401: false, 403: false, 404: false, 410: false, 413: false,
		408: true, 429: true, 500: true, 502: true, 503: true, 504: true,
	} {
		if retryable(status) != want {
			t.Errorf("retryable(%d) = %v", status, !want)
		}
	}
}
