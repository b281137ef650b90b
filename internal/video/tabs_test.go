package video

import (
	"slices"
	"testing"

	"github.com/tandemhq/tandem/internal/video/videotest"
)

// tabsSession is a 6-second recording that changes all along it: a
// click and a colour every 300 ms, so that every stretch of frames has
// pictures of its own and stretch boundaries fall between changes.
//
// Before the stretch that starts at 4 s, a batch of pointer moves is sent
// after a click (at 3.95 s) with positions from before it (3.55 and
// 3.57 s), as the recorder sends them: a replayer that played through
// it then re-applies the click (the pointer on it) at the next change, at
// 3.98 s, while one that jumps to 4 s leaves the pointer where the batch
// ends. The pointer belongs on the click.
func tabsSession(t testing.TB) []byte {
	f := newFixture(640, 360)
	f.snapshot(boxPage("#2255ee", "Tabs")...)
	colours := []string{"#2255ee", "#ee3322", "#22aa44", "#aa22cc"}
	for ms := int64(300); ms <= 6000; ms += 300 {
		if ms != 3900 {
			f.click(ms, 5, 120+int(ms/30)%300, 150)
		}
		f.style(ms+20, 5, boxStyle(colours[ms/300%4]))
	}
	f.moveBatch(3950, 5, [3]int{560, 300, -400}, [3]int{580, 310, -380})
	f.style(3980, 5, boxStyle("#444444"))
	f.consoleError(3000, "Uncaught TypeError: total is undefined")
	return f.ndjson(t)
}

// One tab and several draw the same frames: the video does not depend on
// how its stretches were shared out.
func TestRenderSameFramesWhateverTheTabs(t *testing.T) {
	rec := tabsSession(t)
	o := Options{Clicks: true, Pointer: true, Devtools: true}
	var want []string
	for _, tabs := range []int{1, 3} {
		r, err := New(Config{Tabs: tabs})
		if err != nil {
			t.Fatal(err)
		}
		path, res := renderAssist(t, r, rec, o)
		if n := stretches(res.Frames); n < 3 {
			t.Fatalf("%d frames make %d stretches: too few for 3 tabs", res.Frames, n)
		}
		h := videotest.FrameHashes(t, path)
		if tabs == 1 {
			want = h
			if n := len(slices.Compact(slices.Clone(h))); n < 10 {
				t.Fatalf("only %d distinct frames: the comparison could not fail", n)
			}
			continue
		}
		if !slices.Equal(h, want) {
			for i := range min(len(h), len(want)) {
				if h[i] != want[i] {
					t.Fatalf("%d tabs: frame %d of %d differs from one tab's", tabs, i, len(h))
				}
			}
			t.Fatalf("%d tabs: %d frames, one tab %d", tabs, len(h), len(want))
		}
	}
}
