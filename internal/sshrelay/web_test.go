package sshrelay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/share"
)

// waitText polls the text of sel until it contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	var got string
	for time.Now().Before(deadline) {
		if err := chromedp.Run(ctx, chromedp.Text(sel, &got, chromedp.ByQuery)); err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		if strings.Contains(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q; last: %q", sel, want, got)
}

// An agent opens the live session in the console's web terminal: what they
// type reaches the host, and they see what an SSH helper types. After the
// session ends, its recording replays in the same page.
func TestWebTerminalInChromium(t *testing.T) {
	e := newEnv(t)
	alice, _, h, ts := e.shareWithConsole()
	ctx := browsertest.Start(t, browsertest.Options{})
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	const screen = `[data-testid="terminal"] .xterm-rows`
	if err := chromedp.Run(ctx,
		network.SetCookie(sessionCookie, ts.token).WithURL(ts.URL).WithHTTPOnly(true),
		chromedp.Navigate(ts.URL+"/terminal/"+h.ID),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `[data-testid="terminal-status"]`, "live")
	h.out.waitFor(t, "Robin joined", wait)
	waitText(t, ctx, screen, "$")

	a := e.join(h.ID, alice, 100, 30)
	h.out.waitFor(t, "alice joined", wait)
	a.typeText("echo from-ssh-$((3*3))\r")
	waitText(t, ctx, screen, "from-ssh-9")

	// Typed as a keyboard would: text, then the Enter key.
	if err := chromedp.Run(ctx,
		chromedp.Focus(`[data-testid="terminal"] .xterm-helper-textarea`, chromedp.ByQuery),
		input.InsertText("echo from-web-$((4*4))"),
		chromedp.KeyEvent(kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	h.out.waitFor(t, "from-web-16", wait)
	a.out.waitFor(t, "from-web-16", wait)
	waitText(t, ctx, screen, "from-web-16")
	waitText(t, ctx, "#tt-helpers", "alice")

	// The host ends the session; the page says so, and the replay shows
	// what happened.
	h.stdin.Write([]byte("exit\r"))
	h.Wait()
	waitText(t, ctx, `[data-testid="terminal-status"]`, "ended")
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/terminal/"+h.ID+"?replay=1"),
		chromedp.WaitVisible(`[data-testid="replay-speed"]`, chromedp.ByQuery),
		chromedp.SetValue(`[data-testid="replay-speed"]`, "16", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `[data-testid="terminal-status"]`, "replay finished")
	waitText(t, ctx, screen, "from-web-16")
	waitText(t, ctx, screen, "from-ssh-9")
}

// The node serving a session drains while an agent watches it in the web
// terminal: the page reconnects through the balancer to the node the host
// resumed on, and the agent types on as before.
func TestWebTerminalFollowsADrainedSession(t *testing.T) {
	nodes := startNodes(t, 2, nil)
	a, b := nodes[0], nodes[1]
	sshLB := newBalancer(t, a.srv.Addr())
	agent := a.agent("Robin")
	h := a.shareVia(sshLB.addr(), func(c *share.Config) { c.AllowAgents = true })
	ca, cb := newConsole(t, a.srv, a.db, agent), newConsole(t, b.srv, b.db, agent)
	webLB := newBalancer(t, ca.Listener.Addr().String())
	page := "http://" + webLB.addr()

	ctx := browsertest.Start(t, browsertest.Options{})
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	const screen = `[data-testid="terminal"] .xterm-rows`
	if err := chromedp.Run(ctx,
		network.SetCookie(sessionCookie, ca.token).WithURL(page).WithHTTPOnly(true),
		chromedp.Navigate(page+"/terminal/"+h.ID),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `[data-testid="terminal-status"]`, "live")
	waitText(t, ctx, screen, "$")

	sshLB.route(b.srv.Addr()) // the balancers see node A is not ready
	webLB.route(cb.Listener.Addr().String())
	dctx, dcancel := context.WithTimeout(context.Background(), wait)
	defer dcancel()
	if err := a.srv.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	waitAudit(t, b.db, h.ID, "resume")
	waitText(t, ctx, `[data-testid="terminal-status"]`, "live")
	if err := chromedp.Run(ctx,
		chromedp.Focus(`[data-testid="terminal"] .xterm-helper-textarea`, chromedp.ByQuery),
		input.InsertText("echo moved-$((5*5))"),
		chromedp.KeyEvent(kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	h.out.waitFor(t, "moved-25", wait)
	waitText(t, ctx, screen, "moved-25")
	if tm, err := b.db.TerminalByID(dctx, h.ID); err != nil || !tm.EndedAt.IsZero() {
		t.Fatalf("after the drain: %+v, %v; want the session live", tm, err)
	}
}
