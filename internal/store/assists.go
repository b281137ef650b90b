package store

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
)

// Limits of one ListAssists page.
const (
	DefaultAssistLimit = 100
	MaxAssistLimit     = 1000
)

// CheckState returns tandem.EInvalid unless s is one of the four assist states.
func CheckState(s tandem.AssistState) error {
	switch s {
	case tandem.AssistWaiting, tandem.AssistConsenting, tandem.AssistLive, tandem.AssistEnded:
		return nil
	}
	return tandem.Errorf(tandem.EInvalid, "%q is not an assist state", s)
}

// CheckTransition returns tandem.EInvalid unless an assist may go from one
// state to the other: waiting → consenting (accepted), consenting → live
// (allowed), any open state → ended, or an open state to itself (other
// fields change). Nothing leaves ended, and nothing goes back.
func CheckTransition(from, to tandem.AssistState) error {
	if err := CheckState(from); err != nil {
		return err
	}
	if err := CheckState(to); err != nil {
		return err
	}
	ok := from != tandem.AssistEnded && (to == from || to == tandem.AssistEnded ||
		from == tandem.AssistWaiting && to == tandem.AssistConsenting ||
		from == tandem.AssistConsenting && to == tandem.AssistLive)
	if !ok {
		return tandem.Errorf(tandem.EInvalid, "an assist cannot go from %s to %s", from, to)
	}
	return nil
}

// AssistCursor returns the cursor that continues a listing after a: its
// creation time in milliseconds and its id. Cursors are opaque to callers.
func AssistCursor(a *tandem.Assist) string {
	return strconv.FormatInt(a.CreatedAt.UnixMilli(), 10) + "." + a.ID
}

// ParseAssistCursor returns the creation time and id an AssistCursor names,
// or tandem.EInvalid.
func ParseAssistCursor(c string) (time.Time, string, error) {
	ms, id, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || n < 0 || id == "" || len(id) > 64 || strings.IndexFunc(id, notIDChar) >= 0 {
		return time.Time{}, "", tandem.Errorf(tandem.EInvalid, "%q is not a cursor of this listing", c)
	}
	return time.UnixMilli(n).UTC(), id, nil
}

func notIDChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
}

// CheckAssistFilter validates f: known states, a limit of 0 to
// MaxAssistLimit and a well-formed cursor.
func CheckAssistFilter(f AssistFilter) error {
	for _, s := range f.States {
		if err := CheckState(s); err != nil {
			return err
		}
	}
	if f.Limit < 0 || f.Limit > MaxAssistLimit {
		return tandem.Errorf(tandem.EInvalid, "limit %d is not 1 to %d", f.Limit, MaxAssistLimit)
	}
	if f.After != "" {
		if _, _, err := ParseAssistCursor(f.After); err != nil {
			return err
		}
	}
	return nil
}
