package retention

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
)

// Day is the unit retention is usually given in.
const Day = 24 * time.Hour

// MaxRetention is the longest retention Parse accepts (100 years): past it,
// "forever" (0) says what is meant.
const MaxRetention = 36500 * Day

// Parse reads a site's recording retention as an admin types it: a whole
// number of days ("30d") or hours ("36h"), or "0" or "forever" to keep
// recordings forever (0). Minutes, months and years are refused rather than
// guessed at: "6m" could be either.
func Parse(s string) (time.Duration, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "0" || v == "forever" {
		return 0, nil
	}
	bad := func(why string) (time.Duration, error) {
		return 0, tandem.Errorf(tandem.EInvalid, "retention %q: %s; want days such as 30d, hours such as 36h, or 0 (or forever) to keep recordings", s, why)
	}
	if len(v) < 2 {
		return bad("no unit")
	}
	unit := time.Duration(0)
	switch v[len(v)-1] {
	case 'd':
		unit = Day
	case 'h':
		unit = time.Hour
	default:
		return bad("the unit must be d or h")
	}
	n, err := strconv.ParseInt(v[:len(v)-1], 10, 64)
	switch {
	case err != nil || strings.HasPrefix(v, "+"):
		return bad("not a whole number")
	case n <= 0:
		return bad("not positive")
	case n > int64(MaxRetention/unit):
		return bad("longer than 100 years")
	}
	return time.Duration(n) * unit, nil
}

// Format writes a retention the way Parse reads it: "forever" for 0, whole
// days as "30d", else hours ("36h"), else Go's own form.
func Format(d time.Duration) string {
	switch {
	case d <= 0:
		return "forever"
	case d%Day == 0:
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return d.String()
}

// Describe says in words how long recordings are kept, for messages:
// "30 days", "36 hours", or "" for forever.
func Describe(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d == Day:
		return "1 day"
	case d%Day == 0:
		return strconv.FormatInt(int64(d/Day), 10) + " days"
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + " hours"
	}
	return d.String()
}
