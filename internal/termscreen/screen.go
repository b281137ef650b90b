// Package termscreen is a model of an xterm-compatible terminal's screen:
// fed the output a program writes to its terminal, it knows what that
// terminal shows (characters, colours, cursor, scroll region, alternate
// screen, and the modes that change what keys send), and can draw it, or a
// window of it, on another terminal in any state.
//
// Terminal assistance uses it to draw a shared terminal for a helper who
// joins late, fell behind, or has a smaller window than the host.
package termscreen

import (
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// Screen is the model of one terminal: every byte of a program's output
// goes through it, so that the screen as it is now can be drawn on another
// terminal. It understands what xterm-like programs send (cursor movement,
// erasing, scroll regions, SGR colours, the alternate screen, the modes that
// change what keys send) and ignores the rest. Plain text takes a fast path,
// since bulk output is mostly that.
//
// It is not safe for concurrent use; its owner locks it.
type Screen struct {
	cols, rows int
	main, alt  [][]cell
	lines      [][]cell // main or alt
	altActive  bool

	x, y      int
	style     style
	wrapNext  bool // the cursor is past the last column; the next character wraps
	top, bot  int  // scroll region, inclusive
	saved     savedCursor
	altSaved  savedCursor // the main screen's cursor, saved by mode 1049
	modes     modes
	lineDraw  bool // G0 is the DEC line-drawing set
	g0Pending bool

	// Parser state.
	state   parseState
	params  [16]int
	nparams int
	private byte
	inter   byte
	partial [utf8.UTFMax]byte
	npart   int
}

type cell struct {
	r  rune // 0: blank; wideTail: the right half of a wide character
	st style
}

const wideTail = -1

// style is how a cell is drawn. Colours: 0 is the default, 1<<24|n a
// palette index, 2<<24|rgb a true colour.
type style struct {
	fg, bg uint32
	attrs  uint16
}

const (
	attrBold = 1 << iota
	attrDim
	attrItalic
	attrUnderline
	attrBlink
	attrInverse
	attrHidden
	attrStrike
)

const (
	colorPalette = 1 << 24
	colorRGB     = 2 << 24
)

type savedCursor struct {
	x, y     int
	style    style
	lineDraw bool
	origin   bool
}

type modes struct {
	appCursor, appKeypad, hideCursor, noWrap, origin, insert bool
	mouse                                                    int // 0, 9, 1000, 1002 or 1003
	mouseSGR, focus, paste                                   bool
}

type parseState uint8

const (
	stGround parseState = iota
	stEsc
	stEscInter
	stCSI
	stString // OSC, DCS, APC, PM, SOS: skipped up to BEL or ST
	stStringEsc
)

// New returns a blank screen of cols x rows (both at least 1).
func New(cols, rows int) *Screen {
	s := &Screen{cols: cols, rows: rows}
	s.main, s.alt = newLines(cols, rows), newLines(cols, rows)
	s.lines = s.main
	s.top, s.bot = 0, rows-1
	return s
}

func newLines(cols, rows int) [][]cell {
	all := make([]cell, cols*rows)
	lines := make([][]cell, rows)
	for i := range lines {
		lines[i] = all[i*cols : (i+1)*cols : (i+1)*cols]
	}
	return lines
}

// Write feeds the host's output to the model.
func (s *Screen) Write(p []byte) {
	for i := 0; i < len(p); {
		c := p[i]
		if s.state == stGround {
			if c >= 0x20 && c < 0x7f && s.npart == 0 {
				j := i + 1
				for j < len(p) && p[j] >= 0x20 && p[j] < 0x7f {
					j++
				}
				s.printASCII(p[i:j])
				i = j
				continue
			}
			if c >= 0x80 || s.npart > 0 {
				i += s.printUTF8(p[i:])
				continue
			}
		}
		s.byte(c)
		i++
	}
}

// printUTF8 prints one character from p (possibly completing one split
// across writes) and returns how many bytes of p it used.
func (s *Screen) printUTF8(p []byte) int {
	if s.npart > 0 {
		n := copy(s.partial[s.npart:], p)
		buf := s.partial[:s.npart+n]
		if !utf8.FullRune(buf) {
			s.npart += n
			return n
		}
		r, size := utf8.DecodeRune(buf)
		used := size - s.npart
		s.npart = 0
		if used <= 0 {
			// The held bytes were not the start of a character.
			s.printRune(utf8.RuneError)
			return 0
		}
		s.printRune(r)
		return used
	}
	if !utf8.FullRune(p) {
		s.npart = copy(s.partial[:], p)
		return len(p)
	}
	r, size := utf8.DecodeRune(p)
	if r >= 0x80 && r < 0xa0 {
		return size // C1 controls: ignored
	}
	s.printRune(r)
	return size
}

func (s *Screen) printASCII(run []byte) {
	if s.lineDraw || s.modes.insert {
		for _, c := range run {
			s.printRune(rune(c))
		}
		return
	}
	for len(run) > 0 {
		if s.wrapNext {
			s.wrap()
		}
		line := s.lines[s.y]
		s.fixWideHead(line)
		n := min(len(run), s.cols-s.x)
		for k := 0; k < n; k++ {
			line[s.x+k] = cell{r: rune(run[k]), st: s.style}
		}
		s.fixWide(s.x + n)
		run = run[n:]
		if s.x+n >= s.cols {
			s.x = s.cols - 1
			if s.modes.noWrap {
				// Without autowrap the rest overwrites the last column.
				if len(run) > 0 {
					line[s.x] = cell{r: rune(run[len(run)-1]), st: s.style}
				}
				return
			}
			s.wrapNext = true
		} else {
			s.x += n
		}
	}
}

// fixWide blanks the tail of a wide character whose head was overwritten
// just before column x.
func (s *Screen) fixWide(x int) {
	if x < s.cols && s.lines[s.y][x].r == wideTail {
		s.lines[s.y][x] = cell{st: s.style}
	}
}

// fixWideHead blanks the head of a wide character whose tail is about to
// be overwritten at the cursor.
func (s *Screen) fixWideHead(line []cell) {
	if s.x > 0 && line[s.x].r == wideTail {
		line[s.x-1] = cell{st: line[s.x-1].st}
	}
}

func (s *Screen) printRune(r rune) {
	if s.lineDraw && r >= 0x5f && r <= 0x7e {
		r = lineDrawing[r-0x5f]
	}
	w := runewidth.RuneWidth(r)
	if w == 0 || w > s.cols {
		return // combining marks and the like: not modelled; or no room
	}
	if s.wrapNext {
		s.wrap()
	}
	if w == 2 && s.x == s.cols-1 {
		if s.modes.noWrap {
			return
		}
		s.lines[s.y][s.x] = cell{st: s.style}
		s.wrap()
	}
	line := s.lines[s.y]
	s.fixWideHead(line)
	if s.modes.insert {
		copy(line[s.x+w:], line[s.x:])
	}
	line[s.x] = cell{r: r, st: s.style}
	if w == 2 && s.x+1 < s.cols {
		line[s.x+1] = cell{r: wideTail, st: s.style}
	}
	s.fixWide(s.x + w)
	if s.x+w >= s.cols {
		s.x = s.cols - 1
		s.wrapNext = !s.modes.noWrap
	} else {
		s.x += w
	}
}

// lineDrawing is the DEC special graphics set for 0x5f..0x7e.
var lineDrawing = [32]rune{
	' ', '◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼',
	'⎺', '⎻', '─', '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
}

func (s *Screen) wrap() {
	s.wrapNext = false
	s.x = 0
	s.lineFeed()
}

func (s *Screen) lineFeed() {
	if s.y == s.bot {
		s.scrollUp(s.top, 1)
	} else if s.y < s.rows-1 {
		s.y++
	}
}

func (s *Screen) reverseIndex() {
	if s.y == s.top {
		s.scrollDown(s.top, 1)
	} else if s.y > 0 {
		s.y--
	}
}

// scrollUp moves lines top+n..bot up by n, blanking n lines at the bottom.
// Rows are swapped, not copied.
func (s *Screen) scrollUp(top, n int) {
	n = min(n, s.bot-top+1)
	if n <= 0 {
		return
	}
	region := s.lines[top : s.bot+1]
	rotate(region, n)
	for _, l := range region[len(region)-n:] {
		s.blank(l, 0, s.cols)
	}
}

func (s *Screen) scrollDown(top, n int) {
	n = min(n, s.bot-top+1)
	if n <= 0 {
		return
	}
	region := s.lines[top : s.bot+1]
	rotate(region, len(region)-n)
	for _, l := range region[:n] {
		s.blank(l, 0, s.cols)
	}
}

// rotate moves the first n rows to the end.
func rotate(rows [][]cell, n int) {
	if n == 0 || n == len(rows) {
		return
	}
	tmp := make([][]cell, n)
	copy(tmp, rows[:n])
	copy(rows, rows[n:])
	copy(rows[len(rows)-n:], tmp)
}

// blank erases line[from:to] with the current background, as xterm does.
func (s *Screen) blank(line []cell, from, to int) {
	c := cell{st: style{bg: s.style.bg}}
	for i := max(from, 0); i < min(to, len(line)); i++ {
		line[i] = c
	}
}

func (s *Screen) byte(c byte) {
	switch s.state {
	case stGround:
		s.control(c)
	case stEsc:
		s.esc(c)
	case stEscInter:
		if s.g0Pending {
			s.lineDraw = c == '0'
		}
		s.g0Pending = false
		s.state = stGround
	case stCSI:
		s.csiByte(c)
	case stString:
		switch c {
		case 0x07:
			s.state = stGround
		case 0x1b:
			s.state = stStringEsc
		case 0x18, 0x1a:
			s.state = stGround
		}
	case stStringEsc:
		if c == '\\' {
			s.state = stGround
		} else {
			s.state = stString
		}
	}
}

// control handles a C0 control character.
func (s *Screen) control(c byte) {
	switch c {
	case '\r':
		s.x, s.wrapNext = 0, false
	case '\n', '\v', '\f':
		s.wrapNext = false
		s.lineFeed()
	case '\b':
		if s.x > 0 {
			s.x--
		}
		s.wrapNext = false
	case '\t':
		s.x = min((s.x/8+1)*8, s.cols-1)
		s.wrapNext = false
	case 0x1b:
		s.state = stEsc
	}
}

func (s *Screen) esc(c byte) {
	s.state = stGround
	switch c {
	case '[':
		s.state = stCSI
		s.nparams, s.private, s.inter = 0, 0, 0
		s.params[0] = -1
	case ']', 'P', 'X', '^', '_':
		s.state = stString
	case '(':
		s.state, s.g0Pending = stEscInter, true
	case ')', '*', '+', '#', '%', ' ':
		s.state = stEscInter
	case '7':
		s.saveCursor()
	case '8':
		s.restoreCursor()
	case 'D':
		s.wrapNext = false
		s.lineFeed()
	case 'E':
		s.x, s.wrapNext = 0, false
		s.lineFeed()
	case 'M':
		s.wrapNext = false
		s.reverseIndex()
	case 'c':
		s.reset()
	case '=':
		s.modes.appKeypad = true
	case '>':
		s.modes.appKeypad = false
	case 0x1b:
		s.state = stEsc
	}
}

func (s *Screen) reset() {
	*s = *New(s.cols, s.rows)
}

func (s *Screen) saveCursor()    { s.saved = s.cursor() }
func (s *Screen) restoreCursor() { s.restore(s.saved) }

// cursor is what DECSC (and mode 1049) saves.
func (s *Screen) cursor() savedCursor {
	return savedCursor{x: s.x, y: s.y, style: s.style, lineDraw: s.lineDraw, origin: s.modes.origin}
}

// restore puts back a saved cursor, within the screen as it is now.
func (s *Screen) restore(c savedCursor) {
	s.x, s.y = min(c.x, s.cols-1), min(c.y, s.rows-1)
	s.style, s.lineDraw, s.modes.origin = c.style, c.lineDraw, c.origin
	s.wrapNext = false
}

// Resize changes the model's size, as the host's window changed. Lines
// that no longer fit below the cursor are dropped from the top, as xterm
// does, so that the cursor's line stays.
func (s *Screen) Resize(cols, rows int) {
	if cols == s.cols && rows == s.rows {
		return
	}
	slide := max(s.y-rows+1, 0)
	s.main = resized(s.main, cols, rows, slide)
	s.alt = resized(s.alt, cols, rows, slide)
	s.lines = s.main
	if s.altActive {
		s.lines = s.alt
	}
	s.cols, s.rows = cols, rows
	s.x, s.y = min(s.x, cols-1), s.y-slide
	s.top, s.bot = 0, rows-1
	s.wrapNext = false
}

func resized(old [][]cell, cols, rows, slide int) [][]cell {
	lines := newLines(cols, rows)
	for y := 0; y < rows && y+slide < len(old); y++ {
		copy(lines[y], old[y+slide])
		if cols < len(old[y+slide]) && runewidth.RuneWidth(lines[y][cols-1].r) == 2 {
			lines[y][cols-1] = cell{} // its right half was cut off
		}
	}
	return lines
}
