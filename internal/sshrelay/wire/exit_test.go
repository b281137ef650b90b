package wire

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
)

func TestExitRequest(t *testing.T) {
	tests := []struct {
		name     string
		exit     Exit
		wantType string
	}{
		{"success", Exit{}, RequestExitStatus},
		{"status", Exit{Status: 7}, RequestExitStatus},
		{"largest status", Exit{Status: 1<<32 - 1}, RequestExitStatus},
		{"signal", Exit{Signal: "TERM", Message: "terminated"}, RequestExitSignal},
		{"core dump", Exit{Signal: "SEGV", CoreDumped: true}, RequestExitSignal},
		{"extension name", Exit{Signal: "SIG@openssh.com"}, RequestExitSignal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, payload := tt.exit.Request()
			if typ != tt.wantType {
				t.Fatalf("Request type %q, want %q", typ, tt.wantType)
			}
			got, err := ParseExit(typ, payload)
			if err != nil || got != tt.exit {
				t.Fatalf("ParseExit(Request()) = %+v, %v; want %+v", got, err, tt.exit)
			}
		})
	}
}

func TestParseExit(t *testing.T) {
	signal := func(name, msg string) []byte {
		return ssh.Marshal(exitSignal{Signal: name, Message: msg, Lang: "en"})
	}
	tests := []struct {
		name    string
		typ     string
		payload []byte
		want    Exit // when ok
		ok      bool
	}{
		{"status", RequestExitStatus, ssh.Marshal(struct{ Status uint32 }{3}), Exit{Status: 3}, true},
		{"short status", RequestExitStatus, []byte{0, 0, 3}, Exit{}, false},
		{"status with junk", RequestExitStatus, []byte{0, 0, 0, 3, 9}, Exit{}, false},
		{"signal, language dropped", RequestExitSignal, signal("KILL", "killed"), Exit{Signal: "KILL", Message: "killed"}, true},
		{"control characters dropped", RequestExitSignal, signal("INT", "\x1b[2Jgone\r\n\xff"), Exit{Signal: "INT", Message: "[2Jgone"}, true},
		{"long message cut", RequestExitSignal, signal("HUP", strings.Repeat("é", maxExitText)), Exit{Signal: "HUP", Message: strings.Repeat("é", maxExitText/2)}, true},
		{"no signal name", RequestExitSignal, signal("", "x"), Exit{}, false},
		{"signal name with a space", RequestExitSignal, signal("KI LL", ""), Exit{}, false},
		{"signal name with an escape", RequestExitSignal, signal("\x1b[31m", ""), Exit{}, false},
		{"long signal name", RequestExitSignal, signal(strings.Repeat("A", maxSignalName+1), ""), Exit{}, false},
		{"malformed signal", RequestExitSignal, []byte{0, 0, 0, 9, 'K'}, Exit{}, false},
		{"other request", "window-change", ssh.Marshal(struct{ Status uint32 }{0}), Exit{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExit(tt.typ, tt.payload)
			if !tt.ok {
				if err == nil {
					t.Fatalf("ParseExit accepted it: %+v", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseExit = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// Whatever a host sends, an accepted exit is one a helper's client may be
// given as is: it survives a round trip and its strings are plain.
func FuzzParseExit(f *testing.F) {
	for _, e := range []Exit{{Status: 7}, {Signal: "KILL", Message: "killed"}, {Signal: "SEGV", CoreDumped: true}} {
		typ, payload := e.Request()
		f.Add(typ == RequestExitSignal, payload)
	}
	f.Add(true, []byte{0, 0, 0, 1, 0x1b, 0})
	f.Fuzz(func(t *testing.T, signal bool, in []byte) {
		typ := RequestExitStatus
		if signal {
			typ = RequestExitSignal
		}
		e, err := ParseExit(typ, in)
		if err != nil {
			return
		}
		if strings.IndexFunc(e.Signal+e.Message, unicode.IsControl) >= 0 || !utf8.ValidString(e.Message) || len(e.Message) > maxExitText {
			t.Fatalf("accepted %+v", e)
		}
		gotType, payload := e.Request()
		if again, err := ParseExit(gotType, payload); err != nil || again != e {
			t.Fatalf("%+v does not survive a round trip: %+v, %v", e, again, err)
		}
	})
}
