package termscreen

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
)

// View is the part of the screen a viewer sees: all of it when their window
// is at least as large as the screen, else a window that follows the cursor.
type View struct {
	x, y, cols, rows int
}

// ViewFor returns what a viewer with a window of cols x rows can see.
func (s *Screen) ViewFor(cols, rows int) View {
	v := View{cols: min(cols, s.cols), rows: min(rows, s.rows)}
	v.x = clamp(s.x-v.cols+1, 0, s.cols-v.cols)
	v.y = clamp(s.y-v.rows+1, 0, s.rows-v.rows)
	return v
}

// Fits reports whether a window of cols x rows shows the whole screen, so
// that the program's output can be passed to it unchanged.
func (s *Screen) Fits(cols, rows int) bool {
	return cols >= s.cols && rows >= s.rows
}

// Whole is the view of the whole screen.
func (s *Screen) Whole() View { return View{cols: s.cols, rows: s.rows} }

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// Render appends to b the escape sequences that draw the part v of the
// screen on a terminal in any state, and leave it as the host's is: the
// cursor, its attributes, the scroll region, the alternate screen, and the
// modes that change what keys send.
func (s *Screen) Render(b *bytes.Buffer, v View) {
	b.WriteString("\x1b[0m\x1b[?25l\x1b[?1049l\x1b[r\x1b[?6l\x1b[?7h\x1b[4l")
	if s.altActive {
		// The main screen first, so that leaving the alternate screen
		// later shows what the host's terminal shows then.
		s.drawLines(b, s.main, v)
		c := s.altSaved
		b.WriteString("\x1b[")
		b.WriteString(strconv.Itoa(clamp(c.y-v.y, 0, v.rows-1) + 1))
		b.WriteByte(';')
		b.WriteString(strconv.Itoa(clamp(c.x-v.x, 0, v.cols-1) + 1))
		b.WriteString("H\x1b[?1049h")
	}
	s.drawLines(b, s.lines, v)
	full := v.cols == s.cols && v.rows == s.rows
	if full && (s.top != 0 || s.bot != s.rows-1) {
		b.WriteString("\x1b[" + strconv.Itoa(s.top+1) + ";" + strconv.Itoa(s.bot+1) + "r")
	}
	s.style.writeSGR(b)
	y := clamp(s.y-v.y, 0, v.rows-1) + 1
	if full && s.modes.origin {
		b.WriteString("\x1b[?6h")
		y -= s.top
	}
	b.WriteString("\x1b[")
	b.WriteString(strconv.Itoa(y))
	b.WriteByte(';')
	b.WriteString(strconv.Itoa(clamp(s.x-v.x, 0, v.cols-1) + 1))
	b.WriteByte('H')
	m := s.modes
	writeMode(b, m.appCursor, "\x1b[?1h", "\x1b[?1l")
	writeMode(b, m.appKeypad, "\x1b=", "\x1b>")
	writeMode(b, m.paste, "\x1b[?2004h", "\x1b[?2004l")
	writeMode(b, m.focus, "\x1b[?1004h", "\x1b[?1004l")
	writeMode(b, m.mouseSGR, "\x1b[?1006h", "\x1b[?1006l")
	if m.mouse != 0 {
		b.WriteString("\x1b[?" + strconv.Itoa(m.mouse) + "h")
	} else {
		b.WriteString("\x1b[?1000l\x1b[?1002l\x1b[?1003l")
	}
	if m.noWrap && full {
		b.WriteString("\x1b[?7l")
	}
	if m.insert {
		b.WriteString("\x1b[4h")
	}
	if s.lineDraw {
		b.WriteString("\x1b(0")
	} else {
		b.WriteString("\x1b(B")
	}
	if !m.hideCursor {
		b.WriteString("\x1b[?25h")
	}
}

// drawLines clears the screen and draws the part v of lines.
func (s *Screen) drawLines(b *bytes.Buffer, lines [][]cell, v View) {
	b.WriteString("\x1b(B\x1b[0m\x1b[H\x1b[2J")
	var cur style
	for row := 0; row < v.rows; row++ {
		line := lines[v.y+row][v.x : v.x+v.cols]
		last := len(line) - 1
		for last >= 0 && line[last].blank() {
			last--
		}
		if last < 0 {
			continue
		}
		b.WriteString("\x1b[")
		b.WriteString(strconv.Itoa(row + 1))
		b.WriteString(";1H")
		for x := 0; x <= last; x++ {
			c := line[x]
			if c.r == wideTail {
				continue
			}
			if c.st != cur {
				c.st.writeSGR(b)
				cur = c.st
			}
			r := c.r
			if r == 0 || (x == len(line)-1 && r != 0 && isWide(r)) {
				r = ' ' // a blank, or a wide character cut by the view
			}
			b.WriteRune(r)
		}
	}
	b.WriteString("\x1b[0m")
}

func isWide(r rune) bool { return r >= 0x1100 && runewidth.RuneWidth(r) == 2 }

func (c cell) blank() bool {
	return (c.r == 0 || c.r == ' ') && c.st.bg == 0 && c.st.attrs&(attrInverse|attrUnderline|attrStrike) == 0
}

func writeMode(b *bytes.Buffer, on bool, set, reset string) {
	if on {
		b.WriteString(set)
	} else {
		b.WriteString(reset)
	}
}

var sgrCodes = [...]struct {
	bit  uint16
	code string
}{
	{attrBold, ";1"}, {attrDim, ";2"}, {attrItalic, ";3"}, {attrUnderline, ";4"},
	{attrBlink, ";5"}, {attrInverse, ";7"}, {attrHidden, ";8"}, {attrStrike, ";9"},
}

func (st style) writeSGR(b *bytes.Buffer) {
	b.WriteString("\x1b[0")
	for _, a := range sgrCodes {
		if st.attrs&a.bit != 0 {
			b.WriteString(a.code)
		}
	}
	writeColor(b, st.fg, "3", "9", "38")
	writeColor(b, st.bg, "4", "10", "48")
	b.WriteByte('m')
}

func writeColor(b *bytes.Buffer, c uint32, base, bright, ext string) {
	switch {
	case c == 0:
	case c&colorRGB != 0:
		b.WriteString(";" + ext + ";2;")
		b.WriteString(strconv.Itoa(int(c>>16) & 0xff))
		b.WriteByte(';')
		b.WriteString(strconv.Itoa(int(c>>8) & 0xff))
		b.WriteByte(';')
		b.WriteString(strconv.Itoa(int(c) & 0xff))
	case c&0xff < 8:
		b.WriteString(";" + base + strconv.Itoa(int(c&0xff)))
	case c&0xff < 16:
		b.WriteString(";" + bright + strconv.Itoa(int(c&0xff)-8))
	default:
		b.WriteString(";" + ext + ";5;")
		b.WriteString(strconv.Itoa(int(c & 0xff)))
	}
}

// Text returns the screen's characters, one line per row with trailing
// blanks removed: what a person would read on it.
func (s *Screen) Text() string {
	var b strings.Builder
	for _, line := range s.lines {
		var l strings.Builder
		for _, c := range line {
			switch c.r {
			case wideTail:
			case 0:
				l.WriteByte(' ')
			default:
				l.WriteRune(c.r)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
