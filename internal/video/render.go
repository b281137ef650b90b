package video

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// maxRecording bounds the recording read into memory for one render.
const maxRecording = 1 << 30

// loaded is what the render page's load answers.
type loaded struct {
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	Duration float64 `json:"duration"`
	Times    []int64 `json:"times"`
}

// pageOptions are the options as the render page takes them.
type pageOptions struct {
	Width    int  `json:"width"`
	Height   int  `json:"height"`
	Clicks   bool `json:"clicks"`
	Pointer  bool `json:"pointer"`
	Devtools bool `json:"devtools"`
}

func (r *Renderer) render(ctx context.Context, kind string, rec Recording, o Options, w io.Writer, progress Progress) (*Result, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errors.New("video: no recording")
	}
	fps := o.FPS
	if fps == 0 {
		fps = DefaultFPS
	}
	data, err := io.ReadAll(io.LimitReader(rec, maxRecording+1))
	if err != nil {
		return nil, fmt.Errorf("video: reading the recording: %w", err)
	}
	if len(data) > maxRecording {
		return nil, fmt.Errorf("video: the recording is larger than %d bytes", maxRecording)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	ps, err := servePage(kind, data)
	if err != nil {
		return nil, err
	}
	defer ps.close()

	po := pageOptions{Width: o.Width, Height: o.Height, Clicks: o.Clicks, Pointer: o.Pointer, Devtools: o.Devtools}
	if po.Width != 0 {
		po.Width, po.Height = even(po.Width), even(po.Height)
	}
	arg, err := json.Marshal(po)
	if err != nil {
		return nil, fmt.Errorf("video: encoding the options: %w", err)
	}
	load := fmt.Sprintf("window.tandemRender.load(%q, %s)", kind, arg)
	open := func() (*tab, *loaded, error) { return r.openLoaded(ctx, ps.url(), fps, load) }
	first, l, err := open()
	if err != nil {
		return nil, err
	}
	defer first.close()
	// The page sizes the video as even() does; anything else is a bug there.
	width, height := l.Width, l.Height
	if width != even(width) || height != even(height) {
		return nil, fmt.Errorf("video: the render page chose an unusable size %d×%d", width, height)
	}
	if err := first.resize(width, height); err != nil {
		return nil, fmt.Errorf("video: sizing the render page: %w", err)
	}
	tl, err := newTimeline(l.Times, int64(l.Duration), fps, o.SkipIdle)
	if err != nil {
		return nil, err
	}
	total := tl.frames()
	// A short video needs fewer tabs than stretches.
	tabs, err := moreTabs(first, min(r.tabs, stretches(total))-1, open, width, height)
	for _, t := range tabs[1:] {
		if t != nil { // nil: it failed to open
			defer t.close()
		}
	}
	if err != nil {
		return nil, err
	}
	enc, err := r.startEncoder(ctx, fps)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	captured, sp, err := drawFrames(ctx, tabs, tl, total, func(i int, img []byte) error {
		if err := enc.frame(img); err != nil {
			return fmt.Errorf("frame %d of %d: %w", i, total, err)
		}
		if progress != nil {
			progress(i+1, total)
		}
		return nil
	})
	if err != nil {
		enc.abort()
		return nil, fmt.Errorf("video: %w", err)
	}
	n, err := enc.finish(w)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Frames:   total,
		Duration: time.Duration(total) * time.Second / time.Duration(fps),
		Width:    width,
		Height:   height,
		Bytes:    n,
		Capture:  r.Capture(),
	}
	r.log.Info("video rendered", "kind", kind, "frames", total, "width", width, "height", height, "bytes", n, "capture", res.Capture, "tabs", len(tabs), "captured", captured, "blank", blankFrames(tabs), "seeking", sp.seeking, "capturing", sp.capturing, "took", time.Since(started))
	return res, nil
}

// openLoaded opens a tab on the render page at url and loads the recording
// in it with the call load.
func (r *Renderer) openLoaded(ctx context.Context, url string, fps int, load string) (*tab, *loaded, error) {
	t, err := r.openTab(ctx, url, fps)
	if err != nil {
		return nil, nil, err
	}
	var l loaded
	if err := t.call(load, &l); err != nil {
		t.close()
		return nil, nil, fmt.Errorf("video: loading the recording in the render page: %w", err)
	}
	return t, &l, nil
}

// moreTabs opens n more tabs beside first with open, at the same time, each
// sized as first is, and returns them all, first first. On an error, the
// tabs it opened are in the slice too, for the caller to close.
func moreTabs(first *tab, n int, open func() (*tab, *loaded, error), width, height int) ([]*tab, error) {
	tabs := make([]*tab, n+1)
	tabs[0] = first
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t, l, err := open()
			if err != nil {
				errs[i] = fmt.Errorf("tab %d of %d: %w", i+1, n+1, err)
				return
			}
			tabs[i] = t
			if l.Width != width || l.Height != height {
				err = fmt.Errorf("video: the tab chose the size %d×%d, the first %d×%d", l.Width, l.Height, width, height)
			} else {
				err = t.resize(width, height)
			}
			if err != nil {
				errs[i] = fmt.Errorf("tab %d of %d: %w", i+1, n+1, err)
			}
		}()
	}
	wg.Wait()
	return tabs, errors.Join(errs...)
}

// blankFrames is how many beginFrames of the tabs returned no picture.
func blankFrames(tabs []*tab) int {
	n := 0
	for _, t := range tabs {
		n += t.blank
	}
	return n
}
