package sshrelay_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

const wait = 15 * time.Second

// Two helpers with stock ssh work in one host's shell: each one's input
// reaches the host, the output reaches both, a watcher's input is dropped,
// and a late joiner is drawn the screen as it is.
func TestHelpersShareOneTerminal(t *testing.T) {
	e := newEnv(t)
	alice, bob, carol, dave := e.key("alice"), e.key("bob"), e.key("carol"), e.key("dave")
	h := e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{alice.authorized, bob.authorized, dave.authorized}
		c.ReadOnlyKeys = []string{carol.authorized}
	})
	if !strings.Contains(h.JoinCommand, "ssh -p "+e.port+" "+h.ID+"@") {
		t.Fatalf("join command %q does not name the port and session", h.JoinCommand)
	}

	a := e.join(h.ID, alice, 100, 30)
	b := e.join(h.ID, bob, 100, 30)
	h.out.waitFor(t, "alice joined", wait)
	h.out.waitFor(t, "bob joined", wait)
	a.out.waitFor(t, "$", wait)
	b.out.waitFor(t, "$", wait)

	a.typeText("echo from-alice-$((20+1))\r")
	for _, out := range []*syncBuffer{h.out, a.out, b.out} {
		out.waitFor(t, "from-alice-21", wait)
	}
	b.typeText("echo from-bob-$((20+2))\r")
	for _, out := range []*syncBuffer{h.out, a.out, b.out} {
		out.waitFor(t, "from-bob-22", wait)
	}

	c := e.join(h.ID, carol, 100, 30)
	h.out.waitFor(t, "carol is watching", wait)
	c.out.waitFor(t, "from-bob-22", wait) // the late joiner sees the screen
	c.typeText("echo from-carol-$((20+3))\r")
	a.typeText("echo marker-$((20+4))\r")
	h.out.waitFor(t, "marker-24", wait)
	c.out.waitFor(t, "marker-24", wait)
	if strings.Contains(h.out.String(), "from-carol") {
		t.Fatalf("a watcher's input reached the host:\n%q", h.out.String())
	}

	// A helper who joins last gets the screen drawn, including output they
	// never saw pass by.
	d := e.join(h.ID, dave, 100, 30)
	d.out.waitFor(t, "from-alice-21", wait)
	d.out.waitFor(t, "marker-24", wait)

	// The host types too, and every helper sees it.
	h.stdin.Write([]byte("echo from-host-$((20+5))\r"))
	for _, out := range []*syncBuffer{a.out, b.out, c.out, d.out} {
		out.waitFor(t, "from-host-25", wait)
	}

	// The shell exits: every helper is told and disconnected.
	a.typeText("exit\r")
	for _, x := range []*helperTerm{a, b, c, d} {
		x.out.waitFor(t, "session has ended", wait)
		x.exited(wait)
	}
	if err := h.Wait(); err != nil {
		t.Fatalf("host: %v", err)
	}
	tm, err := e.db.TerminalByID(context.Background(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tm.EndedAt.IsZero() || tm.HostKey != "" || !strings.Contains(tm.EndReason, "exited") {
		t.Fatalf("terminal after exit: ended %v, key %q, reason %q", tm.EndedAt, tm.HostKey, tm.EndReason)
	}
}

// When the shared program ends, every helper's session ends as it did: with
// its exit status, which a helper's ssh exits with, or with the signal that
// killed it ("exit-signal", which OpenSSH's client reports by exiting 255
// and a Go client as the signal).
func TestHelpersExitAsTheProgram(t *testing.T) {
	tests := []struct {
		name       string
		typed      string // into the host's shell, by a helper
		wantCode   int    // OpenSSH's exit code
		wantStatus int    // as x/crypto's client sees it (128+n for signal n)
		wantSignal string
	}{
		{"status", "exit 7", 7, 7, ""},
		{"success", "exit 0", 0, 0, ""},
		{"signal", "kill -KILL $$", 255, 128 + 9, "KILL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, _, h, a, c := e.aliceInBobDialled(nil)
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			bobOut := &syncBuffer{}
			bobIn, typing := io.Pipe() // open: end of input would be bob leaving
			defer typing.Close()
			sess.Stdin, sess.Stdout = bobIn, bobOut
			if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
				t.Fatal(err)
			}
			if err := sess.Shell(); err != nil {
				t.Fatal(err)
			}
			h.out.waitFor(t, "bob joined", wait)

			a.typeText(tt.typed + "\r")
			if code := a.exited(wait); code != tt.wantCode {
				t.Errorf("alice's ssh exited %d, want %d; output:\n%q", code, tt.wantCode, a.out.String())
			}
			err = sess.Wait()
			status, signal := 0, ""
			var ee *ssh.ExitError
			if errors.As(err, &ee) {
				status, signal = ee.ExitStatus(), ee.Signal()
			} else if err != nil {
				t.Fatalf("bob's session: %v", err)
			}
			if status != tt.wantStatus || signal != tt.wantSignal {
				t.Errorf("bob's session ended with status %d, signal %q; want %d, %q", status, signal, tt.wantStatus, tt.wantSignal)
			}
			bobOut.waitFor(t, "session has ended: the shared program exited", wait)
			if err := h.Wait(); err != nil {
				t.Fatalf("host: %v", err)
			}
		})
	}
}

// A wrong id, an unknown id, a key the host did not allow and a session that
// has ended are refused with a message that says which.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	alice, mallory := e.key("alice"), e.key("mallory")
	h := e.share(func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })

	tests := []struct {
		name string
		user string
		key  testKey
		want string
	}{
		{"malformed id", "not-a-session", alice, "is not a session id"},
		{"unknown id", "aaaaaaaaaaaaaaaaaaaaaaaaaa", alice, "no session aaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{"key not allowed", h.ID, mallory, "your key " + mallory.fp + " may not join"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := e.refused(tt.user, tt.key)
			if code != 255 || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, output %q; want 255 and %q", code, out, tt.want)
			}
		})
	}

	h.Close()
	h.Wait()
	t.Run("ended", func(t *testing.T) {
		deadline := time.Now().Add(wait)
		for {
			code, out := e.refused(h.ID, alice)
			if code == 255 && strings.Contains(out, "session "+h.ID+" has ended") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("exit %d, output %q; want the session ended", code, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// A session that a previous run of the server left live (it was killed)
// is ended at start with the reason: a helper who tries to join is told,
// and the console lists it as ended.
func TestSessionsOfAPreviousRunEnd(t *testing.T) {
	id := sshrelay.NewSessionID()
	e := newEnv(t, func(c *sshrelay.Config) {
		if err := c.Store.CreateTerminal(context.Background(), &store.Terminal{ID: id, HostKey: "ssh-ed25519 AAAA old-host", HostName: "build-01", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	})
	alice := e.key("alice")
	if code, out := e.refused(id, alice); code != 255 || !strings.Contains(out, "session "+id+" has ended (server restarted)") {
		t.Fatalf("joining an abandoned session: exit %d, %q", code, out)
	}
	c := newConsole(t, e.srv, e.db, e.agent("Robin"))
	var one struct{ Terminal sshrelay.TerminalJSON }
	getJSON(t, c.URL+"/api/v1/terminals/"+id, c.signed, http.StatusOK, &one)
	if one.Terminal.Live || one.Terminal.EndedAt.IsZero() || one.Terminal.EndReason != "server restarted" {
		t.Fatalf("the console shows %+v", one.Terminal)
	}
	var live struct{ Terminals []sshrelay.TerminalJSON }
	getJSON(t, c.URL+"/api/v1/terminals?live=1", c.signed, http.StatusOK, &live)
	if len(live.Terminals) != 0 {
		t.Fatalf("live sessions after the restart: %+v", live.Terminals)
	}
}

// Repeated failures from one address are refused without being looked at.
func TestFailuresAreRateLimited(t *testing.T) {
	e := newEnv(t, func(c *sshrelay.Config) { c.FailureLimit = 3 })
	alice := e.key("alice")
	h := e.share(func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	for i := 0; i < 3; i++ {
		if _, out := e.refused("aaaaaaaaaaaaaaaaaaaaaaaaaa", alice); !strings.Contains(out, "no session") {
			t.Fatalf("attempt %d: %q", i, out)
		}
	}
	// Now even the right id and key are refused for a while.
	if _, out := e.refused(h.ID, alice); !strings.Contains(out, "too many failed attempts") {
		t.Fatalf("after the limit: %q", out)
	}
}

// A host that vanishes (network cut, or process killed) and does not come
// back ends its session within two liveness intervals and the host's grace
// (the time it has to resume): helpers are told and disconnected, and the
// host's key is deleted.
func TestHostGone(t *testing.T) {
	const grace = 500 * time.Millisecond
	for _, tt := range []struct {
		name   string
		cut    func(*freezer)
		reason string
	}{
		{"network cut", (*freezer).freeze, "host unreachable"},
		{"process killed", (*freezer).kill, "host disconnected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *sshrelay.Config) { c.HostGrace = grace })
			alice := e.key("alice")
			fz := newFreezer(t, e.srv.Addr())
			h := e.share(func(c *share.Config) {
				c.Server = fz.addr()
				c.AuthorizedKeys = []string{alice.authorized}
				c.KeepAlive = time.Hour // the host must not notice first
			})
			a := e.join(h.ID, alice, 100, 30)
			h.out.waitFor(t, "alice joined", wait)
			cut := time.Now()
			fz.ln.Close() // the host cannot come back either
			tt.cut(fz)
			a.out.waitFor(t, "session has ended: "+tt.reason, wait)
			a.exited(wait)
			tm, err := e.db.TerminalByID(context.Background(), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tm.HostKey != "" || !strings.HasPrefix(tm.EndReason, tt.reason) {
				t.Fatalf("after the host went: key %q, reason %q", tm.HostKey, tm.EndReason)
			}
			// The bound the server promises: two intervals after the last
			// sign of life, and the grace. Scheduling slack under -race on
			// 2 cores is allowed for; the benchmark-free bound is what
			// matters here.
			if took := tm.EndedAt.Sub(cut); took > 2*300*time.Millisecond+grace+700*time.Millisecond {
				t.Fatalf("session ended %v after the host went", took)
			}
			if took := tm.EndedAt.Sub(cut); took < grace*9/10 { // times are stored to the millisecond
				t.Fatalf("session ended %v after the host went, before its grace of %v", took, grace)
			}
			if tt.name == "process killed" {
				// The host saw its connection drop, tried to resume for
				// the grace the server gave it, and gave up saying so.
				select {
				case <-h.Done():
				case <-time.After(wait):
					t.Fatal("the host still tries to resume after its grace")
				}
				if err := h.Wait(); err == nil || !strings.Contains(err.Error(), "could not resume session "+h.ID) {
					t.Errorf("host ended with %v; want it to say it could not resume", err)
				}
			}
		})
	}
}

// startForward runs `ssh -N` with the given forwarding flag and waits until
// its local port accepts connections.
func (e *testEnv) startForward(id string, key testKey, flag, spec string, localPort int) *syncBuffer {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	cmd := exec.CommandContext(ctx, "ssh", sshArgs(e.port, key, "-N", flag, spec, id+"@127.0.0.1")...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(wait)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+itoa(localPort))
		if err == nil {
			c.Close()
			return stderr
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("forward %s %s never listened: %s", flag, spec, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// An HTTP server only the host offered is reachable through ssh -L; an
// address it did not offer is refused (the server dials nothing itself).
func TestForwardThroughHost(t *testing.T) {
	e := newEnv(t)
	alice, carol := e.key("alice"), e.key("carol")
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello from the host's network")
	}))
	defer web.Close()
	webPort := web.Listener.Addr().(*net.TCPAddr).Port
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "must not be reached")
	}))
	defer other.Close()
	otherPort := other.Listener.Addr().(*net.TCPAddr).Port

	h := e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{alice.authorized}
		c.ReadOnlyKeys = []string{carol.authorized}
		c.Forwards = []string{itoa(webPort)}
	})
	client := &http.Client{Timeout: 5 * time.Second}

	ok := freePort(t)
	e.startForward(h.ID, alice, "-L", fmt.Sprintf("%d:localhost:%d", ok, webPort), ok)
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", ok))
	if err != nil {
		t.Fatalf("through the offered forward: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello from the host's network" {
		t.Fatalf("got %q", body)
	}

	for _, tt := range []struct {
		name   string
		key    testKey
		target string
		want   string
	}{
		{"not offered", alice, fmt.Sprintf("localhost:%d", otherPort), "the host does not offer localhost:" + itoa(otherPort)},
		{"the server's own port", alice, "127.0.0.1:" + e.port, "the host does not offer 127.0.0.1:" + e.port},
		{"watcher", carol, fmt.Sprintf("localhost:%d", webPort), "watchers cannot use the host's network"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lp := freePort(t)
			stderr := e.startForward(h.ID, tt.key, "-L", fmt.Sprintf("%d:%s", lp, tt.target), lp)
			resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", lp))
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Fatalf("a forward the host did not offer answered: %q", b)
			}
			stderr.waitFor(t, tt.want, wait)
		})
	}
}

// With --proxy, ssh -D reaches what the host allows and nothing else.
func TestProxyThroughHost(t *testing.T) {
	e := newEnv(t)
	alice := e.key("alice")
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "proxied")
	}))
	defer web.Close()
	h := e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{alice.authorized}
		c.Proxy = true
		c.ProxyAllow = []string{web.Listener.Addr().String()}
	})
	lp := freePort(t)
	stderr := e.startForward(h.ID, alice, "-D", itoa(lp), lp)
	proxy, _ := url.Parse(fmt.Sprintf("socks5://127.0.0.1:%d", lp))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	resp, err := client.Get(web.URL)
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "proxied" {
		t.Fatalf("got %q", body)
	}
	if _, err := client.Get("http://127.0.0.1:" + e.port + "/"); err == nil {
		t.Fatal("the proxy reached an address the host does not allow")
	}
	stderr.waitFor(t, "the host does not offer 127.0.0.1:"+e.port, wait)
}

// With --approve a joiner sees nothing of the terminal until the host says
// yes, and a no disconnects them.
func TestApprove(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.key("alice"), e.key("bob")
	h, asked, answers := e.shareApproving()

	a := e.join(h.ID, alice, 100, 30)
	j := askedAbout(t, asked, "alice")
	if j.Fingerprint != alice.fp || j.Name != "key "+strings.TrimPrefix(alice.fp, "SHA256:")[:10] {
		t.Fatalf("asked about %+v, want alice's key %s", j, alice.fp)
	}
	a.out.waitFor(t, "waiting for the host", wait)
	// Output reaches only helpers attached to the session; while the host
	// is asked, alice is not one of them.
	c := newConsole(t, e.srv, e.db, e.agent("Robin"))
	var one struct{ Terminal sshrelay.TerminalJSON }
	getJSON(t, c.URL+"/api/v1/terminals/"+h.ID, c.signed, http.StatusOK, &one)
	if len(one.Terminal.Helpers) != 0 {
		t.Fatalf("helpers attached before the host said yes: %+v", one.Terminal.Helpers)
	}
	if strings.Contains(a.out.String(), "secret") {
		t.Fatalf("the joiner saw the terminal before the host said yes: %q", a.out.String())
	}
	answers <- true
	a.out.waitFor(t, "secret-42", wait)

	turnedAway(t, asked, answers, e.join(h.ID, bob, 100, 30))
}

// A helper whose window is smaller than the host's sees the part of the
// screen around the cursor; the answers a helper's terminal gives to the
// host program's queries never reach the host's shell.
func TestSmallWindowAndTerminalReplies(t *testing.T) {
	e := newEnv(t)
	alice := e.key("alice")
	h := e.share(func(c *share.Config) { c.AuthorizedKeys = []string{alice.authorized} })
	small := e.join(h.ID, alice, 30, 8)
	h.out.waitFor(t, "alice joined", wait)
	// Twenty lines down on the host's 24-row screen: a helper with 8 rows
	// sees the rows around the cursor, cut to their 30 columns.
	h.stdin.Write([]byte("seq 1 20; echo bottom-$((9*9)) \"$(printf '%50s' '')cut-off\"\r"))
	small.out.waitFor(t, "bottom-81", wait)
	if strings.Contains(small.out.String(), "cut-off") {
		t.Fatalf("a 30-column helper was sent a line wider than their window:\n%q", small.out.String())
	}

	// What a terminal answers to ESC[c, ESC[6n and an OSC 11 query,
	// then a command typed after them.
	small.typeText("\x1b[?62;22c\x1b[12;40R\x1b]11;rgb:0000/0000/0000\x07echo after-$((10*10))\r")
	h.out.waitFor(t, "after-100", wait)
	for _, stray := range []string{"62;22c", "12;40R", "rgb:0000"} {
		if strings.Contains(h.out.String(), stray) {
			t.Fatalf("a terminal reply reached the host as input (%q):\n%q", stray, h.out.String())
		}
	}
}
