package share

import (
	"fmt"
	"strings"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// statusLine is what the host's terminal says about an event. A join names
// the helper's key by its SHA256 fingerprint, as ssh-keygen -l prints it,
// so the host can check it against the key the helper says they use; a
// helper in the browser has no key, and the line says how they came.
func statusLine(e wire.Event) string {
	switch e.Type {
	case wire.EventJoin:
		role := "joined"
		if e.ReadOnly {
			role = "is watching"
		}
		var how []string
		if e.Fingerprint != "" {
			how = append(how, "key "+e.Fingerprint)
		}
		if e.Via != "" {
			how = append(how, "via "+e.Via)
		}
		if len(how) == 0 {
			return fmt.Sprintf("%s %s", e.Name, role)
		}
		return fmt.Sprintf("%s %s (%s)", e.Name, role, strings.Join(how, ", "))
	case wire.EventLeave:
		return fmt.Sprintf("%s left", e.Name)
	default:
		return e.Text
	}
}
