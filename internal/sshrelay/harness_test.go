package sshrelay_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/backendtest"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// testEnv is a relay started by a test on 127.0.0.1, with a real store and
// blob storage: a SQLite file and a directory, or PostgreSQL and S3 when
// backendtest says so.
type testEnv struct {
	t     testing.TB
	dir   string
	srv   *sshrelay.Server
	db    store.Store
	blobs blobs.Store
	port  string
}

// openStores opens the store and blob storage backendtest selects (under
// dir when embedded); they are closed at the end of the test.
func openStores(t testing.TB, dir string) (store.Store, blobs.Store) {
	t.Helper()
	return backendtest.Open(t, dir)
}

func newEnv(t testing.TB, mutate ...func(*sshrelay.Config)) *testEnv {
	t.Helper()
	requireOpenSSH(t)
	dir := t.TempDir()
	ctx := context.Background()
	db, bl := openStores(t, dir)
	cfg := sshrelay.Config{
		Addr:             "127.0.0.1:0",
		HostKeyPath:      filepath.Join(dir, "ssh_host_ed25519_key"),
		Store:            db,
		Blobs:            bl,
		LivenessInterval: 300 * time.Millisecond,
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	// As `tandem serve` starts it.
	if err := sshrelay.EndAbandoned(ctx, cfg.Store, cfg.Node, cfg.HostGrace); err != nil {
		t.Fatal(err)
	}
	srv, err := sshrelay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx) }()
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		if err := srv.Close(cctx); err != nil {
			t.Errorf("close server: %v", err)
		}
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	_, port, _ := net.SplitHostPort(srv.Addr())
	return &testEnv{t: t, dir: dir, srv: srv, db: db, blobs: bl, port: port}
}

func requireOpenSSH(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("the OpenSSH client is needed: apt-get install -y openssh-client")
	}
}

// testKey is a helper's key pair on disk, as ssh -i wants it.
type testKey struct {
	path       string
	authorized string // authorized_keys line, with the name as comment
	fp         string
}

func (e *testEnv) key(name string) testKey {
	e.t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, name)
	if err != nil {
		e.t.Fatal(err)
	}
	path := filepath.Join(e.dir, "key-"+name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		e.t.Fatal(err)
	}
	spub, _ := ssh.NewPublicKey(pub)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spub))) + " " + name
	return testKey{path: path, authorized: line, fp: ssh.FingerprintSHA256(spub)}
}

// host is a host sharing /bin/sh in-process through package share.
type host struct {
	*share.Session
	stdin *io.PipeWriter
	out   *syncBuffer
}

func (e *testEnv) share(mutate func(*share.Config)) *host {
	e.t.Helper()
	inR, inW := io.Pipe()
	out := &syncBuffer{}
	cfg := share.Config{
		Server:         e.srv.Addr(),
		KeyPath:        filepath.Join(e.dir, "host_key"),
		KnownHostsPath: filepath.Join(e.dir, "known_hosts"),
		Command:        []string{"/bin/sh"},
		Env:            []string{"PS1=$ ", "ENV="},
		HostName:       "testhost",
		Stdin:          inR,
		Stdout:         out,
		Cols:           80,
		Rows:           24,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := share.Start(ctx, cfg)
	if err != nil {
		e.t.Fatalf("share: %v", err)
	}
	e.t.Cleanup(func() {
		s.Close()
		inW.Close()
	})
	h := &host{Session: s, stdin: inW, out: out}
	h.out.waitFor(e.t, "$ ", 10*time.Second)
	return h
}

// helperTerm is a real OpenSSH client on a PTY, as a helper runs it.
type helperTerm struct {
	t    testing.TB
	cmd  *exec.Cmd
	pty  *os.File
	out  *syncBuffer
	done chan struct{}
	err  error
}

// sshArgs are the options of every helper's ssh: batch mode, a test key,
// no known_hosts. Default log level, so that the server's messages show.
func sshArgs(port string, key testKey, extra ...string) []string {
	args := []string{"-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-i", key.path, "-p", port}
	return append(args, extra...)
}

// join starts `ssh -tt ID@127.0.0.1` with a window of cols x rows.
func (e *testEnv) join(id string, key testKey, cols, rows int) *helperTerm {
	e.t.Helper()
	cmd := exec.Command("ssh", sshArgs(e.port, key, "-tt", id+"@127.0.0.1")...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		e.t.Fatal(err)
	}
	h := &helperTerm{t: e.t, cmd: cmd, pty: f, out: &syncBuffer{}, done: make(chan struct{})}
	go func() {
		io.Copy(h.out, f)
	}()
	go func() {
		h.err = cmd.Wait()
		close(h.done)
	}()
	e.t.Cleanup(func() {
		cmd.Process.Kill()
		<-h.done
		f.Close()
	})
	return h
}

func (h *helperTerm) typeText(s string) {
	h.t.Helper()
	if _, err := h.pty.Write([]byte(s)); err != nil {
		h.t.Fatalf("type: %v", err)
	}
}

// exited waits for ssh to exit and returns its exit code.
func (h *helperTerm) exited(timeout time.Duration) int {
	h.t.Helper()
	select {
	case <-h.done:
	case <-time.After(timeout):
		h.t.Fatalf("ssh still running after %v; output:\n%q", timeout, h.out.String())
	}
	var ee *exec.ExitError
	if errors.As(h.err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

// syncBuffer collects output from one goroutine while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// syncBufferMax bounds what a syncBuffer keeps: the tests look for recent
// output, and the benchmarks push hundreds of megabytes through.
const syncBufferMax = 1 << 20

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) > syncBufferMax {
		keep := b.buf.Bytes()[b.buf.Len()/2:]
		b.buf = *bytes.NewBuffer(append([]byte(nil), keep...))
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the output contains s.
func (b *syncBuffer) waitFor(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(b.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within %v; got:\n%q", s, timeout, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// refused runs ssh as a helper whose join must fail, and returns its exit
// code and what it printed.
func (e *testEnv) refused(user string, key testKey) (int, string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", sshArgs(e.port, key, "-T", user+"@127.0.0.1")...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		e.t.Fatalf("ssh as %s: want failure, got %v: %s", user, err, out)
	}
	return ee.ExitCode(), string(out)
}

// freezer is a TCP proxy between a host and the server that can stop
// passing bytes without closing anything (a network cut) or close both
// ends (a killed process).
type freezer struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	conns  []net.Conn
}

func newFreezer(t testing.TB, target string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target}
	go f.serve()
	t.Cleanup(func() {
		ln.Close()
		f.kill()
	})
	return f
}

func (f *freezer) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, c, u)
		f.mu.Unlock()
		go f.copy(u, c)
		go f.copy(c, u)
	}
}

func (f *freezer) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		f.mu.Lock()
		frozen := f.frozen
		f.mu.Unlock()
		if frozen {
			// Swallow: like a cable pulled out, nothing arrives.
			if err != nil {
				return
			}
			continue
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

func (f *freezer) freeze() {
	f.mu.Lock()
	f.frozen = true
	f.mu.Unlock()
}

func (f *freezer) kill() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
}

func (f *freezer) addr() string { return f.ln.Addr().String() }

func itoa(n int) string { return strconv.Itoa(n) }

var _ = fmt.Sprintf

// shareApproving shares with --approve: the host's approver hands each
// joiner to asked and answers what the test sends on answers. The host
// has printed secret-42 before anyone joins.
func (e *testEnv) shareApproving() (h *host, asked chan share.Joiner, answers chan bool) {
	e.t.Helper()
	asked, answers = make(chan share.Joiner), make(chan bool)
	h = e.share(func(c *share.Config) {
		c.Approve = true
		c.Approver = func(ctx context.Context, j share.Joiner) bool {
			asked <- j
			select {
			case ok := <-answers:
				return ok
			case <-ctx.Done():
				return false
			}
		}
	})
	h.stdin.Write([]byte("echo secret-$((6*7))\r"))
	h.out.waitFor(e.t, "secret-42", wait)
	return h, asked, answers
}

// askedAbout waits until the host is asked about a joiner.
func askedAbout(t *testing.T, asked <-chan share.Joiner, who string) share.Joiner {
	t.Helper()
	select {
	case j := <-asked:
		return j
	case <-time.After(wait):
		t.Fatalf("the host was never asked about %s", who)
		return share.Joiner{}
	}
}

// turnedAway has the host say no to joiner, who is asked about now, and
// checks they are disconnected without seeing the terminal.
func turnedAway(t *testing.T, asked <-chan share.Joiner, answers chan<- bool, joiner *helperTerm) {
	t.Helper()
	askedAbout(t, asked, "the joiner to turn away")
	answers <- false
	joiner.out.waitFor(t, "did not let you in", wait)
	if code := joiner.exited(wait); code == 0 {
		t.Fatal("a turned-away joiner's ssh exited 0")
	}
	if strings.Contains(joiner.out.String(), "secret") {
		t.Fatalf("a turned-away joiner saw the terminal: %q", joiner.out.String())
	}
}
