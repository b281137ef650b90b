package sshrelay

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/hinshun/vt10x"
)

// screen is the server's model of a session's terminal: every byte of the
// host's output goes through it, so that a late joiner, a helper who fell
// behind, or a helper with a smaller window can be drawn the screen as it is
// now. It is not safe for concurrent use; the session's lock guards it.
type screen struct {
	vt      vt10x.Terminal
	cols    int
	rows    int
	partial []byte // the start of a UTF-8 sequence split across writes
}

func newScreen(cols, rows int) *screen {
	return &screen{vt: vt10x.New(vt10x.WithSize(cols, rows)), cols: cols, rows: rows}
}

// Write feeds the host's output to the model. A UTF-8 sequence split
// across writes is held back until it is whole, since the model would take
// each half for an invalid byte.
func (s *screen) Write(p []byte) {
	defer func() {
		// The host controls these bytes; a bug in the model must not
		// take the server down. Start over with a blank screen instead.
		if recover() != nil {
			s.vt = vt10x.New(vt10x.WithSize(s.cols, s.rows))
			s.partial = nil
		}
	}()
	if len(s.partial) > 0 {
		// Rare (a write ended inside a character): copying is fine.
		p = append(s.partial, p...)
		s.partial = nil
	}
	tail := incompleteTail(p)
	s.vt.Write(p[:len(p)-tail])
	if tail > 0 {
		s.partial = append([]byte(nil), p[len(p)-tail:]...)
	}
}

// incompleteTail returns how many bytes at the end of p are the start of a
// UTF-8 sequence that is not complete yet.
func incompleteTail(p []byte) int {
	for i := 1; i <= utf8.UTFMax && i <= len(p); i++ {
		c := p[len(p)-i]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(p[len(p)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}

// Resize changes the model's size, as the host's window changed.
func (s *screen) Resize(cols, rows int) {
	s.vt.Resize(cols, rows)
	s.cols, s.rows = cols, rows
}

// view is the part of the screen a helper sees: all of it when their window
// is at least as large as the host's, else a window that follows the cursor.
type view struct {
	x, y, cols, rows int
}

// viewFor returns what a helper with a window of cols x rows can see.
func (s *screen) viewFor(cols, rows int) view {
	v := view{cols: min(cols, s.cols), rows: min(rows, s.rows)}
	c := s.vt.Cursor()
	v.x = clamp(c.X-v.cols+1, 0, s.cols-v.cols)
	v.y = clamp(c.Y-v.rows+1, 0, s.rows-v.rows)
	return v
}

// fits reports whether a helper's window shows the whole screen, so that the
// host's output can be passed through unchanged.
func (s *screen) fits(cols, rows int) bool {
	return cols >= s.cols && rows >= s.rows
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// Render appends to b the escape sequences that draw the part v of the
// screen on a terminal in any state, leaving cursor, attributes and the
// modes that change what keys send as the host's terminal has them.
func (s *screen) Render(b *bytes.Buffer, v view) {
	mode := s.vt.Mode()
	b.WriteString("\x1b[0m")
	if mode&vt10x.ModeAltScreen != 0 {
		b.WriteString("\x1b[?1049h")
	}
	b.WriteString("\x1b[?25l\x1b[r\x1b[H\x1b[2J")
	var cur cellStyle
	for row := 0; row < v.rows; row++ {
		y := v.y + row
		// Trailing blanks need not be drawn: the screen was cleared.
		last := v.x + v.cols - 1
		for last >= v.x && blank(s.vt.Cell(last, y)) {
			last--
		}
		if last < v.x {
			continue
		}
		b.WriteString("\x1b[")
		b.WriteString(strconv.Itoa(row + 1))
		b.WriteString(";1H")
		for x := v.x; x <= last; x++ {
			g := s.vt.Cell(x, y)
			st := styleOf(g)
			if st != cur {
				st.writeSGR(b)
				cur = st
			}
			r := g.Char
			if r == 0 || r < ' ' || r == 0x7f {
				r = ' '
			}
			b.WriteRune(r)
		}
	}
	c := s.vt.Cursor()
	styleOf(c.Attr).writeSGR(b)
	b.WriteString("\x1b[")
	b.WriteString(strconv.Itoa(clamp(c.Y-v.y, 0, v.rows-1) + 1))
	b.WriteByte(';')
	b.WriteString(strconv.Itoa(clamp(c.X-v.x, 0, v.cols-1) + 1))
	b.WriteByte('H')
	writeMode(b, mode&vt10x.ModeAppCursor != 0, "\x1b[?1h", "\x1b[?1l")
	writeMode(b, mode&vt10x.ModeAppKeypad != 0, "\x1b=", "\x1b>")
	writeMode(b, mode&vt10x.ModeWrap != 0, "\x1b[?7h", "\x1b[?7l")
	if mode&vt10x.ModeMouseMask != 0 {
		switch {
		case mode&vt10x.ModeMouseX10 != 0:
			b.WriteString("\x1b[?9h")
		case mode&vt10x.ModeMouseButton != 0:
			b.WriteString("\x1b[?1000h")
		case mode&vt10x.ModeMouseMotion != 0:
			b.WriteString("\x1b[?1002h")
		case mode&vt10x.ModeMouseMany != 0:
			b.WriteString("\x1b[?1003h")
		}
		if mode&vt10x.ModeMouseSgr != 0 {
			b.WriteString("\x1b[?1006h")
		}
	}
	if s.vt.CursorVisible() {
		b.WriteString("\x1b[?25h")
	}
}

func writeMode(b *bytes.Buffer, on bool, set, reset string) {
	if on {
		b.WriteString(set)
	} else {
		b.WriteString(reset)
	}
}

// Text returns the screen's characters, one line per row with trailing
// blanks removed: what a person would read on it.
func (s *screen) Text() string {
	var b bytes.Buffer
	for y := 0; y < s.rows; y++ {
		var line []rune
		for x := 0; x < s.cols; x++ {
			r := s.vt.Cell(x, y).Char
			if r == 0 {
				r = ' '
			}
			line = append(line, r)
		}
		b.WriteString(string(bytes.TrimRight([]byte(string(line)), " ")))
		b.WriteByte('\n')
	}
	return b.String()
}

func blank(g vt10x.Glyph) bool {
	return (g.Char == 0 || g.Char == ' ') && g.BG == vt10x.DefaultBG && g.FG == vt10x.DefaultFG && g.Mode&attrsShown == 0
}

// The attribute bits of vt10x.Glyph.Mode (unexported there).
const (
	attrReverse   = 1 << 0
	attrUnderline = 1 << 1
	attrBold      = 1 << 2
	attrItalic    = 1 << 4
	attrBlink     = 1 << 5
	attrsShown    = attrReverse | attrUnderline | attrBold | attrItalic | attrBlink
)

// cellStyle is what SGR must say for a cell.
type cellStyle struct {
	fg, bg vt10x.Color
	attrs  int16
}

func styleOf(g vt10x.Glyph) cellStyle {
	st := cellStyle{fg: g.FG, bg: g.BG, attrs: g.Mode & attrsShown}
	if st.attrs&attrReverse != 0 {
		// The model stores reversed cells with their colours swapped; swap
		// them back and let the terminal reverse them.
		st.fg, st.bg = st.bg, st.fg
	}
	if st.attrs&attrBold != 0 && st.fg >= 8 && st.fg < 16 {
		st.fg -= 8 // the model brightens bold colours; bold says it already
	}
	return st
}

func (st cellStyle) writeSGR(b *bytes.Buffer) {
	b.WriteString("\x1b[0")
	for _, a := range []struct {
		bit  int16
		code string
	}{{attrBold, ";1"}, {attrItalic, ";3"}, {attrUnderline, ";4"}, {attrBlink, ";5"}, {attrReverse, ";7"}} {
		if st.attrs&a.bit != 0 {
			b.WriteString(a.code)
		}
	}
	writeColor(b, st.fg, 30, 90, "38")
	writeColor(b, st.bg, 40, 100, "48")
	b.WriteByte('m')
}

func writeColor(b *bytes.Buffer, c vt10x.Color, base, bright int, ext string) {
	switch {
	case c >= 1<<24: // a default colour: already set by the reset
	case c < 8:
		b.WriteByte(';')
		b.WriteString(strconv.Itoa(base + int(c)))
	case c < 16:
		b.WriteByte(';')
		b.WriteString(strconv.Itoa(bright + int(c) - 8))
	case c < 256:
		b.WriteString(";" + ext + ";5;")
		b.WriteString(strconv.Itoa(int(c)))
	default:
		b.WriteString(";" + ext + ";2;")
		b.WriteString(strconv.Itoa(int(c>>16) & 0xff))
		b.WriteByte(';')
		b.WriteString(strconv.Itoa(int(c>>8) & 0xff))
		b.WriteByte(';')
		b.WriteString(strconv.Itoa(int(c) & 0xff))
	}
}
