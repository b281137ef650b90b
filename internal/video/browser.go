package video

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/headlessexperimental"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// isHeadlessShell reports whether a browser binary is Chromium's headless
// shell, which has beginFrame control.
func isHeadlessShell(path string) bool {
	return strings.Contains(filepath.Base(path), "headless-shell")
}

// jpegQuality is the quality of the captured frames: JPEG encodes and
// decodes faster than PNG, and at this quality the difference does not
// survive the H.264 encode. The same page gives the same JPEG bytes.
const jpegQuality = 92

// maxBlankFrames bounds the retries of a beginFrame that returned no
// screenshot (the first ones do, while the renderer initialises).
const maxBlankFrames = 100

// tab is one browser with one tab on the render page, with its own
// replayer. Several tabs draw the frames of one video at the same time,
// each in its own browser: the headless shell's beginFrame draws no
// picture for a second tab of the same browser.
type tab struct {
	ctx      context.Context
	shell    bool
	ticks    float64 // the next beginFrame's time, ms
	interval float64 // ms between frames
	blank    int     // beginFrames that returned no picture
	cancel   func()
}

// openTab launches the browser and opens a tab on url, with beginFrame
// control when the browser is the headless shell.
func (r *Renderer) openTab(ctx context.Context, url string, fps int) (*tab, error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(r.browser),
		chromedp.Flag("headless", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.Flag("window-size", "1280,720"),
		chromedp.Flag("disable-gpu", true),
		// Partial raster redraws only what changed over the tile drawn before,
		// and its edges can differ by a shade from a tile drawn whole: a
		// frame would depend on the frames its browser drew before it.
		chromedp.Flag("disable-partial-raster", true),
	}
	if r.shell {
		opts = append(opts, chromedp.Flag("deterministic-mode", true))
	}
	// Chromium's own sandbox cannot start as root (containers); the mirror
	// stays sandboxed by its iframe and the page's policy either way.
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	cancel := func() {
		cancelBrowser()
		cancelAlloc()
	}
	if err := chromedp.Run(bctx); err != nil {
		cancel()
		return nil, fmt.Errorf("video: starting %s: %w", r.browser, err)
	}
	var id target.ID
	err := chromedp.Run(bctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		id, err = target.CreateTarget("about:blank").
			WithEnableBeginFrameControl(r.shell).
			Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		return err
	}))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("video: opening a tab: %w", err)
	}
	tctx, cancelTab := chromedp.NewContext(bctx, chromedp.WithTargetID(id))
	t := &tab{ctx: tctx, shell: r.shell, ticks: 1000, interval: 1000 / float64(fps), cancel: func() {
		cancelTab()
		cancel()
	}}
	if err := chromedp.Run(tctx, chromedp.Navigate(url)); err != nil {
		t.cancel()
		return nil, fmt.Errorf("video: loading the render page: %w", err)
	}
	return t, nil
}

// call evaluates a call of the render page's API and waits for its
// promise, decoding the result into res (nil: ignored).
func (s *tab) call(expr string, res any) error {
	return chromedp.Run(s.ctx, chromedp.Evaluate(expr, res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
}

// resize sets the tab's viewport to the video's size.
func (s *tab) resize(w, h int) error {
	return chromedp.Run(s.ctx, emulation.SetDeviceMetricsOverride(int64(w), int64(h), 1, false))
}

// capture draws a frame and returns its image.
func (s *tab) capture() ([]byte, error) {
	if !s.shell {
		var img []byte
		err := chromedp.Run(s.ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			img, err = page.CaptureScreenshot().WithFormat(page.CaptureScreenshotFormatJpeg).WithQuality(jpegQuality).WithOptimizeForSpeed(true).Do(ctx)
			return err
		}))
		return img, err
	}
	for range maxBlankFrames {
		var img []byte
		err := chromedp.Run(s.ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			_, img, err = headlessexperimental.BeginFrame().
				WithFrameTimeTicks(s.ticks).
				WithInterval(s.interval).
				WithScreenshot(&headlessexperimental.ScreenshotParams{Format: headlessexperimental.ScreenshotParamsFormatJpeg, Quality: jpegQuality, OptimizeForSpeed: true}).
				Do(ctx)
			return err
		}))
		s.ticks += s.interval
		s.blank++
		if err != nil {
			return nil, fmt.Errorf("video: beginFrame: %w", err)
		}
		if len(img) > 0 {
			s.blank--
			return img, nil
		}
	}
	return nil, errors.New("video: the browser drew no frame")
}

func (s *tab) close() {
	s.cancel()
}
