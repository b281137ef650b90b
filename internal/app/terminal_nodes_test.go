package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b.mu.Lock()
		got := b.buf.String()
		b.mu.Unlock()
		if strings.Contains(got, s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 15s; got %q", s, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two nodes on one store: a terminal shared on node C is joined by a
// helper's stock ssh on node A, which passes the helper to C through C's
// node URL (the route nodes use, signed with the installation's key, and
// the host key both nodes share); what the helper types reaches the host.
// The same route refuses a request no node signed.
func TestHelperOnAnotherNodeReachesTheHost(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("the OpenSSH client is needed: apt-get install -y openssh-client")
	}
	dir := t.TempDir()
	a := startNodeAt(t, dir, "a")
	c := startNodeAt(t, dir, "c")

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "alice")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "alice")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	authorized := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " alice"

	hostOut := &lockedBuffer{}
	hostIn, typing := io.Pipe()
	defer typing.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h, err := share.Start(ctx, share.Config{
		Server: c.SSHAddr(), KeyPath: filepath.Join(dir, "host_key"), KnownHostsPath: filepath.Join(dir, "known_hosts"),
		Command: []string{"/bin/sh"}, Env: []string{"PS1=$ ", "ENV="}, HostName: "build-01",
		Stdin: hostIn, Stdout: hostOut, Cols: 80, Rows: 24,
		AuthorizedKeys: []string{authorized},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	hostOut.waitFor(t, "$ ")

	_, port, _ := net.SplitHostPort(a.SSHAddr())
	cmd := exec.Command("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-i", keyPath, "-p", port, "-T", h.ID+"@127.0.0.1")
	helperIn, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	helperOut := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = helperOut, helperOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	hostOut.waitFor(t, "alice joined")
	io.WriteString(helperIn, "echo from-node-a-$((40+2))\n")
	hostOut.waitFor(t, "from-node-a-42")
	helperOut.waitFor(t, "from-node-a-42")

	// Anyone else at that route is refused.
	path := c.URL() + strings.Replace(sshrelay.PeerJoinPath, "{id}", h.ID, 1) + "?key=AAAA"
	req, _ := http.NewRequest("GET", path, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "tandem-ssh-helper")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unsigned request to the nodes' route: %d, want 401", resp.StatusCode)
	}
}
