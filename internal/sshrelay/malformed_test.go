package sshrelay_test

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// clientConfig is the Go SSH client's config for logging in as user with
// key.
func (e *testEnv) clientConfig(user string, key testKey) *ssh.ClientConfig {
	e.t.Helper()
	b, err := os.ReadFile(key.path)
	if err != nil {
		e.t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		e.t.Fatal(err)
	}
	return &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
}

// dialAs connects a Go SSH client to the relay as user with key.
func (e *testEnv) dialAs(user string, key testKey) (*ssh.Client, error) {
	e.t.Helper()
	return ssh.Dial("tcp", e.srv.Addr(), e.clientConfig(user, key))
}

// mustDial is dialAs that must succeed; the client is closed at the end of
// the test.
func (e *testEnv) mustDial(user string, key testKey) *ssh.Client {
	e.t.Helper()
	c, err := e.dialAs(user, key)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// aliceInBobDialled shares a session that alice and bob may join (mutate
// adds to the host's config), joins alice on a real ssh and waits until the
// host sees her, and dials bob with a Go SSH client (closed at the end of
// the test) that has not opened anything yet.
func (e *testEnv) aliceInBobDialled(mutate func(*share.Config)) (alice, bob testKey, h *host, a *helperTerm, c *ssh.Client) {
	e.t.Helper()
	alice, bob = e.key("alice"), e.key("bob")
	h = e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{alice.authorized, bob.authorized}
		if mutate != nil {
			mutate(c)
		}
	})
	a = e.join(h.ID, alice, 100, 30)
	h.out.waitFor(e.t, "alice joined", wait)
	c = e.mustDial(h.ID, bob)
	return alice, bob, h, a, c
}

// Whatever malformed thing a client sends gets a refusal and affects
// nothing else: the session and the other helpers go on.
func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	alice, _, h, a, c := e.aliceInBobDialled(func(c *share.Config) { c.Forwards = []string{"1"} })

	if ok, _, err := c.SendRequest("tcpip-forward", true, ssh.Marshal(struct {
		Addr string
		Port uint32
	}{"0.0.0.0", 8080})); err != nil || ok {
		t.Errorf("remote forward: ok=%v err=%v, want a refusal", ok, err)
	}
	for _, typ := range []string{"x11", "forwarded-tcpip", "direct-streamlocal@openssh.com", "garbage"} {
		if _, _, err := c.OpenChannel(typ, nil); err == nil {
			t.Errorf("channel %q accepted", typ)
		}
	}
	for _, payload := range [][]byte{nil, {1, 2, 3}, ssh.Marshal(&wire.DirectTCPIP{Host: "", Port: 80}), ssh.Marshal(&wire.DirectTCPIP{Host: "localhost", Port: 0})} {
		_, _, err := c.OpenChannel("direct-tcpip", payload)
		if err == nil || !strings.Contains(err.Error(), "tandem:") {
			t.Errorf("direct-tcpip %q: %v, want a refusal that says why", payload, err)
		}
	}

	ch, reqs, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	go ssh.DiscardRequests(reqs)
	for _, r := range []struct {
		typ     string
		payload []byte
	}{
		{"pty-req", []byte{0, 0}},
		{"pty-req", ssh.Marshal(&wire.PtyRequest{Term: "xterm", Cols: 100000, Rows: 5})},
		{"window-change", []byte("nonsense")},
		{"env", []byte{0xff}},
		{"subsystem", ssh.Marshal(struct{ Name string }{"sftp"})},
		{"no-such-request", nil},
	} {
		if ok, err := ch.SendRequest(r.typ, true, r.payload); ok && err == nil {
			t.Errorf("request %s %q accepted", r.typ, r.payload)
		}
	}
	// The session is unharmed: alice still works in it.
	a.typeText("echo unharmed-$((7*7))\r")
	h.out.waitFor(t, "unharmed-49", wait)
	a.out.waitFor(t, "unharmed-49", wait)

	// A host's bad registration is refused with the reason.
	for _, tt := range []struct {
		cfg  share.Config
		want string
	}{
		{share.Config{AuthorizedKeys: []string{alice.authorized}, Cols: 5000, Rows: 10}, "window size 5000x10 out of range"},
		{share.Config{}, "nobody could join"},
		{share.Config{AuthorizedKeys: []string{"ssh-ed25519 not-base64"}}, "authorized key"},
	} {
		cfg := tt.cfg
		cfg.Server, cfg.KeyPath, cfg.KnownHostsPath, cfg.Command = e.srv.Addr(), e.dir+"/host2", e.dir+"/kh2", []string{"/bin/true"}
		if _, err := share.Start(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("registration: %v, want %q", err, tt.want)
		}
	}
}
