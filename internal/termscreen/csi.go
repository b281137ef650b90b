package termscreen

// csiByte takes one byte of a CSI sequence: parameters, a private marker,
// intermediates, then the final byte that says what to do.
func (s *Screen) csiByte(c byte) {
	switch {
	case c >= '0' && c <= '9':
		if s.nparams == 0 {
			s.nparams = 1
			s.params[0] = -1
		}
		p := &s.params[s.nparams-1]
		if *p < 0 {
			*p = 0
		}
		if *p < 1<<16 {
			*p = *p*10 + int(c-'0')
		}
	case c == ';' || c == ':':
		if s.nparams == 0 {
			s.nparams = 1
			s.params[0] = -1
		}
		if s.nparams < len(s.params) {
			s.params[s.nparams] = -1
			s.nparams++
		}
	case c >= '<' && c <= '?':
		s.private = c
	case c >= 0x20 && c <= 0x2f:
		s.inter = c
	case c >= 0x40 && c <= 0x7e:
		s.state = stGround
		if s.inter == 0 {
			s.csi(c)
		}
	case c == 0x1b:
		s.state = stEsc
	case c == 0x18 || c == 0x1a:
		s.state = stGround
	case c < 0x20:
		s.control(c) // C0 controls act inside a sequence too
	}
}

// param returns parameter i, or def when it is absent or zero.
func (s *Screen) param(i, def int) int {
	if i >= s.nparams || s.params[i] <= 0 {
		return def
	}
	return s.params[i]
}

func (s *Screen) csi(final byte) {
	if s.private != 0 && final != 'h' && final != 'l' {
		return // replies, queries and private extensions: nothing to model
	}
	n := s.param(0, 1)
	switch final {
	case '@':
		line := s.lines[s.y]
		n = min(n, s.cols-s.x)
		copy(line[s.x+n:], line[s.x:])
		s.blank(line, s.x, s.x+n)
	case 'A':
		s.moveTo(s.x, max(s.y-n, s.minY()))
	case 'B', 'e':
		s.moveTo(s.x, min(s.y+n, s.maxY()))
	case 'C', 'a':
		s.moveTo(s.x+n, s.y)
	case 'D':
		s.moveTo(s.x-n, s.y)
	case 'E':
		s.moveTo(0, min(s.y+n, s.maxY()))
	case 'F':
		s.moveTo(0, max(s.y-n, s.minY()))
	case 'G', '`':
		s.moveTo(n-1, s.y)
	case 'H', 'f':
		s.moveOrigin(s.param(1, 1)-1, n-1)
	case 'd':
		s.moveOrigin(s.x, n-1)
	case 'J':
		s.eraseDisplay(s.param(0, 0))
	case 'K':
		s.eraseLine(s.param(0, 0))
	case 'L', 'M':
		if s.y < s.top || s.y > s.bot {
			return
		}
		if final == 'L' {
			s.scrollDown(s.y, n)
		} else {
			s.scrollUp(s.y, n)
		}
		s.x, s.wrapNext = 0, false
	case 'P':
		line := s.lines[s.y]
		n = min(n, s.cols-s.x)
		copy(line[s.x:], line[s.x+n:])
		s.blank(line, s.cols-n, s.cols)
	case 'X':
		s.blank(s.lines[s.y], s.x, s.x+n)
	case 'S':
		s.scrollUp(s.top, n)
	case 'T':
		s.scrollDown(s.top, n)
	case 'r':
		top, bot := s.param(0, 1)-1, s.param(1, s.rows)-1
		if top < bot && bot < s.rows {
			s.top, s.bot = top, bot
			s.moveOrigin(0, 0)
		}
	case 's':
		s.saveCursor()
	case 'u':
		s.restoreCursor()
	case 'm':
		s.sgr()
	case 'h', 'l':
		s.setModes(final == 'h')
	}
}

func (s *Screen) minY() int {
	if s.y >= s.top {
		return s.top
	}
	return 0
}

func (s *Screen) maxY() int {
	if s.y <= s.bot {
		return s.bot
	}
	return s.rows - 1
}

func (s *Screen) moveTo(x, y int) {
	s.x, s.y = clamp(x, 0, s.cols-1), clamp(y, 0, s.rows-1)
	s.wrapNext = false
}

// moveOrigin moves to x, y counted from the scroll region's top in origin
// mode.
func (s *Screen) moveOrigin(x, y int) {
	if s.modes.origin {
		s.moveTo(x, clamp(y+s.top, s.top, s.bot))
		return
	}
	s.moveTo(x, y)
}

func (s *Screen) eraseDisplay(mode int) {
	switch mode {
	case 0:
		s.blank(s.lines[s.y], s.x, s.cols)
		for _, l := range s.lines[s.y+1:] {
			s.blank(l, 0, s.cols)
		}
	case 1:
		for _, l := range s.lines[:s.y] {
			s.blank(l, 0, s.cols)
		}
		s.blank(s.lines[s.y], 0, s.x+1)
	case 2, 3:
		for _, l := range s.lines {
			s.blank(l, 0, s.cols)
		}
	}
}

func (s *Screen) eraseLine(mode int) {
	switch mode {
	case 0:
		s.blank(s.lines[s.y], s.x, s.cols)
	case 1:
		s.blank(s.lines[s.y], 0, s.x+1)
	case 2:
		s.blank(s.lines[s.y], 0, s.cols)
	}
}

func (s *Screen) sgr() {
	if s.nparams == 0 {
		s.style = style{}
		return
	}
	for i := 0; i < s.nparams; i++ {
		p := max(s.params[i], 0)
		switch {
		case p == 0:
			s.style = style{}
		case p >= 1 && p <= 9:
			s.style.attrs |= sgrSets[p]
		case p >= 21 && p <= 29:
			s.style.attrs &^= sgrClears[p-20]
		case p >= 30 && p <= 37:
			s.style.fg = colorPalette | uint32(p-30)
		case p >= 40 && p <= 47:
			s.style.bg = colorPalette | uint32(p-40)
		case p >= 90 && p <= 97:
			s.style.fg = colorPalette | uint32(p-90+8)
		case p >= 100 && p <= 107:
			s.style.bg = colorPalette | uint32(p-100+8)
		case p == 39:
			s.style.fg = 0
		case p == 49:
			s.style.bg = 0
		case p == 38 || p == 48:
			c, used := s.extColor(i + 1)
			i += used
			if c != 0 || used > 0 {
				if p == 38 {
					s.style.fg = c
				} else {
					s.style.bg = c
				}
			}
		}
	}
}

// sgrSets[n] is the attribute SGR n sets (1..9), and sgrClears[n] what
// SGR 20+n clears (21..29; 26 clears nothing).
var (
	sgrSets = [10]uint16{
		1: attrBold, 2: attrDim, 3: attrItalic, 4: attrUnderline, 5: attrBlink, 6: attrBlink,
		7: attrInverse, 8: attrHidden, 9: attrStrike,
	}
	sgrClears = [10]uint16{
		1: attrBold | attrDim, 2: attrBold | attrDim, 3: attrItalic, 4: attrUnderline, 5: attrBlink,
		7: attrInverse, 8: attrHidden, 9: attrStrike,
	}
)

// extColor reads "5;n" or "2;r;g;b" at parameter i and returns the colour
// and how many parameters it used.
func (s *Screen) extColor(i int) (uint32, int) {
	if i >= s.nparams {
		return 0, 0
	}
	switch s.params[i] {
	case 5:
		if i+1 < s.nparams {
			return colorPalette | uint32(clamp(s.params[i+1], 0, 255)), 2
		}
	case 2:
		if i+3 < s.nparams {
			r, g, b := clamp(s.params[i+1], 0, 255), clamp(s.params[i+2], 0, 255), clamp(s.params[i+3], 0, 255)
			return colorRGB | uint32(r)<<16 | uint32(g)<<8 | uint32(b), 4
		}
	}
	return 0, s.nparams - i
}

func (s *Screen) setModes(on bool) {
	for i := 0; i < max(s.nparams, 1); i++ {
		p := s.params[i]
		if s.private != '?' {
			if p == 4 {
				s.modes.insert = on
			}
			continue
		}
		switch p {
		case 1:
			s.modes.appCursor = on
		case 6:
			s.modes.origin = on
			s.moveOrigin(0, 0)
		case 7:
			s.modes.noWrap = !on
		case 25:
			s.modes.hideCursor = !on
		case 9, 1000, 1002, 1003:
			if on {
				s.modes.mouse = p
			} else if s.modes.mouse == p {
				s.modes.mouse = 0
			}
		case 1004:
			s.modes.focus = on
		case 1006:
			s.modes.mouseSGR = on
		case 2004:
			s.modes.paste = on
		case 1048:
			if on {
				s.saveCursor()
			} else {
				s.restoreCursor()
			}
		case 47, 1047, 1049:
			s.switchScreen(on, p == 1049)
		}
	}
}

// switchScreen enters or leaves the alternate screen; mode 1049 also saves
// and restores the cursor and clears the alternate screen on entry.
func (s *Screen) switchScreen(alt, withCursor bool) {
	if alt == s.altActive {
		return
	}
	if alt {
		if withCursor {
			s.altSaved = s.cursor()
		}
		s.lines, s.altActive = s.alt, true
		if withCursor {
			for _, l := range s.lines {
				s.blank(l, 0, s.cols)
			}
		}
		return
	}
	s.lines, s.altActive = s.main, false
	if withCursor {
		s.restore(s.altSaved)
	}
}
