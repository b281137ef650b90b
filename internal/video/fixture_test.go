package video

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// A recorded page drawn by hand, in the frames the server stores: a Meta,
// a FullSnapshot of a page with a big box, then events that recolour the
// box, click, and log a console error. Node ids: 1 document, 2 html,
// 3 head, 4 body, 5 the box, 6 its text.

// rrweb's event types and sources (web/shared/replay/events.ts).
const (
	evFullSnapshot = 2
	evIncremental  = 3
	evMeta         = 4
	evCustom       = 5
	srcMutation    = 0
	srcMouseMove   = 1
	srcInteraction = 2
)

type fixtureEvent struct {
	ms   int64 // from the start
	data map[string]any
	typ  int
}

// fixture is a recording being written.
type fixture struct {
	start  int64
	width  int
	height int
	events []fixtureEvent
}

func newFixture(width, height int) *fixture {
	return &fixture{start: 1_700_000_000_000, width: width, height: height}
}

func el(id int, tag string, attrs map[string]any, children ...any) map[string]any {
	if attrs == nil {
		attrs = map[string]any{}
	}
	if children == nil {
		children = []any{}
	}
	return map[string]any{"type": 2, "id": id, "tagName": tag, "attributes": attrs, "childNodes": children}
}

func text(id int, s string) map[string]any {
	return map[string]any{"type": 3, "id": id, "textContent": s}
}

func (f *fixture) snapshot(body ...any) {
	doc := map[string]any{"type": 0, "id": 1, "childNodes": []any{
		el(2, "html", nil,
			el(3, "head", nil),
			el(4, "body", map[string]any{"style": "margin:0;background:#ffffff;font:48px sans-serif"}, body...),
		),
	}}
	f.events = append(f.events,
		fixtureEvent{ms: 0, typ: evMeta, data: map[string]any{"href": "https://shop.test/", "width": f.width, "height": f.height}},
		fixtureEvent{ms: 1, typ: evFullSnapshot, data: map[string]any{"node": doc, "initialOffset": map[string]any{"top": 0, "left": 0}}},
	)
}

func (f *fixture) style(ms int64, id int, style string) {
	f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{
		"source": srcMutation, "texts": []any{}, "removes": []any{}, "adds": []any{},
		"attributes": []any{map[string]any{"id": id, "attributes": map[string]any{"style": style}}},
	}})
}

func (f *fixture) click(ms int64, id, x, y int) {
	f.events = append(f.events,
		fixtureEvent{ms: ms - 1, typ: evIncremental, data: map[string]any{"source": srcMouseMove, "positions": []any{map[string]any{"x": x, "y": y, "id": id, "timeOffset": 0}}}},
		fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{"source": srcInteraction, "type": 2, "id": id, "x": x, "y": y}},
	)
}

// moveBatch adds pointer moves over node id sent together at ms, each
// position an x, y and a time offset (≤ 0) from ms, as the recorder batches
// them.
func (f *fixture) moveBatch(ms int64, id int, positions ...[3]int) {
	ps := make([]any, len(positions))
	for i, p := range positions {
		ps[i] = map[string]any{"x": p[0], "y": p[1], "id": id, "timeOffset": p[2]}
	}
	f.events = append(f.events, fixtureEvent{ms: ms, typ: evIncremental, data: map[string]any{"source": srcMouseMove, "positions": ps}})
}

func (f *fixture) consoleError(ms int64, msg string) {
	f.events = append(f.events, fixtureEvent{ms: ms, typ: evCustom, data: map[string]any{
		"tag": "console", "payload": map[string]any{"level": "error", "args": []any{msg}},
	}})
}

// ndjson is the recording as the API answers it: the assist, a meta frame,
// the snapshot frame, one frame per later event, and the end.
func (f *fixture) ndjson(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	line := func(v any) {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(e fixtureEvent) map[string]any {
		return map[string]any{"type": e.typ, "data": e.data, "timestamp": f.start + e.ms}
	}
	// The recorder sends events in time order; a fixture may add them in any.
	slices.SortStableFunc(f.events, func(a, b fixtureEvent) int { return cmp.Compare(a.ms, b.ms) })
	line(map[string]any{"assist": map[string]any{"id": "a1", "state": "ended"}})
	line(map[string]any{"s": 1, "k": "meta", "p": "pg", "at": f.start, "d": map[string]any{
		"url": "https://shop.test/", "pageId": "pg", "viewport": map[string]any{"width": f.width, "height": f.height},
	}})
	line(map[string]any{"s": 2, "k": "snap", "p": "pg", "h": "h1", "at": f.start, "d": []any{ev(f.events[0]), ev(f.events[1])}})
	for i, e := range f.events[2:] {
		line(map[string]any{"s": 3 + i, "k": "ev", "p": "pg", "at": f.start + e.ms, "d": []any{ev(e)}})
	}
	line(map[string]any{"end": map[string]any{"frames": len(f.events)}})
	return b.Bytes()
}

// boxPage is a page with one box (id 5) at 100,100 of 400×200 in colour.
func boxPage(colour string, label string) []any {
	return []any{el(5, "div", map[string]any{"id": "box", "style": boxStyle(colour)}, text(6, label))}
}

func boxStyle(colour string) string {
	return fmt.Sprintf("position:absolute;left:100px;top:100px;width:400px;height:200px;background:%s", colour)
}
