package clustertest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tandemhq/tandem/internal/clustertest"
)

// stream collects what a process writes to its terminal, and wakes those
// who wait for some text in it.
type stream struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newStream() *stream { return &stream{changed: make(chan struct{})} }

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

func (s *stream) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitMatch waits until the text written since offset matches re, and
// returns the submatches.
func (s *stream) waitMatch(ctx context.Context, from int, re *regexp.Regexp) ([]string, error) {
	for {
		s.mu.Lock()
		text, changed := s.buf.String(), s.changed
		s.mu.Unlock()
		if from < len(text) {
			if m := re.FindStringSubmatch(text[from:]); m != nil {
				return m, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("%q never appeared; the output since:\n%q", re, tail(text, from))
		}
	}
}

// len is how much was written so far: waits from there see only what
// follows.
func (s *stream) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Len()
}

func tail(text string, from int) string {
	if from > len(text) {
		from = len(text)
	}
	text = text[from:]
	if len(text) > 4000 {
		text = "…" + text[len(text)-4000:]
	}
	return text
}

// ptyProc is a process on a terminal of its own, as a person runs it.
type ptyProc struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd
	pty  *os.File
	out  *stream
	done chan struct{}
	err  error
}

func startOnPTY(t testing.TB, name string, cmd *exec.Cmd) *ptyProc {
	t.Helper()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &ptyProc{t: t, name: name, cmd: cmd, pty: f, out: newStream(), done: make(chan struct{})}
	go func() { _, _ = io.Copy(p.out, f) }()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		f.Close()
	})
	return p
}

// typeText writes to the process's terminal as if typed.
func (p *ptyProc) typeText(s string) {
	p.t.Helper()
	if _, err := p.pty.Write([]byte(s)); err != nil {
		p.t.Fatalf("type into %s: %v", p.name, err)
	}
}

// waitFor waits until text appears in what the process wrote since from.
func (p *ptyProc) waitFor(from int, text string, timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := p.out.waitMatch(ctx, from, regexp.MustCompile(regexp.QuoteMeta(text))); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// exited reports whether the process has exited.
func (p *ptyProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitCode is the process's exit status once it exited.
func (p *ptyProc) exitCode() int {
	<-p.done
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

// host is `tandem share` sharing /bin/sh through the SSH balancer.
type host struct {
	*ptyProc
	id string
}

var sharingLine = regexp.MustCompile(`Sharing this terminal as session (\S+)`)

// share starts `tandem share` on a terminal, letting helperKey join.
func share(t testing.TB, c *clustertest.Cluster, dir string, helperAuthorized string) *host {
	t.Helper()
	keys := filepath.Join(dir, "helpers")
	if err := os.WriteFile(keys, []byte(helperAuthorized+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "host-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.Bin, "share", "--server", c.SSH.Addr(), "--authorized-keys", keys, "--name", "clusterhost", "--", "/bin/sh")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "PS1=$ ", "ENV=", "TERM=xterm")
	p := startOnPTY(t, "the host (tandem share)", cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := p.out.waitMatch(ctx, 0, sharingLine)
	if err != nil {
		t.Fatalf("tandem share: %v", err)
	}
	h := &host{ptyProc: p, id: m[1]}
	h.waitFor(0, "$ ", 15*time.Second)
	return h
}

// sshJoin runs a helper's stock ssh into the session through the SSH
// balancer.
func sshJoin(t testing.TB, c *clustertest.Cluster, keyPath, id string) *ptyProc {
	t.Helper()
	cmd := exec.Command("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5",
		"-i", keyPath, "-p", c.SSH.Port(), "-tt", id+"@127.0.0.1")
	return startOnPTY(t, "the helper's ssh", cmd)
}

// helperJoins runs ssh until the helper is in the session (the host's
// prompt reached them after a marker they typed), or the deadline passes;
// each refused attempt (the session not served yet) is retried.
func helperJoins(t testing.TB, c *clustertest.Cluster, keyPath string, h *host, deadline time.Time, marker string) *ptyProc {
	t.Helper()
	var last *ptyProc
	for attempt := 1; ; attempt++ {
		p := sshJoin(t, c, keyPath, h.id)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		go func() {
			// A refused ssh exits at once: stop waiting for its prompt.
			select {
			case <-p.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		hostFrom := h.out.len()
		// The relay draws the screen as it is (with escape sequences
		// between the prompt's characters): the prompt's dollar.
		_, err := p.out.waitMatch(ctx, 0, regexp.MustCompile(`\$`))
		if err == nil {
			p.typeText("echo " + marker + "-$((40+2))\r")
			_, err = p.out.waitMatch(ctx, 0, regexp.MustCompile(regexp.QuoteMeta(marker+"-42")))
			if err == nil {
				_, err = h.out.waitMatch(ctx, hostFrom, regexp.MustCompile(regexp.QuoteMeta(marker+"-42")))
			}
		}
		cancel()
		if err == nil {
			return p
		}
		last = p
		if time.Now().After(deadline) {
			_ = last.cmd.Process.Kill()
			t.Fatalf("the helper could not join session %s in %d attempts: %v\nlast ssh output:\n%q\nthe host's output:\n%q",
				h.id, attempt, err, last.out.String(), tail(h.out.String(), 0))
		}
		_ = p.cmd.Process.Kill()
		<-p.done
		if attempt == 1 {
			t.Logf("the helper's first ssh into %s failed (%v): %q; trying again until %v",
				h.id, p.err, strings.TrimSpace(tail(p.out.String(), 0)), time.Until(deadline).Round(time.Millisecond))
		}
		// As a person would, not at once: the relay limits failed attempts.
		time.Sleep(500 * time.Millisecond)
	}
}

// quote is a pattern that matches text literally.
func quote(text string) *regexp.Regexp { return regexp.MustCompile(regexp.QuoteMeta(text)) }
