package wire

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/ssh"
)

// Requests on a terminal channel that say how the shared program ended
// (RFC 4254 6.10): the host sends one on ChannelTerminal before its EOF, and
// the server passes it on to every helper's session channel, so that a
// helper's ssh exits as the program did.
const (
	RequestExitStatus = "exit-status"
	RequestExitSignal = "exit-signal"
)

// Limits on an exit-signal's strings.
const (
	maxSignalName = 32
	maxExitText   = 256
)

// Exit is how the shared program ended: its exit status, or the signal
// that killed it.
type Exit struct {
	// Status is the exit status, when Signal is "".
	Status uint32
	// Signal is the signal that killed the program, named as in RFC 4254
	// without "SIG" ("TERM", "KILL", ...), or "" when it exited.
	Signal     string
	CoreDumped bool
	// Message explains the signal ("killed"); it may be "".
	Message string
}

// exitSignal is the payload of "exit-signal".
type exitSignal struct {
	Signal     string
	CoreDumped bool
	Message    string
	Lang       string
}

// Request returns the SSH channel request that tells e: its type and
// payload.
func (e Exit) Request() (string, []byte) {
	if e.Signal == "" {
		return RequestExitStatus, ssh.Marshal(struct{ Status uint32 }{e.Status})
	}
	return RequestExitSignal, ssh.Marshal(exitSignal{Signal: e.Signal, CoreDumped: e.CoreDumped, Message: e.Message})
}

// ParseExit decodes and checks an "exit-status" or "exit-signal" request.
// The signal's name must be short and plain; its message is cut to a few
// hundred bytes with control characters dropped, since helpers' clients may
// print it.
func ParseExit(typ string, payload []byte) (Exit, error) {
	switch typ {
	case RequestExitStatus:
		var m struct{ Status uint32 }
		if err := ssh.Unmarshal(payload, &m); err != nil {
			return Exit{}, fmt.Errorf("malformed %s: %v", typ, err)
		}
		return Exit{Status: m.Status}, nil
	case RequestExitSignal:
		var m exitSignal
		if err := ssh.Unmarshal(payload, &m); err != nil {
			return Exit{}, fmt.Errorf("malformed %s: %v", typ, err)
		}
		if m.Signal == "" || len(m.Signal) > maxSignalName || strings.IndexFunc(m.Signal, badSignalRune) >= 0 {
			return Exit{}, fmt.Errorf("%s: bad signal name %.40q", typ, m.Signal)
		}
		msg := strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == unicode.ReplacementChar {
				return -1
			}
			return r
		}, m.Message)
		if len(msg) > maxExitText {
			msg = strings.ToValidUTF8(msg[:maxExitText], "")
		}
		return Exit{Signal: m.Signal, CoreDumped: m.CoreDumped, Message: msg}, nil
	}
	return Exit{}, fmt.Errorf("%q is not an exit request", typ)
}

// badSignalRune reports whether r may not be in a signal name: names are
// letters and digits, and an extension's "@domain".
func badSignalRune(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("@.-_", r))
}
