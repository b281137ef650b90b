package sshrelay

import (
	"bytes"
	"strings"
	"testing"
)

// Drawing the model's screen on a fresh terminal gives the same screen:
// what a late joiner is sent is what the others see.
func TestRenderRoundTrip(t *testing.T) {
	tests := map[string]string{
		"text":      "$ ls\r\nfile-a  file-b\r\n$ ",
		"colours":   "\x1b[31mred\x1b[0m \x1b[1;32mbold green\x1b[0m \x1b[38;5;200mpink\x1b[0m \x1b[48;2;10;20;30mrgb\x1b[0m",
		"reverse":   "\x1b[7m status line \x1b[0m",
		"moves":     "\x1b[2J\x1b[5;10Hmiddle\x1b[1;1Htop\x1b[24;70Hbottom",
		"scroll":    strings.Repeat("line\r\n", 40) + "last",
		"unicode":   "héllo wörld € ✓",
		"altscreen": "main\x1b[?1049h\x1b[H\x1b[2Jin vim",
		"erase":     "abcdef\x1b[3D\x1b[K",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			a := newScreen(80, 24)
			a.Write([]byte(in))
			var b bytes.Buffer
			a.Render(&b, view{cols: 80, rows: 24})
			c := newScreen(80, 24)
			c.Write(b.Bytes())
			if a.Text() != c.Text() {
				t.Fatalf("screen differs after render:\nwant %q\ngot  %q", a.Text(), c.Text())
			}
			for y := 0; y < 24; y++ {
				for x := 0; x < 80; x++ {
					if ga, gc := a.vt.Cell(x, y), c.vt.Cell(x, y); ga != gc && !(blank(ga) && blank(gc)) {
						t.Fatalf("cell %d,%d: %+v, after render %+v", x, y, ga, gc)
					}
				}
			}
			if a.vt.Cursor().X != c.vt.Cursor().X || a.vt.Cursor().Y != c.vt.Cursor().Y {
				t.Fatalf("cursor %+v, after render %+v", a.vt.Cursor(), c.vt.Cursor())
			}
		})
	}
}

// A character split across two writes is not lost.
func TestScreenSplitUTF8(t *testing.T) {
	in := []byte("€ and 😀 ok")
	for cut := 1; cut < len(in); cut++ {
		s := newScreen(20, 2)
		s.Write(in[:cut])
		s.Write(in[cut:])
		if got := strings.TrimSpace(strings.Split(s.Text(), "\n")[0]); got != string(in) {
			t.Fatalf("cut at %d: %q", cut, got)
		}
	}
}

// A helper whose window is smaller than the host's sees a window of the
// screen that holds the cursor, never lines wider than their own.
func TestViewportFollowsCursor(t *testing.T) {
	s := newScreen(120, 40)
	s.Write([]byte("\x1b[38;100Hhere"))
	v := s.viewFor(80, 24)
	if v.cols != 80 || v.rows != 24 {
		t.Fatalf("view %+v", v)
	}
	c := s.vt.Cursor()
	if c.X < v.x || c.X >= v.x+v.cols || c.Y < v.y || c.Y >= v.y+v.rows {
		t.Fatalf("cursor %d,%d outside view %+v", c.X, c.Y, v)
	}
	var b bytes.Buffer
	s.Render(&b, v)
	small := newScreen(80, 24)
	small.Write(b.Bytes())
	if !strings.Contains(small.Text(), "here") {
		t.Fatalf("the helper's view does not show the cursor's line:\n%s", small.Text())
	}
	if s.fits(80, 24) || !s.fits(120, 40) || !s.fits(200, 50) {
		t.Fatal("fits is wrong")
	}
}
