package sshrelay_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
)

// rawTerm is a real OpenSSH client on a PTY whose every output byte is
// kept, read as a terminal reads it: as fast as it comes.
type rawTerm struct {
	pty  *os.File
	mu   sync.Mutex
	all  bytes.Buffer
	wake chan struct{}
}

func (e *testEnv) joinRaw(port, id string, key testKey, cols, rows int) *rawTerm {
	e.t.Helper()
	cmd := exec.Command("ssh", sshArgs(port, key, "-tt", id+"@127.0.0.1")...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		e.t.Fatal(err)
	}
	r := &rawTerm{pty: f, wake: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, err := f.Read(buf)
			r.mu.Lock()
			r.all.Write(buf[:n])
			r.mu.Unlock()
			select {
			case r.wake <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	e.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
		<-done
	})
	return r
}

// waitFor waits until the output contains s and returns all of it.
func (r *rawTerm) waitFor(t testing.TB, s string, timeout time.Duration) []byte {
	t.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		if bytes.Contains(r.all.Bytes(), []byte(s)) {
			b := bytes.Clone(r.all.Bytes())
			r.mu.Unlock()
			return b
		}
		n := r.all.Len()
		r.mu.Unlock()
		select {
		case <-r.wake:
		case <-deadline:
			r.mu.Lock()
			got := r.all.String()
			r.mu.Unlock()
			t.Fatalf("no %q within %v (%d bytes): %.300q", s, timeout, n, got)
		}
	}
}

// numberedFile writes about size bytes of numbered lines, each carrying a
// hash of its number, and returns its path and the bytes a terminal shows
// for it (with the PTY's CR before each LF).
func numberedFile(t testing.TB, dir string, size int) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, "numbered.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	var shown bytes.Buffer
	for i, n := 0, 0; n < size; i++ {
		l := fmt.Sprintf("line %08d %x\n", i, sha256.Sum256([]byte(fmt.Sprint(i))))
		w.WriteString(l)
		n += len(l)
		shown.WriteString(l[:len(l)-1] + "\r\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path, shown.Bytes()
}

// between returns what out holds after the first start and before the
// following end.
func between(t testing.TB, out []byte, start, end string) []byte {
	t.Helper()
	i := bytes.Index(out, []byte(start))
	if i < 0 {
		t.Fatalf("no %q in the output", start)
	}
	rest := out[i+len(start):]
	j := bytes.Index(rest, []byte(end))
	if j < 0 {
		t.Fatalf("no %q after %q", end, start)
	}
	return rest[:j]
}

// sameBytes fails unless got is want, saying where they part.
func sameBytes(t testing.TB, who string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s received %d bytes (sha256 %x), the host wrote %d (sha256 %x); they differ from byte %d: got %.80q, want %.80q",
		who, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want), i, got[i:min(len(got), i+80)], want[i:min(len(want), i+80)])
}

// countingObserver counts resyncs, helpers and bytes.
type countingObserver struct {
	resyncs, helpers, sessions atomic.Int64
	out, delivered             atomic.Int64

	mu    sync.Mutex
	goals map[int64]chan struct{} // closed once out reaches the key
}

// reached returns a channel closed once the hosts' output reaches n bytes.
func (o *countingObserver) reached(n int64) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.goals == nil {
		o.goals = map[int64]chan struct{}{}
	}
	ch := make(chan struct{})
	o.goals[n] = ch
	return ch
}

func (o *countingObserver) TerminalSessions(d int) { o.sessions.Add(int64(d)) }
func (o *countingObserver) TerminalHelpers(d int)  { o.helpers.Add(int64(d)) }
func (o *countingObserver) TerminalOutput(n int) {
	total := o.out.Add(int64(n))
	o.mu.Lock()
	defer o.mu.Unlock()
	for goal, ch := range o.goals {
		if total >= goal {
			close(ch)
			delete(o.goals, goal)
		}
	}
}
func (o *countingObserver) TerminalDelivered(n int) { o.delivered.Add(int64(n)) }
func (o *countingObserver) TerminalResync()         { o.resyncs.Add(1) }

// A helper who reads as a terminal does receives exactly the bytes the
// host wrote, however fast the host writes: here a `cat` of 6 MB, through a
// network that holds the helper's output up for a moment.
func TestHelperWhoKeepsUpGetsEveryByte(t *testing.T) {
	obs := &countingObserver{}
	e := newEnv(t, func(c *sshrelay.Config) {
		c.Observer = obs
		c.HelperStall = 10 * time.Second
		c.LivenessInterval = 10 * time.Second // not under test; the flood keeps 2 cores busy
	})
	alice := e.key("alice")
	h := e.share(func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	path, want := numberedFile(t, e.dir, 6<<20)

	// Alice's network hiccups as the host starts a flood of output: for a
	// moment nothing reaches her, then it flows again. She must miss
	// nothing; the host's output waits for her (HelperStall is 10s). Had
	// the host not waited, its output would have passed 6 MB: that too
	// ends the hiccup, which is then long enough to lose bytes.
	link := newPausableLink(t, e.srv.Addr())
	a := e.joinRaw(link.port(), h.ID, alice, 80, 24)
	h.out.waitFor(t, "alice joined", wait)
	a.waitFor(t, "$", wait)
	link.pause()
	h.stdin.Write([]byte("echo START-$((1+1)); cat " + path + "; echo END-$((1+1))\r"))
	select {
	case <-obs.reached(int64(len(want))):
	case <-time.After(2 * time.Second): // the hiccup's length when the host waits
	}
	link.resume()
	out := a.waitFor(t, "END-2", 2*time.Minute)
	sameBytes(t, "the helper", between(t, out, "START-2\r\n", "END-2"), want)
	if n := obs.resyncs.Load(); n != 0 {
		t.Errorf("%d resyncs of a helper who kept up", n)
	}
}

// A helper who stops reading does not stop the session: the host's output
// waits for them only for Config.HelperStall, then they are skipped ahead,
// and when they read again they are told ("output skipped") and drawn the
// screen. The helper beside them, who kept reading, misses nothing.
func TestStalledHelperIsSkippedAndTold(t *testing.T) {
	obs := &countingObserver{}
	e := newEnv(t, func(c *sshrelay.Config) {
		c.Observer = obs
		c.HelperStall = 300 * time.Millisecond
		c.LivenessInterval = 10 * time.Second // not under test; the flood keeps 2 cores busy
	})
	alice, bob := e.key("alice"), e.key("bob")
	h := e.share(func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized, bob.authorized} })
	path, want := numberedFile(t, e.dir, 8<<20)
	a := e.joinRaw(e.port, h.ID, alice, 80, 24)
	h.out.waitFor(t, "alice joined", wait)
	a.waitFor(t, "$", wait)

	c := e.mustDial(h.ID, bob)

	// Bob's client stops reading: nothing takes his output from the pipe.
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	bobR, bobW := io.Pipe()
	defer bobR.Close()
	sess.Stdout = bobW
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	h.out.waitFor(t, "bob joined", wait)

	h.stdin.Write([]byte("echo START-$((1+1)); cat " + path + "; echo END-$((1+1))\r"))
	out := a.waitFor(t, "END-2", 2*time.Minute)
	sameBytes(t, "the helper who kept reading", between(t, out, "START-2\r\n", "END-2"), want)
	if n := obs.resyncs.Load(); n != 1 {
		t.Errorf("%d resyncs, want 1 (bob)", n)
	}

	// Bob reads again: he is told, and drawn the screen as it is.
	var bobOut syncBuffer
	go io.Copy(&bobOut, bobR)
	bobOut.waitFor(t, sshrelay.SkipNotice, wait)
	bobOut.waitFor(t, "END-2", wait)
}

// pausableLink is a TCP proxy to target whose replies can be held up for
// a while: a helper whose network hiccups.
type pausableLink struct {
	ln     net.Listener
	mu     sync.Mutex
	paused chan struct{} // closed when not paused
}

func newPausableLink(t testing.TB, target string) *pausableLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &pausableLink{ln: ln, paused: make(chan struct{})}
	close(l.paused)
	t.Cleanup(func() { ln.Close(); l.resume() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); u.Close() })
			go func() { io.Copy(u, c); u.Close() }()
			go func() {
				defer c.Close()
				buf := make([]byte, 16<<10)
				for {
					l.mu.Lock()
					gate := l.paused
					l.mu.Unlock()
					<-gate
					n, err := u.Read(buf)
					if n > 0 {
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l
}

func (l *pausableLink) pause() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.paused = make(chan struct{})
}

func (l *pausableLink) resume() {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.paused:
	default:
		close(l.paused)
	}
}

func (l *pausableLink) port() string {
	_, p, _ := net.SplitHostPort(l.ln.Addr().String())
	return p
}
