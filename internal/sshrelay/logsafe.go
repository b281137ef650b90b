package sshrelay

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// maxLogString bounds a string that a client chose (an SSH user name, a
// client version, a host's or helper's name, a terminal type, an error that
// quotes any of them) in a log line.
const maxLogString = 200

// logSafe returns s as it may go into a log or a status line: control and
// bidirectional-formatting characters dropped, invalid UTF-8 replaced, and
// cut to maxLogString bytes with a marker that says how long it was, so
// that a client can neither flood the log nor forge lines in it.
func logSafe(s string) string { return sanitize(s, maxLogString) }

// cleanName returns a name a host gave a helper (an authorized key's
// comment) as it may be shown on terminals and logged: as logSafe, cut to
// wire.MaxName bytes.
func cleanName(s string) string { return sanitize(strings.TrimSpace(s), wire.MaxName) }

// sanitize drops what dropped says from s, replaces invalid UTF-8, and
// cuts it to about max bytes with a marker.
func sanitize(s string, max int) string {
	clean := true
	for _, r := range s {
		if dropped(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean && len(s) <= max {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max) + 24)
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				r = '\uFFFD' // an invalid byte, shown as such
			}
		}
		if dropped(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > max {
			b.WriteString("…[" + strconv.Itoa(len(s)) + " bytes]")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dropped reports whether r is left out of logged strings: it could move
// the cursor, end a line, or reorder what a reader sees.
func dropped(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}
