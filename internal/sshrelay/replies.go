package sshrelay

// dropTerminalReplies removes from a helper's input the answers their
// terminal sends to the host program's queries (device attributes, cursor
// position, mode reports, colour queries, focus events, ...). Every helper's
// terminal answers every query it is sent, so passing them on would type
// them, once per helper, into the host's shell. The host's own terminal
// answers for real.
//
// It works on each read on its own: a terminal writes a reply in one go, and
// holding back a lone ESC (a key that vi users press all day) to see what
// follows would delay it. It returns p's own storage, shortened.
func dropTerminalReplies(p []byte) []byte {
	out := p[:0]
	for i := 0; i < len(p); {
		if p[i] == 0x1b && i+1 < len(p) {
			if n := replyLen(p[i:]); n > 0 {
				i += n
				continue
			}
		}
		out = append(out, p[i])
		i++
	}
	return out
}

// replyLen returns the length of the terminal reply that starts p (at an
// ESC), or 0 when p does not start with one.
func replyLen(p []byte) int {
	switch p[1] {
	case '[':
		return csiReplyLen(p)
	case ']', 'P', '_', '^':
		// OSC (colour and clipboard reports), DCS (XTVERSION, DECRQSS),
		// APC and PM: a key never produces these.
		return stringLen(p)
	}
	return 0
}

// csiReplyLen recognises the CSI sequences that are replies, not keys.
func csiReplyLen(p []byte) int {
	i := 2
	var private byte
	if i < len(p) && (p[i] == '?' || p[i] == '>' || p[i] == '=') {
		private = p[i]
		i++
	}
	params := i
	for i < len(p) && (p[i] >= '0' && p[i] <= '9' || p[i] == ';' || p[i] == ':') {
		i++
	}
	var inter byte
	if i < len(p) && p[i] >= 0x20 && p[i] <= 0x2f {
		inter = p[i]
		i++
	}
	if i >= len(p) {
		return 0
	}
	final := p[i]
	n := i + 1
	semis := 0
	for _, c := range p[params:i] {
		if c == ';' {
			semis++
		}
	}
	switch {
	case final == 'c' && private != 0: // DA1 (?), DA2 (>), DA3 (=)
		return n
	case final == 'y' && inter == '$': // DECRPM mode report
		return n
	case final == 'R' && private == 0 && semis == 1:
		// CPR. A modified F3 (ESC [ 1 ; m R) looks the same; losing that
		// key is the lesser harm.
		return n
	case final == 'R' && private == '?': // DECXCPR
		return n
	case final == 'n' && private == 0 && i > params: // DSR status report
		return n
	case final == 't' && private == 0 && semis == 2: // window size report
		return n
	case final == 'u' && private == '?': // keyboard protocol flags
		return n
	case (final == 'I' || final == 'O') && private == 0 && i == params: // focus in/out
		return n
	}
	return 0
}

// stringLen returns the length of an escape string (OSC, DCS, ...) ending
// in BEL or ST, or 0 when it does not end within p.
func stringLen(p []byte) int {
	for i := 2; i < len(p); i++ {
		switch {
		case p[i] == 0x07 && p[1] == ']':
			return i + 1
		case p[i] == 0x1b && i+1 < len(p) && p[i+1] == '\\':
			return i + 2
		}
	}
	return 0
}
