// Package browsertest starts headless Chromium for end-to-end tests and
// gives each test its own browser contexts (separate cookies and storage, as
// two different people's browsers would have).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Path finds Chromium, failing the test with how to install it.
func Path(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TANDEM_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("Chromium is needed for this test: apt-get install -y chromium (or set TANDEM_CHROMIUM)")
	return ""
}

// Options are extra Chromium switches, e.g. fake media devices.
type Options struct {
	Flags map[string]any
}

// Start launches one headless Chromium for the test and returns a context
// for its first tab. It is stopped when the test ends.
func Start(t testing.TB, opts Options) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still write to the
	// profile for a moment after the browser is gone, which would fail the
	// test's own cleanup. This one is removed with retries.
	profile, err := os.MkdirTemp("", "tandem-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	alloc := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("headless", "new"),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
	)
	for k, v := range opts.Flags {
		alloc = append(alloc, chromedp.Flag(k, v))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), alloc...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Run(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		// Closing the browser politely can hang when Chromium is slow to
		// answer; the allocator's cancel kills the process regardless.
		closed := make(chan struct{})
		go func() { _ = chromedp.Cancel(bctx); close(closed) }()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
		}
		cancelBrowser()
		cancelAlloc()
		for i := 0; i < 50; i++ {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return bctx
}

// NewContext opens a new incognito-like browser context (own cookies and
// storage) in the browser of parent, with a timeout for the whole test.
//
// The target is created in a new window: headless Chromium refuses a tab in
// a fresh browser context otherwise ("no browser is open").
func NewContext(t testing.TB, parent context.Context, timeout time.Duration) context.Context {
	t.Helper()
	c := chromedp.FromContext(parent)
	if c == nil || c.Browser == nil {
		t.Fatal("browsertest: parent is not a started browser context")
	}
	exec := cdp.WithExecutor(parent, c.Browser)
	bcID, err := target.CreateBrowserContext().Do(exec)
	if err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	tid, err := target.CreateTarget("about:blank").WithBrowserContextID(bcID).WithNewWindow(true).Do(exec)
	if err != nil {
		t.Fatalf("new tab: %v", err)
	}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithTargetID(tid))
	if err := chromedp.Run(ctx); err != nil {
		cancel()
		t.Fatalf("attach to tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		_ = target.DisposeBrowserContext(bcID).Do(exec)
	})
	return ctx
}
