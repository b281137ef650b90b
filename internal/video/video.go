// Package video renders recordings to MP4 (H.264) videos. It is not a
// screen capture: a headless browser loads a render page (web/render) that
// replays the recording with the console's own replayer, and for each frame
// the renderer seeks the replayer to the frame's time, pins animations,
// captures the screen and hands the image to ffmpeg. The same recording and
// options give the same frames every time (docs/video.md).
package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"time"
)

// Options say how to render. Width and Height 0 mean the person's
// resolution: the largest viewport of an assist's recording, a terminal's
// columns × rows at a fixed cell size. FPS 0 means 25.
type Options struct {
	Width, Height, FPS int
	// Clicks marks where the person clicked or tapped.
	Clicks bool
	// Pointer draws the person's pointer.
	Pointer bool
	// Devtools adds a strip at the bottom with the console errors and
	// failed requests so far.
	Devtools bool
	// SkipIdle shortens every stretch of more than 3 s with no event to 1 s.
	SkipIdle bool
}

// Limits of the options.
const (
	DefaultFPS = 25
	MaxFPS     = 60
	MinSize    = 64
	MaxSize    = 3840
)

// Progress is called as frames are done: done of total.
type Progress func(done, total int)

// Recording is how the renderer reads a recording: for an assist, the
// NDJSON that GET /api/v1/assists/{id}/recording answers with Accept:
// application/x-ndjson (assist.WriteRecording writes it); for a terminal,
// the asciicast v2 of GET /api/v1/terminals/{id}/recording.
type Recording io.Reader

// Capture names how frames were taken.
const (
	// CaptureBeginFrame: chromium-headless-shell drew each frame on demand
	// (HeadlessExperimental.beginFrame, --deterministic-mode).
	CaptureBeginFrame = "beginframe"
	// CaptureScreenshot: the regular chromium, Page.captureScreenshot.
	CaptureScreenshot = "screenshot"
)

// Result describes a rendered video.
type Result struct {
	Frames        int
	Duration      time.Duration // frames / FPS
	Width, Height int
	Bytes         int64 // written to the writer
	// Capture is CaptureBeginFrame or CaptureScreenshot.
	Capture string
}

// Config configures a Renderer.
type Config struct {
	// Browser is the browser binary. Empty: chromium-headless-shell if it is
	// installed, else chromium. A path whose base name contains
	// "headless-shell" is driven with beginFrame, any other with screenshots.
	Browser string
	// FFmpeg is the ffmpeg binary; empty: "ffmpeg" on the PATH.
	FFmpeg string
	// Logger; nil: slog.Default().
	Logger *slog.Logger
	// Tabs is how many tabs of the browser draw frames at once, each its
	// own stretches of the video (the frames are put back in order before
	// the encoder). 0: DefaultTabs().
	Tabs int
}

// MaxTabs bounds Config.Tabs: each tab holds the whole recording.
const MaxTabs = 16

// DefaultTabs is the tab count when Config.Tabs is 0: one. Any count gives
// the same video; a second tab made exports 5–12% faster on 2 idle cores
// and slower on busy ones (docs/performance.md, "Video"), and a node that
// renders several exports at once (its video workers) already keeps its
// cores busy. More tabs pay on more cores.
func DefaultTabs() int {
	return 1
}

// Renderer renders recordings. It holds no state between renders: each
// render runs its own browser and ffmpeg, so one Renderer is safe for
// concurrent use by a worker pool.
type Renderer struct {
	browser string
	shell   bool // browser is the headless shell: beginFrame capture
	ffmpeg  string
	tabs    int
	log     *slog.Logger
}

// browserCandidates are looked for, in order, when Config.Browser is empty.
var browserCandidates = []string{"chromium-headless-shell", "chromium", "chromium-browser"}

// New returns a Renderer, or an error if the browser or ffmpeg is missing.
func New(cfg Config) (*Renderer, error) {
	r := &Renderer{log: cfg.Logger, tabs: cfg.Tabs}
	if cfg.Tabs < 0 || cfg.Tabs > MaxTabs {
		return nil, fmt.Errorf("video: %d tabs: must be between 1 and %d (0: %d)", cfg.Tabs, MaxTabs, DefaultTabs())
	}
	if r.tabs == 0 {
		r.tabs = DefaultTabs()
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if cfg.Browser != "" {
		p, err := exec.LookPath(cfg.Browser)
		if err != nil {
			return nil, fmt.Errorf("video: the browser %q: %w", cfg.Browser, err)
		}
		r.browser = p
	} else {
		for _, name := range browserCandidates {
			if p, err := exec.LookPath(name); err == nil {
				r.browser = p
				break
			}
		}
		if r.browser == "" {
			return nil, errors.New("video: no browser: install chromium-headless-shell (or chromium)")
		}
	}
	r.shell = isHeadlessShell(r.browser)
	ff := cfg.FFmpeg
	if ff == "" {
		ff = "ffmpeg"
	}
	p, err := exec.LookPath(ff)
	if err != nil {
		return nil, fmt.Errorf("video: ffmpeg %q: %w", ff, err)
	}
	r.ffmpeg = p
	return r, nil
}

// Capture says how this Renderer takes frames: CaptureBeginFrame or
// CaptureScreenshot.
func (r *Renderer) Capture() string {
	if r.shell {
		return CaptureBeginFrame
	}
	return CaptureScreenshot
}

// RenderAssist renders an assist's recording (NDJSON) to w as MP4.
func (r *Renderer) RenderAssist(ctx context.Context, rec Recording, o Options, w io.Writer, p Progress) (*Result, error) {
	return r.render(ctx, kindAssist, rec, o, w, p)
}

// RenderTerminal renders a terminal session's recording (asciicast v2) to w
// as MP4.
func (r *Renderer) RenderTerminal(ctx context.Context, rec Recording, o Options, w io.Writer, p Progress) (*Result, error) {
	return r.render(ctx, kindTerminal, rec, o, w, p)
}

// Check reports what is wrong with o, or nil.
func (o Options) Check() error {
	if (o.Width == 0) != (o.Height == 0) {
		return fmt.Errorf("video: give both width and height, or neither (got %d×%d)", o.Width, o.Height)
	}
	if o.Width != 0 && (o.Width < MinSize || o.Width > MaxSize || o.Height < MinSize || o.Height > MaxSize) {
		return fmt.Errorf("video: size %d×%d: each side must be between %d and %d", o.Width, o.Height, MinSize, MaxSize)
	}
	if o.FPS < 0 || o.FPS > MaxFPS {
		return fmt.Errorf("video: frame rate %d: must be between 1 and %d (0: %d)", o.FPS, MaxFPS, DefaultFPS)
	}
	return nil
}

// even rounds n up to an even number (H.264 in yuv420p needs even sides),
// within [MinSize, MaxSize].
func even(n int) int {
	n = max(MinSize, min(MaxSize, n))
	return n + n%2
}
