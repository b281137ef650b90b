package sshrelay_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/cluster"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// peerEnv is one node of a two-node installation: its relay (testEnv,
// sharing the store, blob storage and host key with the other node) and
// the HTTP server at its node URL, which serves only what nodes say to
// each other.
type peerEnv struct {
	*testEnv
	url     string
	auth    *cluster.Auth
	closeLn func()
	link    *freezer     // between the other node and this one
	asked   atomic.Int32 // requests to its node URL
}

// newPeers starts two nodes, A and C, on one store, as `tandem serve` runs
// them with --node-url: each holds the leases of the sessions it runs and
// passes helpers of the other's sessions to it.
func newPeers(t *testing.T) (a, c *peerEnv) {
	t.Helper()
	dir := t.TempDir()
	db, bl := openStores(t, dir)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	signingKey := make([]byte, 32)
	rand.Read(signingKey)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := func() *peerEnv {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// Other nodes reach it through a link the test can cut, as if the
		// node died.
		link := newFreezer(t, ln.Addr().String())
		url := "http://" + link.addr()
		// Long leases: nothing here lets one lapse.
		node, err := lease.New(db, url, time.Minute, log)
		if err != nil {
			t.Fatal(err)
		}
		auth, err := cluster.NewAuth(signingKey, node.ID(), nil)
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, func(c *sshrelay.Config) {
			c.Store, c.Blobs, c.HostKey, c.Node, c.NodeAuth = db, bl, hostKey, node, auth
		})
		e.db, e.blobs = db, bl
		p := &peerEnv{testEnv: e, url: url, auth: auth, link: link}
		mux := http.NewServeMux()
		mux.HandleFunc("GET "+sshrelay.PeerJoinPath, func(w http.ResponseWriter, r *http.Request) {
			p.asked.Add(1)
			e.srv.ServePeerJoin(w, r)
		})
		hs := &http.Server{Handler: mux}
		go hs.Serve(ln)
		t.Cleanup(func() { hs.Close() })
		p.closeLn = func() { hs.Close() }
		return p
	}
	return start(), start()
}

// A helper whose ssh reaches a node that does not run their session is
// served by the node that does, through the first one, as if connected
// there: they see the host's screen, their window size and its changes
// apply, their input reaches the host (and is recorded when the host
// asked), a watcher's does not, and the session's end reaches them with
// the program's exit status.
func TestHelperThroughAnotherNode(t *testing.T) {
	a, c := newPeers(t)
	alice, carol := c.key("alice"), c.key("carol")
	h := c.share(func(cfg *share.Config) {
		cfg.AuthorizedKeys = []string{alice.authorized}
		cfg.ReadOnlyKeys = []string{carol.authorized}
		cfg.RecordInput = true
	})
	h.stdin.Write([]byte("echo before-$((6*7))\r"))
	h.out.waitFor(t, "before-42", wait)

	// A small window: alice sees the rows around the cursor, cut to her
	// 30 columns.
	al := a.join(h.ID, alice, 30, 8)
	h.out.waitFor(t, "alice joined", wait)
	al.out.waitFor(t, "before-42", wait)
	h.stdin.Write([]byte("echo wide-$((1+1)) \"$(printf '%50s' '')cut-off-1\"\r"))
	al.out.waitFor(t, "wide-2", wait)
	if strings.Contains(al.out.String(), "cut-off-1") {
		t.Fatalf("a 30-column helper on another node was sent a wider line:\n%q", al.out.String())
	}
	// Her window grows: the change reaches the session's node, which now
	// sends her whole lines.
	if err := pty.Setsize(al.pty, &pty.Winsize{Cols: 120, Rows: 30}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for n := 0; !strings.Contains(al.out.String(), "cut-off-wide"); n++ {
		if time.Now().After(deadline) {
			t.Fatalf("the window change did not reach the session's node:\n%q", al.out.String())
		}
		// Until the change has arrived, lines are cut: print another.
		h.stdin.Write([]byte(fmt.Sprintf("echo \"$(printf '%%50s' '')cut-off-wi\"de-%d\r", n)))
		time.Sleep(100 * time.Millisecond)
	}

	al.typeText("echo from-alice-$((20+1))\r")
	h.out.waitFor(t, "from-alice-21", wait)
	al.out.waitFor(t, "from-alice-21", wait)

	ca := a.join(h.ID, carol, 100, 30)
	h.out.waitFor(t, "carol is watching", wait)
	ca.out.waitFor(t, "from-alice-21", wait)
	ca.typeText("echo from-carol-$((20+3))\r")
	al.typeText("echo marker-$((20+4))\r")
	h.out.waitFor(t, "marker-24", wait)
	ca.out.waitFor(t, "marker-24", wait)
	if strings.Contains(h.out.String(), "from-carol") {
		t.Fatalf("a watcher's input, through another node, reached the host:\n%q", h.out.String())
	}

	al.typeText("exit 7\r")
	for _, x := range []*helperTerm{al, ca} {
		x.out.waitFor(t, "session has ended", wait)
		if code := x.exited(wait); code != 7 {
			t.Errorf("ssh through another node exited %d, want the program's 7; output:\n%q", code, x.out.String())
		}
	}
	if err := h.Wait(); err != nil {
		t.Fatalf("host: %v", err)
	}
	var joins, typed []string
	for _, en := range c.auditUntilEnd(t, h.ID) {
		switch en.Action {
		case "join":
			joins = append(joins, en.Actor)
		case "input":
			if en.Actor == "helper:"+alice.fp {
				typed = append(typed, en.Detail)
			}
		}
	}
	if len(joins) != 2 || !strings.Contains(strings.Join(typed, " "), "echo from-alice") {
		t.Errorf("audit: joins %q, alice's input %q; want alice and carol joining, and what alice typed (--record-input)", joins, typed)
	}
}

// ssh -L through another node reaches what the host offered, and what it
// did not offer is refused with the session node's message.
func TestForwardThroughAnotherNode(t *testing.T) {
	a, c := newPeers(t)
	alice := c.key("alice")
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello from the host's network")
	}))
	defer web.Close()
	webPort := web.Listener.Addr().(*net.TCPAddr).Port
	h := c.share(func(cfg *share.Config) {
		cfg.AuthorizedKeys = []string{alice.authorized}
		cfg.Forwards = []string{itoa(webPort)}
	})
	client := &http.Client{Timeout: 5 * time.Second}
	lp := freePort(t)
	a.startForward(h.ID, alice, "-L", fmt.Sprintf("%d:localhost:%d", lp, webPort), lp)
	for i := range 3 { // several connections over one helper connection
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", lp))
		if err != nil {
			t.Fatalf("forward %d through another node: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello from the host's network" {
			t.Fatalf("forward %d: got %q", i, body)
		}
	}

	other := freePort(t)
	lp2 := freePort(t)
	stderr := a.startForward(h.ID, alice, "-L", fmt.Sprintf("%d:localhost:%d", lp2, other), lp2)
	if resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", lp2)); err == nil {
		resp.Body.Close()
		t.Fatal("a forward the host did not offer answered")
	}
	stderr.waitFor(t, "the host does not offer localhost:"+itoa(other), wait)
}

// With --approve, a joiner through another node waits for the host's
// answer, given on the session's node.
func TestApproveThroughAnotherNode(t *testing.T) {
	a, c := newPeers(t)
	alice, bob := c.key("alice"), c.key("bob")
	h, asked, answers := c.shareApproving()

	al := a.join(h.ID, alice, 100, 30)
	if j := askedAbout(t, asked, "alice"); j.Fingerprint != alice.fp {
		t.Fatalf("the host was asked about %+v, want alice's key %s", j, alice.fp)
	}
	al.out.waitFor(t, "waiting for the host", wait)
	if strings.Contains(al.out.String(), "secret") {
		t.Fatalf("the joiner saw the terminal before the host said yes: %q", al.out.String())
	}
	answers <- true
	al.out.waitFor(t, "secret-42", wait)

	turnedAway(t, asked, answers, a.join(h.ID, bob, 100, 30))
}

// A key the session's node does not let in is refused, through another
// node, with that node's words; a session that ended says so; a node that
// runs a session but does not answer other nodes any more (it died, its
// lease not lapsed yet) gets its helpers a prompt "try again".
func TestRefusalsThroughAnotherNode(t *testing.T) {
	a, c := newPeers(t)
	alice, mallory := c.key("alice"), c.key("mallory")
	h := c.share(func(cfg *share.Config) { cfg.AuthorizedKeys = []string{alice.authorized} })

	code, out := a.refused(h.ID, mallory)
	if want := "your key " + mallory.fp + " may not join session " + h.ID; code != 255 || !strings.Contains(out, want) {
		t.Fatalf("mallory through another node: exit %d, %q; want 255 and %q", code, out, want)
	}

	c.closeLn()
	start := time.Now()
	code, out = a.refused(h.ID, alice)
	took := time.Since(start)
	if want := "the server of session " + h.ID + " does not answer; try again"; code != 255 || !strings.Contains(out, want) {
		t.Fatalf("alice while the session's node is gone: exit %d, %q; want 255 and %q", code, out, want)
	}
	if took > 5*time.Second {
		t.Errorf("the refusal took %v", took)
	}

	h.Close()
	h.Wait()
	deadline := time.Now().Add(wait)
	for {
		code, out := a.refused(h.ID, alice)
		if code == 255 && strings.Contains(out, "session "+h.ID+" has ended") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("exit %d, output %q; want the session ended", code, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The route where nodes pass helpers takes only requests a node of the
// installation signed, for exactly the key it signed: anyone else, or a
// signed request whose key was changed, is refused and joins nobody.
func TestForgedPeerJoinsAreRefused(t *testing.T) {
	_, c := newPeers(t)
	alice, mallory := c.key("alice"), c.key("mallory")
	h := c.share(func(cfg *share.Config) { cfg.AuthorizedKeys = []string{alice.authorized} })
	keyParam := func(k testKey) string {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k.authorized))
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(pk.Marshal())
	}
	path := c.url + strings.Replace(sshrelay.PeerJoinPath, "{id}", h.ID, 1)
	request := func(key string) *http.Request {
		r, err := http.NewRequest("GET", path+"?node="+c.auth.NodeID()+"&key="+key, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Upgrade", "tandem-ssh-helper")
		r.Header.Set(cluster.ClientAddrHeader, "203.0.113.9:5000")
		return r
	}
	other := make([]byte, 32)
	rand.Read(other)
	stranger, err := cluster.NewAuth(other, "node-stranger", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		want   string
	}{
		{"unsigned", func() *http.Request { return request(keyParam(alice)) }, http.StatusUnauthorized, "only the nodes of this installation"},
		{"another installation's key", func() *http.Request {
			r := request(keyParam(alice))
			stranger.Sign(r)
			return r
		}, http.StatusUnauthorized, "only the nodes of this installation"},
		{"key changed after signing", func() *http.Request {
			r := request(keyParam(mallory))
			c.auth.Sign(r)
			r.URL.RawQuery = "node=" + c.auth.NodeID() + "&key=" + keyParam(alice)
			return r
		}, http.StatusUnauthorized, "only the nodes of this installation"},
		{"signed, for another node", func() *http.Request {
			r := request(keyParam(alice))
			r.URL.RawQuery = "node=node-elsewhere&key=" + keyParam(alice)
			c.auth.Sign(r)
			return r
		}, http.StatusConflict, "check the nodes' --node-url"},
		{"signed, not an upgrade", func() *http.Request {
			r := request(keyParam(alice))
			r.Header.Del("Upgrade")
			r.Header.Del("Connection")
			c.auth.Sign(r)
			return r
		}, http.StatusBadRequest, "upgrade"},
		{"signed, not a key", func() *http.Request {
			r := request("AAAA")
			c.auth.Sign(r)
			return r
		}, http.StatusBadRequest, "not an SSH public key"},
		{"signed, a key the host did not allow", func() *http.Request {
			r := request(keyParam(mallory))
			c.auth.Sign(r)
			return r
		}, http.StatusForbidden, "your key " + mallory.fp + " may not join"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tt.req())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Fatalf("status %d, %s; want %d and %q", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
	h.stdin.Write([]byte("exit\r"))
	if err := h.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, en := range c.auditUntilEnd(t, h.ID) {
		if en.Action == "join" {
			t.Errorf("a forged request joined: %+v", en)
		}
	}
}

// A helper whose ssh offers several keys, the first of which the session's
// node refuses, gets in with the next one; the node is asked once per key,
// however often x/crypto asks about a key during the handshake.
func TestSeveralKeysThroughAnotherNode(t *testing.T) {
	a, c := newPeers(t)
	alice, mallory := c.key("alice"), c.key("mallory")
	h := c.share(func(cfg *share.Config) { cfg.AuthorizedKeys = []string{alice.authorized} })
	cmd := exec.Command("ssh", sshArgs(a.port, mallory, "-i", alice.path, "-T", h.ID+"@127.0.0.1")...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	h.out.waitFor(t, "alice joined", wait)
	if n := c.asked.Load(); n != 2 {
		t.Errorf("the session's node was asked %d times for two keys", n)
	}
	stdin.Close() // alice leaves
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ssh: %v; output %q", err, out.String())
		}
	case <-time.After(wait):
		t.Fatal("ssh did not exit when its input ended")
	}
	h.out.waitFor(t, "alice left", wait)
}

// A helper passed to the session's node who loses that node (it died: the
// connection between the nodes breaks) is told at once to join again, and
// can: the session carries on where its host is.
func TestSessionNodeLostMidSession(t *testing.T) {
	a, c := newPeers(t)
	alice := c.key("alice")
	h := c.share(func(cfg *share.Config) { cfg.AuthorizedKeys = []string{alice.authorized} })
	al := a.join(h.ID, alice, 100, 30)
	h.out.waitFor(t, "alice joined", wait)
	al.out.waitFor(t, "$", wait)

	c.link.kill()
	al.out.waitFor(t, "lost the session's server; join again", wait)
	if code := al.exited(wait); code != 255 {
		t.Errorf("ssh exited %d after losing the session's node, want 255 (no exit status)", code)
	}

	again := a.join(h.ID, alice, 100, 30)
	again.typeText("echo again-$((3*3))\r")
	h.out.waitFor(t, "again-9", wait)
}

// A session stored live that no node runs (its node stopped; or, with one
// server, one it does not know) is refused with a message, whether the
// server is one of several nodes or alone.
func TestLiveSessionNobodyRuns(t *testing.T) {
	a, _ := newPeers(t)
	single := newEnv(t)
	for _, tt := range []struct {
		name string
		e    *testEnv
		want string
	}{
		{"node", a.testEnv, "is waiting for its host to reconnect; try again"},
		{"single server", single, "no session"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := sshrelay.NewSessionID()
			if err := tt.e.db.CreateTerminal(context.Background(), &store.Terminal{ID: id, HostKey: "ssh-ed25519 AAAA gone", HostName: "build-01", CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			alice := tt.e.key("alice")
			if code, out := tt.e.refused(id, alice); code != 255 || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, %q; want 255 and %q", code, out, tt.want)
			}
		})
	}
}

// A node that drains (a rolling restart) tells the helpers it passes to
// other nodes to join again, and lets them go; their session goes on, and
// they join it again through another node.
func TestDrainLetsPassedHelpersGo(t *testing.T) {
	a, c := newPeers(t)
	alice := c.key("alice")
	h := c.share(func(cfg *share.Config) { cfg.AuthorizedKeys = []string{alice.authorized} })
	al := a.join(h.ID, alice, 100, 30)
	h.out.waitFor(t, "alice joined", wait)
	al.out.waitFor(t, "$", wait)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.srv.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	al.out.waitFor(t, "join again", wait)
	if code := al.exited(wait); code != 255 {
		t.Errorf("ssh exited %d when the node it reached drained, want 255", code)
	}
	again := c.join(h.ID, alice, 100, 30)
	again.typeText("echo still-here-$((5*5))\r")
	h.out.waitFor(t, "still-here-25", wait)
}
