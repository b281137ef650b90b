package video

import (
	"fmt"
	"math"
	"sort"
)

// idleGap is how long a stretch with no event must be for SkipIdle to
// shorten it, and idleShown how long it lasts in the video then.
const (
	idleGap   = 3000 // ms
	idleShown = 1000 // ms
)

// segment maps a stretch of the recording onto a stretch of the video.
type segment struct {
	recFrom, recTo float64 // ms of the recording
	vidFrom, vidTo float64 // ms of the video
}

// timeline says which moment of the recording each frame of the video
// shows. Frame i is at video time i/fps; the video has one frame more than
// whole frame periods in its length, so that the last event is drawn.
type timeline struct {
	segs  []segment
	fps   int
	total float64 // ms of video
}

// newTimeline builds the timeline of a recording duration ms long whose
// events happen at times (ms from its start, any order). With skipIdle,
// every stretch longer than idleGap without an event plays in idleShown.
func newTimeline(times []int64, duration int64, fps int, skipIdle bool) (*timeline, error) {
	if fps <= 0 {
		return nil, fmt.Errorf("frame rate %d: must be positive", fps)
	}
	if duration < 0 {
		duration = 0
	}
	marks := []float64{0, float64(duration)}
	for _, t := range times {
		if t > 0 && t < duration {
			marks = append(marks, float64(t))
		}
	}
	sort.Float64s(marks)
	tl := &timeline{fps: fps}
	v := 0.0
	for i := 1; i < len(marks); i++ {
		a, b := marks[i-1], marks[i]
		if b <= a {
			continue
		}
		shown := b - a
		if skipIdle && shown > idleGap {
			shown = idleShown
		}
		tl.segs = append(tl.segs, segment{recFrom: a, recTo: b, vidFrom: v, vidTo: v + shown})
		v += shown
	}
	tl.total = v
	return tl, nil
}

// frames is how many frames the video has.
func (tl *timeline) frames() int {
	return int(math.Floor(tl.total*float64(tl.fps)/1000+1e-9)) + 1
}

// at returns the recording time (ms) that frame i shows.
func (tl *timeline) at(i int) int64 {
	v := float64(i) * 1000 / float64(tl.fps)
	for _, s := range tl.segs {
		if v <= s.vidTo {
			if s.vidTo == s.vidFrom {
				return int64(math.Round(s.recTo))
			}
			return int64(math.Round(s.recFrom + (v-s.vidFrom)*(s.recTo-s.recFrom)/(s.vidTo-s.vidFrom)))
		}
	}
	if n := len(tl.segs); n > 0 {
		return int64(math.Round(tl.segs[n-1].recTo))
	}
	return 0
}
