package sshrelay_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// seekChunks is a twenty-minute session that is mostly idle, with a full
// reset (what `clear` sends on many terminals) in the middle.
var seekChunks = []string{
	`{"version":2,"width":80,"height":24,"timestamp":1700000000,"title":"fixture: /bin/sh"}` + "\n" +
		`[0.100000,"o","alpha-1\r\n"]` + "\n" +
		`[1.000000,"o","bravo-2\r\n"]` + "\n",
	`[600.000000,"o","\u001bc"]` + "\n" +
		`[600.100000,"o","charlie-3\r\n"]` + "\n",
	`[1200.000000,"o","delta-4\r\n"]` + "\n",
}

// The web terminal's replay skips idle time (twenty recorded minutes play
// in seconds), and its slider seeks: forward and back, the screen at a
// moment is the screen playing reaches at that moment.
func TestWebReplaySeeksAndSkipsIdle(t *testing.T) {
	e, held, c := newHeldEnv(t)
	id, _ := e.endedSessionOf(held, seekChunks)
	ctx := browsertest.Start(t, browsertest.Options{})
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	const screen = `[data-testid="terminal"] .xterm-rows`
	if err := chromedp.Run(ctx,
		network.SetCookie(sessionCookie, c.token).WithURL(c.URL).WithHTTPOnly(true),
		chromedp.Navigate(c.URL+"/terminal/"+id+"?replay=1"),
	); err != nil {
		t.Fatal(err)
	}
	// Skipping is on by default: the two ten-minute pauses last a second each.
	waitText(t, ctx, `[data-testid="terminal-status"]`, "replay finished")
	waitText(t, ctx, screen, "delta-4")

	seek := func(ms int, want string, gone ...string) {
		t.Helper()
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => {
			const s = document.querySelector('[data-testid="replay-seek"]');
			s.value = String(`+strconv.Itoa(ms)+`); s.dispatchEvent(new Event('input', {bubbles: true}));
		})()`, nil)); err != nil {
			t.Fatal(err)
		}
		waitText(t, ctx, screen, want)
		var shown string
		if err := chromedp.Run(ctx, chromedp.Text(screen, &shown, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		for _, g := range gone {
			if strings.Contains(shown, g) {
				t.Fatalf("at %d ms the screen shows %q: %q", ms, g, shown)
			}
		}
	}
	seek(700_000, "charlie-3", "alpha-1", "bravo-2", "delta-4") // back, from the reset on
	seek(500, "alpha-1", "bravo-2", "charlie-3")                // back to the start
	seek(1_000, "bravo-2", "charlie-3")                         // forward, the next event only
	seek(1_200_000, "delta-4", "alpha-1")                       // the end
	var disabled bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('[data-testid="replay-seek"]').disabled`, &disabled)); err != nil {
		t.Fatal(err)
	}
	if disabled {
		t.Fatal("the slider is disabled")
	}
}
