package assist

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
)

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBucket(1000, 2000, t0) // 1000 bytes a second, 2000 at once
	steps := []struct {
		after time.Duration
		n     int
		wait  time.Duration
		ok    bool
	}{
		{0, 1500, 0, true},                                 // from the burst
		{0, 500, 0, true},                                  // the rest of it
		{0, 500, 500 * time.Millisecond, true},             // waits for what refills
		{0, 6000, 0, false},                                // would wait 6.5 s: refused, nothing taken
		{time.Second, 500, 0, true},                        // a second later, paid back
		{10 * time.Second, 9000, 0, true},                  // a full bucket lets any frame through
		{time.Second, 100, 6100 * time.Millisecond, false}, // and the debt is paid after it
	}
	now := t0
	for i, s := range steps {
		now = now.Add(s.after)
		wait, ok := b.take(now, s.n, maxThrottle)
		if ok != s.ok || (ok && wait != s.wait) {
			t.Fatalf("step %d: take(%d) = %v, %v; want %v, %v", i, s.n, wait, ok, s.wait, s.ok)
		}
	}
}

// payloadFrame is an ev frame of about n bytes.
func payloadFrame(seq uint64, n int) []byte {
	return hub.EncodeFrame(hub.Header{Kind: "ev", Seq: seq, Page: "p1"},
		[]byte(`[{"type":3,"data":{"pad":"`+strings.Repeat("x", n)+`"},"timestamp":1}]`))
}

// A person over the rate waits, on their own channel; one who would wait
// too long is closed with 4429 and nothing of the frame is taken.
func TestRateLimit(t *testing.T) {
	now := time.Unix(1000, 0) // the clock stands still: only waits pay back
	h := newHarness(t, Config{RateBytes: 10_000, BurstBytes: 20_000, Now: func() time.Time { return now }}, nil)
	p, _ := h.live() // the consent frame took a few bytes of the burst
	if err := p.Handle(h.ctx, payloadFrame(1, 19_000)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Handle(h.ctx, payloadFrame(2, 2_000)); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("a frame over the rate went through after %v; want it held about 0.2 s", waited)
	}
	err := p.Handle(h.ctx, payloadFrame(3, 60_000))
	if closeCode(err) != CloseTooFast || !strings.Contains(err.Error(), "9 KiB/s") {
		t.Fatalf("a frame that would wait 6 s: %v, want 4429", err)
	}
	if got := p.l.hub.LastSeq(); got != 2 {
		t.Fatalf("last accepted = %d, want 2", got)
	}
}

// An assist whose recording reaches its limit ends, and says why.
func TestRecordingLimitEndsTheAssist(t *testing.T) {
	h := newHarness(t, Config{MaxRecordedBytes: 10_000}, nil)
	p, id := h.live()
	var err error
	seq := uint64(1)
	for ; seq < 100 && err == nil; seq++ {
		err = p.Handle(h.ctx, payloadFrame(seq, 1_000))
	}
	if closeCode(err) != closeEnded || seq > 12 {
		t.Fatalf("frame %d: %v, want the assist ended at its 10th frame", seq-1, err)
	}
	hs, ce := drain(p)
	if len(hs) == 0 || hs[len(hs)-1].Kind != "ended" || ce == nil || ce.Code != closeEnded || !strings.Contains(ce.Reason, "limit") {
		t.Fatalf("person got %v then %v; want ended, then 4410 with the limit", hs, ce)
	}
	a, err := h.db.AssistByID(h.ctx, id)
	if err != nil || a.State != tandem.AssistEnded || !strings.Contains(a.EndReason, "limit of 10000 bytes") {
		t.Fatalf("assist = %+v, %v", a, err)
	}
	_, frames, err := h.s.RecordedFrames(h.ctx, id)
	if err != nil || len(frames) != int(seq)-2 {
		t.Fatalf("recording has %d frames (%v), want the %d accepted", len(frames), err, seq-2)
	}
}
