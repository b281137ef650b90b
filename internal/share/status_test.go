package share

import (
	"testing"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

func TestStatusLine(t *testing.T) {
	const fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
	cases := []struct {
		name string
		e    wire.Event
		want string
	}{
		{"ssh helper", wire.Event{Type: wire.EventJoin, Name: "alice", Fingerprint: fp, Via: "ssh"}, "alice joined (key " + fp + ", via ssh)"},
		{"watcher", wire.Event{Type: wire.EventJoin, Name: "carol", Fingerprint: fp, Via: "ssh", ReadOnly: true}, "carol is watching (key " + fp + ", via ssh)"},
		{"browser helper has no key", wire.Event{Type: wire.EventJoin, Name: "Robin", Via: "web"}, "Robin joined (via web)"},
		{"nothing known", wire.Event{Type: wire.EventJoin, Name: "x"}, "x joined"},
		{"leave", wire.Event{Type: wire.EventLeave, Name: "alice", Fingerprint: fp}, "alice left"},
		{"message", wire.Event{Type: wire.EventMessage, Text: "reconnected"}, "reconnected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := statusLine(c.e); got != c.want {
				t.Errorf("statusLine = %q, want %q", got, c.want)
			}
		})
	}
}
