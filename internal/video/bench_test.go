//go:build unix

package video

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time used so far by this process and its children
// that ended.
func cpuTime(b *testing.B) time.Duration {
	var self, children syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children); err != nil {
		b.Fatal(err)
	}
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(children.Utime) + tv(children.Stime)
}

// benchSeconds is the length of the scripted session.
const benchSeconds = 60

// scriptedSession is a 60-second session on a 1280×720 page, paced like a
// person filling a form: every 5 s the pointer moves for a second (an event
// every 50 ms) and clicks; twice, a field is typed into for 3 s (5 keys/s);
// every 10 s the page changes colour; a console error at 30 s.
func scriptedSession(t testing.TB) []byte {
	f := newFixture(1280, 720)
	f.snapshot(append(boxPage("#2255ee", "Checkout"), el(7, "div", map[string]any{"style": "position:absolute;left:100px;top:400px;font:32px sans-serif"}, text(8, "")))...)
	colours := []string{"#2255ee", "#ee3322", "#22aa44", "#aa22cc"}
	typed := ""
	for ms := int64(50); ms <= benchSeconds*1000; ms += 50 {
		if ms%5000 < 1000 {
			x, y := 100+int(ms/50)%900, 100+int(ms/70)%500
			f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{
				"source": srcMouseMove, "positions": []any{map[string]any{"x": x, "y": y, "id": 4, "timeOffset": 0}},
			}})
			if ms%5000 == 950 {
				f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{"source": srcInteraction, "type": 2, "id": 5, "x": x, "y": y}})
			}
		}
		if (ms >= 12_000 && ms < 15_000 || ms >= 40_000 && ms < 43_000) && ms%200 == 0 {
			typed += string(rune('a' + len(typed)%26))
			f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{
				"source": srcMutation, "attributes": []any{}, "removes": []any{}, "adds": []any{},
				"texts": []any{map[string]any{"id": 8, "value": typed}},
			}})
		}
		if ms%10_000 == 0 {
			f.style(ms, 5, boxStyle(colours[(ms/10_000)%4]))
		}
		if ms == 30_000 {
			f.consoleError(ms, "Uncaught TypeError: total is undefined")
		}
	}
	return f.ndjson(t)
}

// BenchmarkRenderAssist renders the scripted 60-second session at 1280×720,
// 25 frames/s, with clicks, pointer and devtools, with one tab drawing
// frames (the baseline) and with two, and reports how many times
// faster than real time each ran and the video's bytes per minute.
// VIDEO_TABS=n,m,… measures those tab counts instead.
func BenchmarkRenderAssist(b *testing.B) {
	rec := scriptedSession(b)
	for _, tabs := range benchTabs(b) {
		b.Run(fmt.Sprintf("tabs=%d", tabs), func(b *testing.B) {
			r, err := New(Config{Tabs: tabs})
			if err != nil {
				b.Fatal(err)
			}
			benchRender(b, r, rec, Options{Width: 1280, Height: 720, Clicks: true, Pointer: true, Devtools: true})
		})
	}
}

// benchTabs are the tab counts a benchmark measures: 1 and 2,
// or those of VIDEO_TABS.
func benchTabs(b *testing.B) []int {
	env := os.Getenv("VIDEO_TABS")
	if env == "" {
		return []int{1, 2}
	}
	var tabs []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > MaxTabs {
			b.Fatalf("VIDEO_TABS=%q: want tab counts between 1 and %d", env, MaxTabs)
		}
		tabs = append(tabs, n)
	}
	return tabs
}
