package video

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	s, err := r.openBrowser(ctx, ps.url(), fps)
	if err != nil {
		return nil, err
	}
	defer s.close()

	po := pageOptions{Width: o.Width, Height: o.Height, Clicks: o.Clicks, Pointer: o.Pointer, Devtools: o.Devtools}
	if po.Width != 0 {
		po.Width, po.Height = even(po.Width), even(po.Height)
	}
	arg, err := json.Marshal(po)
	if err != nil {
		return nil, fmt.Errorf("video: encoding the options: %w", err)
	}
	var l loaded
	if err := s.call(fmt.Sprintf("window.tandemRender.load(%q, %s)", kind, arg), &l); err != nil {
		return nil, fmt.Errorf("video: loading the recording in the render page: %w", err)
	}
	// The page sizes the video as even() does; anything else is a bug there.
	width, height := l.Width, l.Height
	if width != even(width) || height != even(height) {
		return nil, fmt.Errorf("video: the render page chose an unusable size %d×%d", width, height)
	}
	if err := s.resize(width, height); err != nil {
		return nil, fmt.Errorf("video: sizing the render page: %w", err)
	}
	tl, err := newTimeline(l.Times, int64(l.Duration), fps, o.SkipIdle)
	if err != nil {
		return nil, err
	}
	total := tl.frames()
	enc, err := r.startEncoder(ctx, fps)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	var img []byte
	var lastKey string
	captured := 0 // frames captured; the others repeat the frame before
	for i := range total {
		if err := ctx.Err(); err != nil {
			enc.abort()
			return nil, fmt.Errorf("video: rendering stopped at frame %d of %d: %w", i, total, err)
		}
		var key string
		err := s.call(fmt.Sprintf("window.tandemRender.seek(%d)", tl.at(i)), &key)
		if err != nil {
			enc.abort()
			return nil, fmt.Errorf("video: seeking to frame %d: %w", i, err)
		}
		// The page says when the picture is the one of the frame before.
		if img == nil || key != lastKey {
			img, err = s.capture()
			captured++
		}
		lastKey = key
		if err == nil {
			err = enc.frame(img)
		}
		if err != nil {
			enc.abort()
			return nil, fmt.Errorf("video: frame %d of %d: %w", i, total, err)
		}
		if progress != nil {
			progress(i+1, total)
		}
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
	r.log.Info("video rendered", "kind", kind, "frames", total, "width", width, "height", height, "bytes", n, "capture", res.Capture, "captured", captured, "blank", s.blank, "took", time.Since(started))
	return res, nil
}
