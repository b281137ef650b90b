package sshrelay_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
)

// What a client chooses and the relay logs (its SSH user name, its client
// version, a host's name, a helper's name and terminal type) is cut short
// with a marker and stripped of control characters, so that a client can
// neither flood the log nor forge lines in it.
func TestClientStringsInLogsAreBounded(t *testing.T) {
	logged := &syncBuffer{}
	e := newEnv(t, func(c *sshrelay.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logged, nil))
	})
	const forged = "\x1b[31mevil\u202e\r\nlevel=ERROR msg=forged "
	alice := e.key("alice")
	// Alice's name is the comment the host gave her key.
	aliceLine := strings.TrimSuffix(alice.authorized, " alice") + " alice" + strings.Repeat("\x07", 3) + strings.Repeat("n", 300)
	h := e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{aliceLine}
		c.HostName = "host\x1b]0;title\x07" + strings.Repeat("h", 100)
		c.Term = "xterm\x1b[2J"
	})

	// A 200 KiB user name, with a client version of its own.
	huge := forged + strings.Repeat("u", 200<<10)
	evil := e.clientConfig(huge, alice)
	evil.ClientVersion = "SSH-2.0-Evil_" + strings.Repeat("v", 200)
	if c, err := ssh.Dial("tcp", e.srv.Addr(), evil); err == nil {
		c.Close()
		t.Fatal("a user name that is no session id was let in")
	}

	// Alice joins with a terminal type of her choosing.
	c := e.mustDial(h.ID, alice)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stdin, sess.Stdout = strings.NewReader(""), io.Discard
	if err := sess.RequestPty("xterm\x1b]2;x\x07"+strings.Repeat("t", 100), 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	logged.waitFor(t, "helper joined", wait)
	logged.waitFor(t, "join refused", wait)
	logged.waitFor(t, "session started", wait)

	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	for _, l := range lines {
		if len(l) > 2000 {
			t.Errorf("a log line of %d bytes: %.300q…", len(l), l)
		}
		// The text handler would show a control character as an escape.
		for _, bad := range []string{`\x1b`, `\x07`, `\r`, `\n`, `\u202e`, "\u202e", "\x1b"} {
			if strings.Contains(l, bad) {
				t.Errorf("a log line carries %q: %.300q", bad, l)
			}
		}
		if strings.HasPrefix(strings.TrimSpace(strings.SplitN(l, "msg=", 2)[1]), "forged") {
			t.Errorf("a forged log line: %q", l)
		}
	}
	for _, want := range []string{
		"[" + itoa(len(huge)) + " bytes]",         // the user name, cut
		"SSH-2.0-Evil_" + strings.Repeat("v", 40), // the client version, logged
		"alice" + strings.Repeat("n", 40),         // alice's name, without the bells
		"xterm]2;x" + strings.Repeat("t", 40),
		"host]0;title" + strings.Repeat("h", 40),
	} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logged.String())
		}
	}
}
