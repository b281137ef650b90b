package hub

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

// f builds a data frame. spec is "kind:seq" or "kind:seq:page" or
// "kind:seq:page:hash".
func f(spec string) []byte {
	parts := strings.Split(spec, ":")
	h := Header{Kind: parts[0]}
	fmt.Sscan(parts[1], &h.Seq)
	if len(parts) > 2 {
		h.Page = parts[2]
	}
	if len(parts) > 3 {
		h.Hash = parts[3]
	}
	var payload []byte
	if h.Kind != KindLeave {
		payload = []byte(fmt.Sprintf(`[{"n":%d}]`, h.Seq))
	}
	return EncodeFrame(h, payload)
}

// desc names a frame the way the tests write them: "kind:seq", or
// "sync:from=N".
func desc(frame []byte) string {
	h, err := ParseHeader(frame)
	if err != nil {
		return "bad frame: " + err.Error()
	}
	if h.Kind == KindSync {
		return fmt.Sprintf("sync:from=%d", h.From)
	}
	if h.Seq == 0 {
		return h.Kind
	}
	return fmt.Sprintf("%s:%d", h.Kind, h.Seq)
}

func publishAll(t *testing.T, h *Hub, specs ...string) {
	t.Helper()
	for _, s := range specs {
		if dup, err := h.Publish(f(s)); err != nil || dup {
			t.Fatalf("Publish(%s) = %v, %v", s, dup, err)
		}
	}
}

func TestPublishSequence(t *testing.T) {
	type step struct {
		frame   string // a spec for f, or a raw frame starting with "raw "
		dup     bool
		errCode string
		last    uint64 // LastSeq after the step
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{
			{frame: "meta:1:a", last: 1},
			{frame: "snap:2:a:h1", last: 2},
			{frame: "ev:3:a", last: 3},
		}},
		{"duplicates dropped", []step{
			{frame: "ev:1", last: 1},
			{frame: "ev:2", last: 2},
			{frame: "ev:2", dup: true, last: 2},
			{frame: "ev:1", dup: true, last: 2},
			{frame: "ev:3", last: 3},
		}},
		{"gap", []step{
			{frame: "ev:1", last: 1},
			{frame: "ev:3", errCode: tandem.EBadProtocol, last: 1},
			{frame: "ev:2", last: 2},
		}},
		{"first frame must be 1", []step{
			{frame: "ev:2", errCode: tandem.EBadProtocol, last: 0},
			{frame: "ev:1", last: 1},
		}},
		{"no sequence number", []step{
			{frame: "ev:0", errCode: tandem.EBadProtocol, last: 0},
		}},
		{"unknown kind", []step{
			{frame: "bogus:1", errCode: tandem.EBadProtocol, last: 0},
			{frame: "sync:1", errCode: tandem.EBadProtocol, last: 0},
		}},
		{"snap needs page and hash", []step{
			{frame: "snap:1:a", errCode: tandem.EBadProtocol, last: 0},
			{frame: "snap:1", errCode: tandem.EBadProtocol, last: 0},
			{frame: "snap:1:a:h", last: 1},
		}},
		{"ref needs a retained snapshot", []step{
			{frame: "ref:1:a:h", errCode: tandem.EBadProtocol, last: 0},
			{frame: "snap:1:a:h", last: 1},
			{frame: "ref:2:a:other", errCode: tandem.EBadProtocol, last: 1},
			{frame: "ref:2:b:h", errCode: tandem.EBadProtocol, last: 1},
			{frame: "ref:2:a", errCode: tandem.EBadProtocol, last: 1},
			{frame: "ref:2:a:h", last: 2},
		}},
		{"leave needs a page", []step{
			{frame: "leave:1", errCode: tandem.EBadProtocol, last: 0},
			{frame: "leave:1:a", last: 1},
		}},
		{"malformed", []step{
			{frame: "raw not json\n[]", errCode: tandem.EBadProtocol, last: 0},
			{frame: "raw {\"s\":1}", errCode: tandem.EBadProtocol, last: 0},
		}},
		{"duplicate wins over other checks", []step{
			{frame: "snap:1:a:h", last: 1},
			{frame: "bogus:1", dup: true, last: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Options{})
			dups := 0
			for i, st := range tt.steps {
				frame := f
				if raw, ok := strings.CutPrefix(st.frame, "raw "); ok {
					frame = func(string) []byte { return []byte(raw) }
				}
				dup, err := h.Publish(frame(st.frame))
				if dup != st.dup || tandem.ErrorCode(err) != st.errCode {
					t.Fatalf("step %d Publish(%s) = %v, %v; want dup=%v code %q", i, st.frame, dup, err, st.dup, st.errCode)
				}
				if dup {
					dups++
				}
				if got := h.LastSeq(); got != st.last {
					t.Fatalf("step %d: LastSeq = %d, want %d", i, got, st.last)
				}
			}
			if got := h.Stats().Duplicates; got != uint64(dups) {
				t.Errorf("Stats().Duplicates = %d, want %d", got, dups)
			}
		})
	}
}

// A reader that joins late (from 0) gets a sync frame and what rebuilds the
// current page: its meta and snapshot, then everything after.
func TestLateJoinerSync(t *testing.T) {
	tests := []struct {
		name    string
		publish []string
		want    []string
	}{
		{"empty hub", nil, []string{"sync:from=1"}},
		{"before any snapshot", []string{"meta:1:a", "ev:2:a"},
			[]string{"sync:from=1", "meta:1", "ev:2"}},
		{"one page", []string{"meta:1:a", "snap:2:a:h", "ev:3:a", "ev:4:a"},
			[]string{"sync:from=1", "meta:1", "snap:2", "ev:3", "ev:4"}},
		{"second page", []string{"meta:1:a", "snap:2:a:h", "ev:3:a", "meta:4:b", "snap:5:b:g", "ev:6:b"},
			[]string{"sync:from=4", "meta:4", "snap:5", "ev:6"}},
		{"new snapshot of the same page", []string{"meta:1:a", "snap:2:a:h", "ev:3:a", "snap:4:a:h2", "ev:5:a"},
			[]string{"sync:from=1", "meta:1", "snap:4", "ev:5"}},
		{"resize after snapshot", []string{"meta:1:a", "snap:2:a:h", "ev:3:a", "meta:4:a", "ev:5:a"},
			[]string{"sync:from=1", "meta:1", "snap:2", "ev:3", "meta:4", "ev:5"}},
		{"back to a page by ref", []string{"meta:1:a", "snap:2:a:h", "ev:3:a", "meta:4:b", "snap:5:b:g", "ev:6:b", "ref:7:a:h", "ev:8:a"},
			[]string{"sync:from=1", "meta:1", "snap:2", "ref:7", "ev:8"}},
		{"ref with fresh meta", []string{"meta:1:a", "snap:2:a:h", "meta:3:b", "snap:4:b:g", "meta:5:a", "ref:6:a:h", "ev:7:a"},
			[]string{"sync:from=2", "snap:2", "meta:5", "ref:6", "ev:7"}},
		{"no snapshot, leave", []string{"ev:1:a", "leave:2:a"},
			[]string{"sync:from=1", "ev:1", "leave:2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Options{})
			publishAll(t, h, tt.publish...)
			r := subscribe(t, h, 0)
			if got := queued(r); !slices.Equal(got, tt.want) {
				t.Errorf("backlog = %q, want %q", got, tt.want)
			}
			// Live frames follow the backlog.
			next := fmt.Sprintf("ev:%d:a", h.LastSeq()+1)
			publishAll(t, h, next)
			if got := queued(r); !slices.Equal(got, []string{fmt.Sprintf("ev:%d", h.LastSeq())}) {
				t.Errorf("after backlog got %q, want the live frame", got)
			}
		})
	}
}

func TestResume(t *testing.T) {
	// Seq 1 meta, 2 snap, 3..6 ev, 7 ref back to the snapshot, 8..10 ev.
	publish := []string{"meta:1:a", "snap:2:a:h", "ev:3:a", "ev:4:a", "ev:5:a", "ev:6:a", "ref:7:a:h", "ev:8:a", "ev:9:a", "ev:10:a"}
	sync := []string{"sync:from=1", "meta:1", "snap:2", "ref:7", "ev:8", "ev:9", "ev:10"}
	tests := []struct {
		from uint64
		want []string
	}{
		{0, sync},
		{10, nil},
		{9, []string{"ev:10"}},
		{6, []string{"ref:7", "ev:8", "ev:9", "ev:10"}},
		{5, sync},  // frame 6 was dropped when the ref restarted the tail
		{2, sync},  // likewise
		{11, sync}, // ahead of the hub: it restarted; rebuild from scratch
		{1000, sync},
	}
	h := New(Options{})
	publishAll(t, h, publish...)
	for _, tt := range tests {
		r := subscribe(t, h, tt.from)
		if got := queued(r); !slices.Equal(got, tt.want) {
			t.Errorf("Subscribe(%d) backlog = %q, want %q", tt.from, got, tt.want)
		}
	}
}

func TestResumeWithinFirstTail(t *testing.T) {
	h := New(Options{})
	publishAll(t, h, "meta:1:a", "snap:2:a:h", "ev:3:a", "ev:4:a")
	for from, want := range map[uint64][]string{
		2: {"ev:3", "ev:4"},
		3: {"ev:4"},
		1: {"sync:from=1", "meta:1", "snap:2", "ev:3", "ev:4"},
	} {
		r := subscribe(t, h, from)
		if got := queued(r); !slices.Equal(got, want) {
			t.Errorf("Subscribe(%d) = %q, want %q", from, got, want)
		}
	}
}

func TestLeave(t *testing.T) {
	h := New(Options{})
	publishAll(t, h, "snap:1:a:ha", "snap:2:b:hb", "snap:3:c:hc", "leave:4:a")
	// a's snapshot is gone; b's is kept.
	if _, err := h.Publish(f("ref:5:a:ha")); tandem.ErrorCode(err) != tandem.EBadProtocol {
		t.Errorf("ref to a left page = %v, want %s", err, tandem.EBadProtocol)
	}
	publishAll(t, h, "ref:5:b:hb")
	// Leaving the current page keeps its snapshot: a late reader needs it.
	publishAll(t, h, "leave:6:b")
	r := subscribe(t, h, 0)
	if got, want := queued(r), []string{"sync:from=2", "snap:2", "ref:5", "leave:6"}; !slices.Equal(got, want) {
		t.Errorf("backlog after leaving the current page = %q, want %q", got, want)
	}
	publishAll(t, h, "ref:7:b:hb", "ref:8:c:hc")
}

func TestSnapshotReplacesPageHash(t *testing.T) {
	h := New(Options{})
	publishAll(t, h, "snap:1:a:old", "snap:2:a:new")
	if _, err := h.Publish(f("ref:3:a:old")); tandem.ErrorCode(err) != tandem.EBadProtocol {
		t.Errorf("ref to a replaced snapshot = %v, want %s", err, tandem.EBadProtocol)
	}
	publishAll(t, h, "ref:3:a:new")
}

func TestBroadcast(t *testing.T) {
	sink := &memSink{}
	h := New(Options{Sink: sink})
	publishAll(t, h, "snap:1:a:h")
	r1, r2 := subscribe(t, h, 1), subscribe(t, h, 0)
	queued(r2)
	h.Broadcast(EncodeFrame(Header{Kind: "presence"}, []byte(`{"person":"away"}`)))
	for _, r := range []*testReader{r1, r2} {
		if got := queued(r); !slices.Equal(got, []string{"presence"}) {
			t.Errorf("reader got %q, want the presence frame", got)
		}
	}
	late := subscribe(t, h, 0)
	if got := queued(late); slices.Contains(got, "presence") {
		t.Errorf("a broadcast frame was retained: %q", got)
	}
	if len(sink.frames) != 1 {
		t.Errorf("sink got %d frames, want only the data frame", len(sink.frames))
	}
}

func TestHubClose(t *testing.T) {
	h := New(Options{})
	r := subscribe(t, h, 0)
	ended := tandem.Errorf(tandem.EConflict, "assist ended")
	h.Close(ended)
	h.Close(nil)
	if !errors.Is(r.Err(), ended) {
		t.Errorf("reader Err = %v, want the close reason", r.Err())
	}
	if _, err := h.Publish(f("ev:1")); !errors.Is(err, ended) {
		t.Errorf("Publish after Close = %v", err)
	}
	if _, err := h.Subscribe(0, nil); !errors.Is(err, ended) {
		t.Errorf("Subscribe after Close = %v", err)
	}
	if h.Readers() != 0 {
		t.Errorf("Readers after Close = %d", h.Readers())
	}
	h2 := New(Options{})
	h2.Close(nil)
	if _, err := h2.Subscribe(0, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close(nil) = %v, want ErrClosed", err)
	}
}

func TestOnNeedSnapshot(t *testing.T) {
	var calls atomic.Int32
	var h *Hub
	h = New(Options{
		MaxRetainedBytes: 40 << 10,
		OnNeedSnapshot: func() {
			calls.Add(1)
			// Called without locks: the hub can be used from here.
			_ = h.Stats()
			_ = h.Readers()
		},
	})
	big := func(seq int) []byte {
		return EncodeFrame(Header{Kind: KindEv, Seq: uint64(seq), Page: "a"}, []byte(strings.Repeat("x", 1000)))
	}
	seq := 0
	pub := func(frame []byte) {
		t.Helper()
		if _, err := h.Publish(frame); err != nil {
			t.Fatal(err)
		}
	}
	seq++
	pub(f(fmt.Sprintf("snap:%d:a:h", seq)))
	for range 19 { // 19 KB of tail: under half of 40 KiB
		seq++
		pub(big(seq))
	}
	if calls.Load() != 0 {
		t.Fatalf("OnNeedSnapshot called with a small tail")
	}
	for range 5 {
		seq++
		pub(big(seq))
	}
	if calls.Load() != 1 {
		t.Fatalf("OnNeedSnapshot called %d times past half the limit, want 1", calls.Load())
	}
	for range 5 {
		seq++
		pub(big(seq))
	}
	if calls.Load() != 1 {
		t.Fatalf("OnNeedSnapshot called %d times for one need, want 1", calls.Load())
	}
	seq++
	pub(f(fmt.Sprintf("snap:%d:a:h2", seq)))
	for range 25 {
		seq++
		pub(big(seq))
	}
	if calls.Load() != 2 {
		t.Fatalf("OnNeedSnapshot called %d times after a new snapshot and tail, want 2", calls.Load())
	}
}

func TestRetentionLimit(t *testing.T) {
	const limit = 20 << 10
	h := New(Options{MaxRetainedBytes: limit})
	pad := strings.Repeat("s", 3000)
	seq := uint64(0)
	snap := func(page string) {
		seq++
		if _, err := h.Publish(EncodeFrame(Header{Kind: KindSnap, Seq: seq, Page: page, Hash: "h" + page}, []byte(pad))); err != nil {
			t.Fatal(err)
		}
	}
	ev := func() {
		seq++
		if _, err := h.Publish(EncodeFrame(Header{Kind: KindEv, Seq: seq}, []byte(pad))); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		snap(p)
		if r := h.Stats().RetainedBytes; r > limit {
			t.Fatalf("retained %d bytes, over the limit %d", r, limit)
		}
	}
	// The oldest pages were given up; the recent ones are still there.
	seq++
	if _, err := h.Publish(f(fmt.Sprintf("ref:%d:a:ha", seq))); tandem.ErrorCode(err) != tandem.EBadProtocol {
		t.Errorf("ref to an evicted page = %v, want %s", err, tandem.EBadProtocol)
	}
	publishAll(t, h, fmt.Sprintf("ref:%d:g:hg", seq))
	// A tail too long to keep is dropped: late readers wait for a snapshot,
	// and resuming readers that are up to date still resume.
	upToDate := seq
	for range 10 {
		ev()
		if r := h.Stats().RetainedBytes; r > limit {
			t.Fatalf("retained %d bytes, over the limit %d", r, limit)
		}
	}
	r := subscribe(t, h, 0)
	if got, want := queued(r), []string{fmt.Sprintf("sync:from=%d", seq+1)}; !slices.Equal(got, want) {
		t.Errorf("late reader with the tail dropped got %q, want %q", got, want)
	}
	if got := queued(subscribe(t, h, seq-1)); !slices.Equal(got, []string{fmt.Sprintf("ev:%d", seq)}) {
		t.Errorf("resume from %d got %q", seq-1, got)
	}
	if got := queued(subscribe(t, h, upToDate)); len(got) == 0 || !strings.HasPrefix(got[0], "sync") {
		t.Errorf("resume from a dropped part of the tail got %q, want a sync", got)
	}
	// The next snapshot makes late readers whole again.
	snap("g")
	got := queued(r)
	if !slices.Equal(got, []string{fmt.Sprintf("snap:%d", seq)}) {
		t.Errorf("waiting reader got %q, want the new snapshot", got)
	}
	if got := queued(subscribe(t, h, 0)); !slices.Equal(got, []string{fmt.Sprintf("sync:from=%d", seq), fmt.Sprintf("snap:%d", seq)}) {
		t.Errorf("late reader after the new snapshot got %q", got)
	}
}

// A snapshot larger than the whole limit is relayed but not kept.
func TestSnapshotOverLimit(t *testing.T) {
	h := New(Options{MaxRetainedBytes: 1000})
	var asked atomic.Bool
	h.opts.OnNeedSnapshot = func() { asked.Store(true) }
	r := subscribe(t, h, 0)
	queued(r)
	frame := EncodeFrame(Header{Kind: KindSnap, Seq: 1, Page: "a", Hash: "h"}, []byte(strings.Repeat("x", 2000)))
	if _, err := h.Publish(frame); err != nil {
		t.Fatal(err)
	}
	if got := queued(r); !slices.Equal(got, []string{"snap:1"}) {
		t.Errorf("live reader got %q", got)
	}
	if st := h.Stats(); st.RetainedBytes != 0 {
		t.Errorf("retained %d bytes of an oversized snapshot", st.RetainedBytes)
	}
	if !asked.Load() {
		t.Error("OnNeedSnapshot not called when nothing could be kept")
	}
}

type memSink struct {
	mu     sync.Mutex
	frames []string
	times  []time.Time
	fail   error
}

func (s *memSink) WriteFrame(at time.Time, frame []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.frames = append(s.frames, desc(frame))
	s.times = append(s.times, at)
	return nil
}

func TestSink(t *testing.T) {
	sink := &memSink{}
	now := time.UnixMilli(1_700_000_000_000)
	h := New(Options{Sink: sink, Now: func() time.Time { now = now.Add(time.Millisecond); return now }})
	publishAll(t, h, "snap:1:a:h", "ev:2:a")
	h.Publish(f("ev:2:a"))    // duplicate
	h.Publish(f("ev:9:a"))    // gap
	h.Publish(f("ref:3:b:x")) // unknown snapshot
	h.Broadcast(f("ev:100"))  // control path
	if want := []string{"snap:1", "ev:2"}; !slices.Equal(sink.frames, want) {
		t.Errorf("sink got %q, want %q", sink.frames, want)
	}
	if sink.times[1].Sub(sink.times[0]) != time.Millisecond {
		t.Errorf("sink times %v, want from Options.Now", sink.times)
	}

	// A failing sink refuses the frame: nothing is relayed or counted, and
	// the writer can send it again.
	r := subscribe(t, h, 2)
	sink.fail = errors.New("disk full")
	if _, err := h.Publish(f("ev:3:a")); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Publish with failing sink = %v", err)
	}
	if h.LastSeq() != 2 || len(queued(r)) != 0 {
		t.Fatalf("a frame the sink refused was accepted (last %d)", h.LastSeq())
	}
	sink.fail = nil
	publishAll(t, h, "ev:3:a")
	if got := queued(r); !slices.Equal(got, []string{"ev:3"}) {
		t.Errorf("after retry reader got %q", got)
	}
	if st := h.Stats(); st.FramesIn != 3 {
		t.Errorf("FramesIn = %d, want 3", st.FramesIn)
	}
}

func TestStatsBytes(t *testing.T) {
	h := New(Options{})
	a, b := f("snap:1:a:h"), f("ev:2:a")
	for _, fr := range [][]byte{a, b} {
		if _, err := h.Publish(fr); err != nil {
			t.Fatal(err)
		}
	}
	st := h.Stats()
	if st.BytesIn != uint64(len(a)+len(b)) || st.LastSeq != 2 || st.RetainedBytes != len(a)+len(b) {
		t.Errorf("Stats = %+v, want %d bytes in and retained, last 2", st, len(a)+len(b))
	}
}

// A hub that starts after a sequence number (a session taken over from its
// recording) drops the frames up to it as resent, takes the next one, and
// gives a reader from before it a sync to wait for the next snapshot; a
// reader that applied everything up to it resumes.
func TestStartAfter(t *testing.T) {
	h := New(Options{After: 7})
	if got := h.LastSeq(); got != 7 {
		t.Fatalf("LastSeq = %d, want 7", got)
	}
	if dup, err := h.Publish(f("ev:7:a")); err != nil || !dup {
		t.Errorf("Publish(ev:7) = %v, %v; want a duplicate", dup, err)
	}
	if _, err := h.Publish(f("ev:9:a")); tandem.ErrorCode(err) != tandem.EBadProtocol {
		t.Errorf("Publish(ev:9) = %v; want a sequence gap", err)
	}
	for from, want := range map[uint64][]string{
		0: {"sync:from=8"},
		3: {"sync:from=8"},
		7: nil,
		9: {"sync:from=8"},
	} {
		r := subscribe(t, h, from)
		if got := queued(r); !slices.Equal(got, want) {
			t.Errorf("Subscribe(%d) = %q, want %q", from, got, want)
		}
	}
	publishAll(t, h, "ev:8:a", "snap:9:a:h")
	r := subscribe(t, h, 0)
	if got, want := queued(r), []string{"sync:from=9", "snap:9"}; !slices.Equal(got, want) {
		t.Errorf("after a snapshot, Subscribe(0) = %q, want %q", got, want)
	}
}
