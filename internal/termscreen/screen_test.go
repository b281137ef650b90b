package termscreen

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
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
		"altscreen": "main\x1b[?1049h\x1b[H\x1b[2Jin vim\x1b[?1h\x1b=\x1b[?2004h",
		"region":    "\x1b[2;20r\x1b[5;1Hinside\x1b[3L\x1b[1;31m",
		"wide":      "日本語 text 😀 end",
		"modes":     "\x1b[?25l\x1b[?1000h\x1b[?1006h\x1b[4h",
		"erase":     "abcdef\x1b[3D\x1b[K",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			a := New(80, 24)
			a.Write([]byte(in))
			var b bytes.Buffer
			a.Render(&b, View{cols: 80, rows: 24})
			c := New(80, 24)
			c.Write(b.Bytes())
			if a.Text() != c.Text() {
				t.Fatalf("screen differs after render:\nwant %q\ngot  %q", a.Text(), c.Text())
			}
			sameCells(t, a.main, c.main)
			sameCells(t, a.lines, c.lines)
			if a.x != c.x || a.y != c.y || a.style != c.style || a.modes != c.modes || a.altActive != c.altActive || a.top != c.top || a.bot != c.bot {
				t.Fatalf("state differs after render:\n%+v\n%+v", a, c)
			}
		})
	}
}

// A character split across two writes is not lost.
func TestScreenSplitUTF8(t *testing.T) {
	in := []byte("€ and 😀 ok")
	for cut := 1; cut < len(in); cut++ {
		s := New(20, 2)
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
	s := New(120, 40)
	s.Write([]byte("\x1b[38;100Hhere"))
	v := s.ViewFor(80, 24)
	if v.cols != 80 || v.rows != 24 {
		t.Fatalf("view %+v", v)
	}
	if s.x < v.x || s.x >= v.x+v.cols || s.y < v.y || s.y >= v.y+v.rows {
		t.Fatalf("cursor %d,%d outside view %+v", s.x, s.y, v)
	}
	var b bytes.Buffer
	s.Render(&b, v)
	small := New(80, 24)
	small.Write(b.Bytes())
	if !strings.Contains(small.Text(), "here") {
		t.Fatalf("the helper's view does not show the cursor's line:\n%s", small.Text())
	}
	if s.Fits(80, 24) || !s.Fits(120, 40) || !s.Fits(200, 50) {
		t.Fatal("fits is wrong")
	}
}

func sameCells(t *testing.T, a, b [][]cell) {
	t.Helper()
	for y := range a {
		for x := range a[y] {
			if ca, cb := a[y][x], b[y][x]; ca != cb && !(ca.blank() && cb.blank()) {
				t.Fatalf("cell %d,%d: %+v, after render %+v", x, y, ca, cb)
			}
		}
	}
}

// The model does what a terminal does with what programs send.
func TestScreenModel(t *testing.T) {
	tests := []struct {
		name, in, want string
		cols, rows     int
	}{
		{"wrap", "abcdefgh", "abcde\nfgh\n\n", 5, 3},
		{"scroll", "1\r\n2\r\n3\r\n4", "2\n3\n4\n", 5, 3},
		{"cr overwrite", "hello\rJ", "Jello\n\n", 5, 2},
		{"erase line", "hello\x1b[3G\x1b[K", "he\n", 5, 1},
		{"erase display", "aa\r\nbb\x1b[1;1H\x1b[J", "\n\n", 5, 2},
		{"cursor moves", "\x1b[2;3Hx\x1b[Ay\x1b[2Dz", "  zy\n  x\n", 5, 2},
		{"insert line", "1\r\n2\r\n3\x1b[2;1H\x1b[L", "1\n\n2\n", 5, 3},
		{"delete char", "abcde\x1b[1;2H\x1b[2P", "ade\n", 5, 1},
		{"insert char", "abc\x1b[1;2H\x1b[2@", "a  bc\n", 5, 1},
		{"region scroll", "\x1b[2;3r\x1b[3;1Hx\ny\nz", "\n y\n  z\n", 5, 3}, // LF alone keeps the column
		{"reverse index", "\x1b[Mtop\x1bM", "\ntop\n", 5, 2},
		{"alt screen", "main\x1b[?1049halt\x1b[?1049l", "main\n", 5, 1},
		{"wide", "日本", "日本\n", 5, 1},
		{"wide wraps", "ab日本", "ab日\n本\n", 5, 2},
		{"tab", "a\tb", "a       b\n", 10, 1},
		{"osc skipped", "\x1b]0;title\x07ok\x1bP1$r\x1b\\!", "ok!\n", 5, 1},
		{"line drawing", "\x1b(0qx\x1b(Bq", "─│q\n", 5, 1},
		{"no autowrap", "\x1b[?7labcdefg", "abcdg\n", 5, 1},
		{"origin mode", "\x1b[2;3r\x1b[?6h\x1b[1;1Hx", "\nx\n\n", 5, 3},
		{"reset", "junk\x1bcok", "ok\n", 5, 1},
		{"split escape", "\x1b", "\n", 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cols, tt.rows)
			for i := range []byte(tt.in) {
				// Byte by byte, so that every sequence is split somewhere.
				s.Write([]byte(tt.in)[i : i+1])
			}
			if got := s.Text(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			whole := New(tt.cols, tt.rows)
			whole.Write([]byte(tt.in))
			if whole.Text() != tt.want {
				t.Fatalf("in one write: %q, want %q", whole.Text(), tt.want)
			}
		})
	}
}

func TestScreenResize(t *testing.T) {
	s := New(10, 5)
	s.Write([]byte("1\r\n2\r\n3\r\n4\r\n5"))
	s.Resize(4, 3)
	if got := s.Text(); got != "3\n4\n5\n" || s.y != 2 {
		t.Fatalf("after shrinking: %q, cursor row %d", got, s.y)
	}
	s.Resize(20, 6)
	if got := s.Text(); got != "3\n4\n5\n\n\n\n" {
		t.Fatalf("after growing: %q", got)
	}
}

func BenchmarkScreenWrite(b *testing.B) {
	var text bytes.Buffer
	for text.Len() < 1<<20 {
		text.WriteString("2026-11-23 03:21:48 INFO \x1b[32mok\x1b[0m request served in 12ms path=/api/v1/things\r\n")
	}
	s := New(80, 24)
	b.SetBytes(int64(text.Len()))
	for i := 0; i < b.N; i++ {
		s.Write(text.Bytes())
	}
}

func FuzzScreen(f *testing.F) {
	for _, s := range []string{"hello\r\nworld", "\x1b[31;1mred\x1b[0m", "\x1b[2J\x1b[10;10Hx", "\x1b[?1049h\x1b[Halt", "é€😀", "\x1b[38;2;1;2;3mrgb", "\x1b]0;title\x07", "\x1b[5;10r\x1b[10B\n\n\n"} {
		f.Add([]byte(s), uint8(20), uint8(5))
	}
	f.Fuzz(func(t *testing.T, in []byte, cols, rows uint8) {
		c, r := int(cols%120)+1, int(rows%50)+1
		s := New(80, 24)
		half := len(in) / 2
		s.Write(in[:half])
		s.Resize(c, r)
		s.Write(in[half:])
		var b bytes.Buffer
		s.Render(&b, s.ViewFor(max(c/2, 1), max(r/2, 1)))
		if !utf8.Valid(b.Bytes()) {
			t.Fatalf("render is not UTF-8: %q", b.Bytes())
		}
		// Drawing the screen on a blank terminal reproduces it.
		b.Reset()
		s.Render(&b, s.Whole())
		again := New(c, r)
		again.Write(b.Bytes())
		if again.Text() != s.Text() {
			t.Fatalf("render round trip:\n%q\n%q", s.Text(), again.Text())
		}
	})
}
