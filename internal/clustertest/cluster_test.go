package clustertest_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/clustertest"
)

// reconnectBackoff is the longest the SDK and the console wait between two
// attempts to reconnect (web/shared/backoff, maxMs).
const reconnectBackoff = 5 * time.Second

// slack is what two shared cores, the race detector and Chromium add to
// every bound.
const slack = 10 * time.Second

// stepTimeout bounds a step that involves no failure.
const stepTimeout = 30 * time.Second

// clusterScene is the people of the test and where they are.
type clusterScene struct {
	t       *testing.T
	c       *clustertest.Cluster
	person  context.Context // the person's tab, on the site
	agents  map[string]context.Context
	channel *personChannel
	api     *apiClient
	assist  string
	host    *host
	helper  *ptyProc
	keyPath string
	typed   int // how many markers the person typed
}

// A person on node A, agents on B and C, a terminal host on C and its
// helper on A; then kill -9 of the assist's owner and of the terminal's
// owner, then a rolling restart with SIGTERM: every client is served again
// within the lease bound plus the reconnect backoff, nothing the person
// was told is stored is missing from the recording, the mirrors converge,
// and neither the assist nor the terminal session ends.
func TestClusterSurvivesKillAndRollingRestart(t *testing.T) {
	began := time.Now()
	c := clustertest.New(t, clustertest.Options{LeaseTTL: 3 * time.Second, Grace: 30 * time.Second})
	t.Logf("cluster ready in %v", time.Since(began).Round(time.Millisecond))
	a, b, cn := c.Node("A"), c.Node("B"), c.Node("C")
	site := c.AddSite("Cluster shop")
	alex := c.AddAgent("alex@example.com", "Alex")
	sam := c.AddAgent("sam@example.com", "Sam")
	keyPath, authorized := helperKey(t, t.TempDir())

	browser := browsertest.Start(t, browsertest.Options{})
	s := &clusterScene{t: t, c: c, keyPath: keyPath, agents: map[string]context.Context{}}
	s.person = browsertest.NewContext(t, browser, 4*time.Minute)
	s.agents["Alex"] = browsertest.NewContext(t, browser, 4*time.Minute)
	s.agents["Sam"] = browsertest.NewContext(t, browser, 4*time.Minute)
	s.channel = watchPersonChannel(t, s.person)
	s.api = signInAPI(t, c, alex)

	// Alex's console on B, Sam's on C.
	for _, x := range []struct {
		who   string
		agent clustertest.Agent
		node  *clustertest.Node
	}{{"Alex", alex, b}, {"Sam", sam, cn}} {
		c.HTTP.Pin(x.node)
		signIn(t, s.agents[x.who], c, x.agent)
		browsertest.WaitJS(t, s.agents[x.who], x.who+"'s empty queue", `document.body.innerText.includes('No one is waiting')`, stepTimeout)
	}

	// The person, on A, asks for help: the request is in both queues.
	c.HTTP.Pin(a)
	browsertest.Run(t, s.person, "open the site's form", chromedp.Navigate(site.URL+"/form.html"))
	browsertest.ClickSDK(t, s.person, "help")
	browsertest.WaitJS(t, s.person, "the waiting message", browsertest.SDKUI("cancel"), stepTimeout)
	if err := s.channel.waitUntil(time.Now().Add(stepTimeout), func(st channelState) bool { return st.welcomes >= 1 }); err != nil {
		t.Fatalf("the person's channel never opened: %v", err)
	}
	c.HTTP.Unpin()
	waiting := `document.querySelector('[data-testid=queue-item][data-state=waiting]')`
	for who, ctx := range s.agents {
		browsertest.WaitJS(t, ctx, "the request in "+who+"'s queue (queue updates on every node)", waiting, stepTimeout)
	}
	s.assist = browsertest.Eval[string](t, s.agents["Alex"], waiting+`.dataset.assistId`)
	if other := browsertest.Eval[string](t, s.agents["Sam"], waiting+`.dataset.assistId`); other != s.assist {
		t.Fatalf("Alex's queue shows %s, Sam's %s", s.assist, other)
	}

	// Alex accepts from B; the person allows; Alex sees the page.
	c.HTTP.Pin(b)
	browsertest.Run(t, s.agents["Alex"], "Alex accepts", chromedp.Click(`[data-testid=queue-item][data-state=waiting] [data-testid=accept]`))
	browsertest.ClickSDK(t, s.person, "allow")
	browsertest.WaitJS(t, s.agents["Alex"], "Alex's mirror", browsertest.MirrorDoc+`?.querySelector('form')`, stepTimeout)
	// Sam opens the assist from C.
	c.HTTP.Pin(cn)
	browsertest.Run(t, s.agents["Sam"], "Sam opens the assist", chromedp.Navigate(c.PublicURL()+"/console/assists/"+s.assist))
	browsertest.WaitJS(t, s.agents["Sam"], "Sam's mirror", browsertest.MirrorDoc+`?.querySelector('form')`, stepTimeout)
	c.HTTP.Unpin()
	s.personTypes(time.Now().Add(stepTimeout), "before")

	// The terminal: its host on C, its helper on A.
	c.SSH.Pin(cn)
	s.host = share(t, c, t.TempDir(), authorized)
	c.SSH.Pin(a)
	s.helper = helperJoins(t, c, keyPath, s.host, time.Now().Add(stepTimeout), "from-helper")
	c.SSH.Unpin()
	from := s.helper.out.len()
	s.host.typeText("echo from-host-$((40+2))\r")
	s.helper.waitFor(from, "from-host-42", stepTimeout)
	t.Logf("assist %s and terminal %s live after %v", s.assist, s.host.id, time.Since(began).Round(time.Millisecond))

	// kill -9 the assist's owner before anything is stored (on S3 a
	// recording gathers 30 s per chunk): the SDK holds every frame, and
	// resends what the new owner lacks. Then again once a chunk is stored:
	// the new owner continues the recording after it. Then the terminal's
	// owner.
	s.killOwner(s.assist, "the assist")
	s.storeAChunk()
	s.killOwner(s.assist, "the assist")
	s.killOwner(s.host.id, "the terminal session")

	// Rolling restart: each node in turn drains (SIGTERM), comes back, and
	// is ready before the next goes.
	for _, n := range c.Nodes {
		stopped := time.Now()
		n.Stop()
		t.Logf("%v drained and exited in %v", n, time.Since(stopped).Round(time.Millisecond))
		n.Restart()
		if err := c.HTTP.WaitReady(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		s.everyoneServed(time.Now().Add(reconnectBackoff+slack), "after "+n.Name+"'s restart")
	}
	s.checkNotEnded()

	// Alex ends the assist: its recording, read back through the API,
	// holds every frame the person was told was stored, through two kills
	// and three drains.
	s.api.post("/api/v1/assists/" + s.assist + "/end")
	if err := s.channel.waitUntil(time.Now().Add(stepTimeout), func(st channelState) bool { return st.ended > 0 }); err != nil {
		t.Fatalf("the person was not told the assist ended: %v", err)
	}
	s.checkRecording("after the rolling restart")
	t.Logf("whole test: %v", time.Since(began).Round(time.Millisecond))
}

// killOwner kills the node that owns the session with SIGKILL, checks that
// every client is served again within the lease bound plus the reconnect
// backoff and that nothing acknowledged was lost, and restarts the node.
func (s *clusterScene) killOwner(id, what string) {
	t, c := s.t, s.c
	t.Helper()
	owner := c.Owner(context.Background(), id)
	if owner == nil {
		t.Fatalf("%s %s has no owner node", what, id)
	}
	ownsAssist := c.Owner(context.Background(), s.assist) == owner
	_, stored, welcomes, _ := s.channel.snapshot()
	killed := time.Now()
	owner.Kill()
	bound := killed.Add(c.LeaseTTL() + reconnectBackoff + slack)
	t.Logf("killed %v, the owner of %s; %d frames stored so far", owner, what, stored)

	if ownsAssist {
		// The person's SDK is welcomed again, by a node that holds
		// everything the person was told was stored (the welcome's ack
		// says what it holds; the recording itself is read once the
		// assist ends).
		if err := s.channel.waitUntil(bound, func(st channelState) bool { return st.welcomes > welcomes }); err != nil {
			t.Fatalf("after %v was killed, the person was not served again within %v: %v",
				owner, bound.Sub(killed).Round(time.Millisecond), err)
		}
		t.Logf("the person was served again %v after the kill", time.Since(killed).Round(time.Millisecond))
		if ack := s.channel.welcomeAck(welcomes); ack < stored {
			// Not fatal: what follows still says whether the clients are served.
			t.Errorf("after %v was killed, the node that took the assist over welcomed the person with ack %d: it lacks frames the person was told were stored (up to %d)",
				owner, ack, stored)
		}
	}
	s.everyoneServed(bound, "after "+owner.Name+" was killed")
	if newOwner := c.Owner(context.Background(), id); newOwner == nil || newOwner == owner {
		t.Fatalf("after %v was killed, %s is held by %v", owner, what, newOwner)
	}
	owner.Restart()
	if err := c.HTTP.WaitReady(context.Background(), owner); err != nil {
		t.Fatal(err)
	}
}

// storeAChunk has the person's page change by more than a recording chunk
// holds (256 KiB), then a little more, which stores a chunk at once, and
// waits until the person is told it is stored.
func (s *clusterScene) storeAChunk() {
	t := s.t
	t.Helper()
	_, before, _, _ := s.channel.snapshot()
	browsertest.Run(t, s.person, "a large change on the page", chromedp.Evaluate(`document.getElementById('result').textContent = 'a large result '.repeat(20000); true`, nil))
	// The chunk is stored when the next frame starts another one.
	s.personTypes(time.Now().Add(stepTimeout), "chunk")
	if err := s.channel.waitUntil(time.Now().Add(stepTimeout), func(st channelState) bool { return st.stored > before }); err != nil {
		t.Fatalf("the person was never told a chunk was stored: %v", err)
	}
	_, after, _, _ := s.channel.snapshot()
	t.Logf("frames up to %d stored", after)
}

// everyoneServed checks every client is served by the cluster by the
// deadline: the person types and both agents' mirrors show it, and the
// helper (again, with a fresh ssh if theirs was cut) and the host reach
// each other.
func (s *clusterScene) everyoneServed(deadline time.Time, when string) {
	t := s.t
	t.Helper()
	s.personTypes(deadline, when)
	if s.helper.exited() {
		t.Logf("%s: the helper's ssh exited (%d); the helper runs it again", when, s.helper.exitCode())
		s.helper = helperJoins(t, s.c, s.keyPath, s.host, deadline, "helper-back")
	}
	from := s.helper.out.len()
	s.host.typeText("echo host-still-$((40+2))\r")
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if _, err := s.helper.out.waitMatch(ctx, from, quote("host-still-42")); err != nil {
		t.Fatalf("%s: the helper does not see the host's output: %v\nthe host's output:\n%q", when, err, tail(s.host.out.String(), 0))
	}
	t.Logf("%s: everyone served again", when)
}

// personTypes has the person type a new marker into the form; both agents'
// mirrors must show it by the deadline.
func (s *clusterScene) personTypes(deadline time.Time, when string) {
	t := s.t
	t.Helper()
	s.typed++
	browsertest.Run(t, s.person, "the person types", chromedp.SendKeys(`#name`, " "+when+"-"+string(rune('a'+s.typed%26))))
	for who, ctx := range s.agents {
		at := mirrorConverges(t, s.person, ctx, when+": "+who+"'s mirror", deadline)
		t.Logf("%s: %s's mirror matches the page (%v before the bound)", when, who, deadline.Sub(at).Round(time.Millisecond))
	}
}

// checkNotEnded checks the assist is live and the terminal session open,
// and that the person was never told the assist ended.
func (s *clusterScene) checkNotEnded() {
	t := s.t
	t.Helper()
	if state, reason := s.api.assistState(s.assist); state != "live" {
		t.Errorf("the assist is %s (%s), want live", state, reason)
	}
	if _, _, _, ended := s.channel.snapshot(); len(ended) > 0 {
		t.Errorf("the person was told the assist ended: %v", ended)
	}
	tm, err := s.c.Store().TerminalByID(context.Background(), s.host.id)
	if err != nil {
		t.Fatal(err)
	}
	if !tm.EndedAt.IsZero() {
		t.Errorf("the terminal session ended at %v: %s", tm.EndedAt, tm.EndReason)
	}
	if s.host.exited() {
		t.Errorf("tandem share exited; its output:\n%q", tail(s.host.out.String(), 0))
	}
}

// checkRecording checks that everything the person was told is stored is
// in the recording the API serves (once the assist ended).
func (s *clusterScene) checkRecording(when string) {
	t := s.t
	t.Helper()
	acked, stored, _, _ := s.channel.snapshot()
	if problems := missingFrames(acked, s.api.recording(s.assist)); len(problems) > 0 {
		t.Fatalf("%s: the recording lacks what the person was told was stored (up to %d):\n%s", when, stored, strings.Join(problems, "\n"))
	}
	t.Logf("%s: the recording holds all %d frames the person was told were stored", when, len(acked))
}

// helperKey writes an ed25519 key for ssh -i and returns its path and its
// authorized_keys line.
func helperKey(t testing.TB, dir string) (path, authorized string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "helper")
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "helper_key")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	spub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spub))) + " helper"
}
