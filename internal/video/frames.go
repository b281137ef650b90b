package video

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// stretchFrames is how many consecutive frames a tab draws at a time. The
// video is cut into stretches of this length whatever the tab count, and
// every stretch starts with a captured frame (a tab has no picture of the
// frame before it), so that one tab and several give the same frames.
// Shorter stretches share the work out more evenly; longer ones capture
// fewer frames again.
const stretchFrames = 50

// aheadPerTab bounds the stretches drawn but not yet encoded (they wait
// for an earlier one) to this many per tab: the memory of a render is at
// most tabs × aheadPerTab stretches of images.
const aheadPerTab = 2

// stretches is how many stretches a video of total frames has.
func stretches(total int) int {
	return (total + stretchFrames - 1) / stretchFrames
}

// drawn is a stretch as a tab drew it.
type drawn struct {
	imgs     [][]byte // one per frame; a frame like the one before shares its slice
	captured int
	spent    spent
	err      error
}

// spent is where a render's time went, summed over its tabs.
type spent struct {
	seeking, capturing time.Duration
}

// drawFrames draws the total frames of tl in the tabs, each tab taking the
// next stretch not yet taken (so each tab's replayer only seeks forward),
// and hands the images to emit in frame order. It returns how many frames
// the browser drew (the others repeat the frame before). The first error,
// of a tab or of emit, stops every tab and is returned.
func drawFrames(ctx context.Context, tabs []*tab, tl *timeline, total int, emit func(i int, img []byte) error) (int, spent, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := stretches(total)
	done := make([]chan drawn, n)
	for k := range done {
		done[k] = make(chan drawn, 1) // a tab never waits to hand a stretch over
	}
	ahead := make(chan struct{}, aheadPerTab*len(tabs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for ti, t := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				// A tab takes a stretch only when there is room for it;
				// the stretch the encoder waits for is always taken
				// already, so this never blocks the render for good.
				select {
				case ahead <- struct{}{}:
				case <-ctx.Done():
					return
				}
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				d := t.drawStretch(ctx, tl, k*stretchFrames, min(total, (k+1)*stretchFrames), total)
				if d.err != nil {
					d.err = fmt.Errorf("tab %d of %d: %w", ti+1, len(tabs), d.err)
				}
				done[k] <- d
				if d.err != nil {
					cancel()
					return
				}
			}
		}()
	}
	defer wg.Wait()
	captured := 0
	var sp spent
	for k := range n {
		var d drawn
		select {
		case d = <-done[k]:
		case <-ctx.Done():
			// A tab failed (its error is in before it cancels) or the
			// render was stopped.
			return 0, spent{}, firstError(done[k:], ctx.Err())
		}
		if d.err != nil {
			if errors.Is(d.err, context.Canceled) {
				return 0, spent{}, firstError(done[k+1:], d.err)
			}
			return 0, spent{}, d.err
		}
		captured += d.captured
		sp.seeking += d.spent.seeking
		sp.capturing += d.spent.capturing
		for j, img := range d.imgs {
			if err := emit(k*stretchFrames+j, img); err != nil {
				return 0, spent{}, err
			}
		}
		<-ahead
	}
	return captured, sp, nil
}

// firstError is the first error of a stretch drawn that is not the
// cancellation that followed it, or else err.
func firstError(done []chan drawn, err error) error {
	for _, c := range done {
		select {
		case d := <-c:
			if d.err != nil && !errors.Is(d.err, context.Canceled) {
				return d.err
			}
		default:
		}
	}
	return err
}

// drawStretch seeks the tab's replayer to each frame from..to-1 and
// captures the frames whose picture differs from the frame before.
func (t *tab) drawStretch(ctx context.Context, tl *timeline, from, to, total int) drawn {
	d := drawn{imgs: make([][]byte, 0, to-from)}
	var img []byte
	var lastKey string
	for i := from; i < to; i++ {
		if err := ctx.Err(); err != nil {
			d.err = fmt.Errorf("rendering stopped at frame %d of %d: %w", i, total, err)
			return d
		}
		var key string
		t0 := time.Now()
		if err := t.call(fmt.Sprintf("window.tandemRender.seek(%d)", tl.at(i)), &key); err != nil {
			d.err = fmt.Errorf("seeking to frame %d: %w", i, err)
			return d
		}
		t1 := time.Now()
		d.spent.seeking += t1.Sub(t0)
		// The page says when the picture is the one of the frame before.
		if img == nil || key != lastKey {
			var err error
			if img, err = t.capture(); err != nil {
				d.err = fmt.Errorf("frame %d of %d: %w", i, total, err)
				return d
			}
			d.captured++
			d.spent.capturing += time.Since(t1)
		}
		lastKey = key
		d.imgs = append(d.imgs, img)
	}
	return d
}
