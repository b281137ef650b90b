package sshrelay

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseSessionID(f *testing.F) {
	for _, s := range []string{NewSessionID(), strings.ToUpper(NewSessionID()), "", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaab", "tandem-host", "../../etc/passwd", strings.Repeat("7", 26), "aaaaaaaaaaaaaaaaaaaaaaaaa\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseSessionID(s)
		if err != nil {
			return
		}
		if len(id) != sessionIDLen || !strings.EqualFold(id, s) || id != strings.ToLower(id) {
			t.Fatalf("ParseSessionID(%q) = %q", s, id)
		}
		again, err := ParseSessionID(id)
		if err != nil || again != id {
			t.Fatalf("canonical id %q does not parse to itself: %q, %v", id, again, err)
		}
		raw, err := sessionIDEncoding.DecodeString(id)
		if err != nil || len(raw) != sessionIDBytes {
			t.Fatalf("id %q does not carry %d bytes", id, sessionIDBytes)
		}
	})
}

func TestParseSessionID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := NewSessionID()
		if seen[id] {
			t.Fatalf("id %s twice", id)
		}
		seen[id] = true
		if got, err := ParseSessionID(id); err != nil || got != id {
			t.Fatalf("ParseSessionID(%q) = %q, %v", id, got, err)
		}
	}
	for _, bad := range []string{"", "short", "aaaaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaaaa-", "aaaaaaaaaaaaaaaaaaaaaaaaaab"} {
		if _, err := ParseSessionID(bad); err == nil {
			t.Errorf("ParseSessionID(%q) accepted", bad)
		}
	}
	// The last character carries 2 unused bits: only one spelling is valid.
	if _, err := ParseSessionID("aaaaaaaaaaaaaaaaaaaaaaaaab"); err == nil {
		t.Error("an id with unused bits set was accepted")
	}
}

func TestDropTerminalReplies(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ls\r", "ls\r"},
		{"\x1b[?62;22c", ""},                   // DA1
		{"\x1b[>1;10;0c", ""},                  // DA2
		{"a\x1b[12;40Rb", "ab"},                // CPR between keys
		{"\x1b[?1;2$y", ""},                    // DECRPM
		{"\x1b]11;rgb:0000/0000/0000\x07", ""}, // OSC colour
		{"\x1b]10;rgb:ffff/ffff/ffff\x1b\\x", "x"},
		{"\x1bP>|xterm(388)\x1b\\", ""},                    // XTVERSION
		{"\x1b[I\x1b[O", ""},                               // focus events
		{"\x1b[0n", ""},                                    // DSR ok
		{"\x1b[8;24;80t", ""},                              // window size report
		{"\x1b[?1u", ""},                                   // keyboard flags
		{"\x1b", "\x1b"},                                   // a lone ESC key
		{"\x1b[A\x1bOB\x1b[1;5C", "\x1b[A\x1bOB\x1b[1;5C"}, // arrows
		{"\x1b[15~\x1b[3~", "\x1b[15~\x1b[3~"},             // F5, Delete
		{"\x1b[<0;10;5M", "\x1b[<0;10;5M"},                 // a mouse click
		{"\x1b[200~pasted\x1b[201~", "\x1b[200~pasted\x1b[201~"},
		{"\x1b]unterminated", "\x1b]unterminated"},
	}
	for _, tt := range tests {
		got := string(dropTerminalReplies([]byte(tt.in)))
		if got != tt.want {
			t.Errorf("dropTerminalReplies(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzDropTerminalReplies(f *testing.F) {
	for _, s := range []string{"ls\r", "\x1b[?62;22c", "a\x1b[12;40Rb", "\x1b]11;rgb:0/0/0\x07", "\x1b", "\x1b[", "\x1b[?", "\x1bP\x1b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		out := dropTerminalReplies(in)
		if len(out) > len(orig) {
			t.Fatalf("output longer than input")
		}
		// The output is the input with whole pieces taken out, in order.
		j := 0
		for _, c := range out {
			for j < len(orig) && orig[j] != c {
				j++
			}
			if j == len(orig) {
				t.Fatalf("%q is not a subsequence of %q", out, orig)
			}
			j++
		}
		if !bytes.Contains(orig, []byte{0x1b}) && !bytes.Equal(out, orig) {
			t.Fatalf("input without ESC changed: %q -> %q", orig, out)
		}
	})
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31mred\x1b[0m\r\n", "\"\\", "\xff\xfe", "é€😀", "\u2028"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b := appendJSONString(nil, in)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("not JSON: %q: %v", b, err)
		}
		// Each byte that is not part of a character becomes one U+FFFD,
		// as converting to runes does (strings.ToValidUTF8 would replace
		// a whole run with one, which is not what is written).
		want := string([]rune(string(in)))
		if utf8.Valid(in) && got != string(in) || !utf8.Valid(in) && !utf8.ValidString(got) {
			t.Fatalf("round trip of %q gave %q (want %q)", in, got, want)
		}
		if got != want {
			t.Fatalf("round trip of %q gave %q, want %q", in, got, want)
		}
	})
}

func FuzzParseWebFrame(f *testing.F) {
	for _, s := range []string{`{"type":"input","data":"ls\r"}`, `{"type":"resize","cols":80,"rows":24}`, `{"type":"resize","cols":0,"rows":24}`, `{"type":"x"}`, `[]`, `{`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := ParseWebFrame(in)
		if err != nil {
			return
		}
		switch fr.Type {
		case "input":
		case "resize":
			if fr.Cols < 1 || fr.Rows < 1 {
				t.Fatalf("accepted size %dx%d", fr.Cols, fr.Rows)
			}
		default:
			t.Fatalf("accepted type %q", fr.Type)
		}
	})
}

// Whatever a client sends, what is logged of it is short, valid UTF-8, and
// free of control and reordering characters.
func FuzzLogSafe(f *testing.F) {
	for _, s := range []string{"alice", "\x1b[31mred\r\nforged", strings.Repeat("é", 300), "\u202eevil", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := logSafe(s)
		if len(got) > maxLogString+len("…[] bytes")+20 || !utf8.ValidString(got) {
			t.Fatalf("logSafe(%q) = %q", s, got)
		}
		for _, r := range got {
			if dropped(r) {
				t.Fatalf("logSafe(%q) kept %U", s, r)
			}
		}
		if len(s) <= maxLogString && utf8.ValidString(s) && strings.IndexFunc(s, dropped) < 0 && got != s {
			t.Fatalf("logSafe changed a plain string %q to %q", s, got)
		}
	})
}
