package sshrelay_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/share"
)

// The host's terminal names a helper who joins by their key's fingerprint,
// exactly as ssh-keygen -l prints it for the helper's own key file, so the
// host can compare it with what the helper reads out to them.
func TestJoinLineShowsTheHelpersKeyFingerprint(t *testing.T) {
	e := newEnv(t)
	alice := e.key("alice")
	out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", alice.path).Output()
	if err != nil {
		t.Fatalf("ssh-keygen -l: %v", err)
	}
	fields := strings.Fields(string(out)) // 256 SHA256:… alice (ED25519)
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "SHA256:") {
		t.Fatalf("ssh-keygen printed %q", out)
	}
	h := e.share(func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	e.join(h.ID, alice, 80, 24)
	h.out.waitFor(t, "alice joined (key "+fields[1]+", via ssh)", wait)
}
