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
