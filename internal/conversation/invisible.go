package conversation

import (
	"strings"
	"unicode"
)

// Clean removes the characters that change how text around them reads
// without being seen: bidirectional controls (U+202A–U+202E embeddings and
// overrides, U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks, which can
// put a phone number's digit groups or a file name's extension in another
// order) and every other invisible format character (Unicode category Cf:
// zero-width spaces, word joiners, soft hyphens, byte-order marks, tag
// characters that can hide text from readers but not from programs).
//
// Kept: the zero-width joiner and non-joiner (emoji sequences and many
// scripts need them), the visible number signs of Arabic, Syriac and
// Kaithi (category Cf, but printed), and tag characters inside an emoji
// tag sequence (a subdivision flag, such as Scotland's).
//
// Messages, conversation names and descriptions, person ids, summaries,
// button labels and file names are cleaned rather than refused: text
// pasted from elsewhere, or posted by a tool through an incoming webhook,
// often carries a stray mark, and the sender meant the visible text.
func Clean(s string) string {
	if !strings.ContainsFunc(s, invisible) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	inFlag := false // after U+1F3F4, in a tag sequence
	for _, r := range s {
		switch {
		case r == blackFlag:
			inFlag = true
		case inFlag && r >= tagFirst && r <= tagCancel:
			b.WriteRune(r)
			if r == tagCancel {
				inFlag = false
			}
			continue
		default:
			inFlag = false
		}
		if invisible(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

const (
	blackFlag = '\U0001F3F4'
	tagFirst  = '\U000E0020'
	tagCancel = '\U000E007F'
)

// invisible reports whether Clean removes r (outside a flag's tags).
func invisible(r rune) bool {
	if r < 0xAD || !unicode.Is(unicode.Cf, r) {
		return false
	}
	switch {
	case r == '\u200C', r == '\u200D': // joiners
		return false
	case r >= '\u0600' && r <= '\u0605', r == '\u06DD', r == '\u070F', r == '\u0890', r == '\u0891', r == '\u08E2',
		r == '\U000110BD', r == '\U000110CD': // visible number signs
		return false
	}
	return true
}
