package video

import (
	"strings"
	"testing"
)

func TestTimeline(t *testing.T) {
	cases := []struct {
		name     string
		times    []int64
		duration int64
		fps      int
		skipIdle bool
		frames   int
		at       map[int]int64 // frame → recording ms
	}{
		{name: "two seconds at 25", times: []int64{0, 1000, 2000}, duration: 2000, fps: 25, frames: 51, at: map[int]int64{0: 0, 25: 1000, 50: 2000}},
		{name: "not a whole frame", times: []int64{0, 1010}, duration: 1010, fps: 10, frames: 11, at: map[int]int64{10: 1000}},
		{name: "empty", duration: 0, fps: 25, frames: 1, at: map[int]int64{0: 0}},
		{name: "idle kept", times: []int64{0, 1000, 9000}, duration: 9000, fps: 10, frames: 91, at: map[int]int64{50: 5000}},
		// 1000 ms, then 8 s idle shown in 1 s, then 500 ms.
		{name: "idle skipped", times: []int64{0, 1000, 9000, 9500}, duration: 9500, fps: 10, skipIdle: true, frames: 26, at: map[int]int64{10: 1000, 15: 5000, 20: 9000, 25: 9500}},
		{name: "short gaps stay", times: []int64{0, 2900, 5800}, duration: 5800, fps: 10, skipIdle: true, frames: 59, at: map[int]int64{29: 2900}},
		{name: "events out of order and outside", times: []int64{9000, -5, 1000, 20000}, duration: 9000, fps: 10, skipIdle: true, frames: 21, at: map[int]int64{20: 9000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl, err := newTimeline(c.times, c.duration, c.fps, c.skipIdle)
			if err != nil {
				t.Fatal(err)
			}
			if n := tl.frames(); n != c.frames {
				t.Errorf("frames %d, want %d", n, c.frames)
			}
			for f, want := range c.at {
				if got := tl.at(f); got != want {
					t.Errorf("frame %d at %d ms, want %d", f, got, want)
				}
			}
			prev := int64(-1)
			for f := range tl.frames() {
				if at := tl.at(f); at < prev {
					t.Errorf("frame %d goes back: %d after %d", f, at, prev)
				} else {
					prev = at
				}
			}
		})
	}
	if _, err := newTimeline(nil, 1000, 0, false); err == nil {
		t.Error("a timeline at 0 frames/s")
	}
}

func TestOptionsCheck(t *testing.T) {
	cases := []struct {
		o    Options
		want string // "" valid, else part of the error
	}{
		{Options{}, ""},
		{Options{Width: 1280, Height: 720, FPS: 30}, ""},
		{Options{Width: 1280}, "both"},
		{Options{Height: 720}, "both"},
		{Options{Width: 10, Height: 720}, "between"},
		{Options{Width: 1280, Height: 100000}, "between"},
		{Options{FPS: -1}, "frame rate"},
		{Options{FPS: 61}, "frame rate"},
	}
	for _, c := range cases {
		err := c.o.Check()
		if c.want == "" && err != nil {
			t.Errorf("%+v: %v", c.o, err)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want an error about %q", c.o, err, c.want)
		}
	}
}

func TestEven(t *testing.T) {
	for in, want := range map[int]int{0: MinSize, 1281: 1282, 1280: 1280, 99999: MaxSize} {
		if got := even(in); got != want {
			t.Errorf("even(%d) = %d, want %d", in, got, want)
		}
	}
}
