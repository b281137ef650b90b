package assist

import "testing"

// An agent ends the assist while a frame of the person is on its way: the
// frame is refused with the close the end gave the channel (4410 after the
// "ended" frame), not as if a newer connection had replaced it (4409).
func TestFrameAfterEndGetsTheEnd(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	p, _ := h.endedAfterOneFrame()
	err := p.Handle(h.ctx, evFrame(2))
	if code := closeCode(err); code != closeEnded {
		t.Fatalf("frame after the end: %v (code %d), want 4410", err, code)
	}
	p.Abort(closeCode(err), err.Error())
	hs, ce := drain(p)
	if len(hs) == 0 || hs[len(hs)-1].Kind != "ended" || ce == nil || ce.Code != closeEnded {
		t.Fatalf("person got %v then %v; want ended then 4410", hs, ce)
	}
}

// A newer connection of the person still replaces the older one with 4409.
func TestNewerConnectionReplaces(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	st := h.request()
	old := h.connect(st)
	h.connect(st)
	if err := old.Handle(h.ctx, evFrame(1)); closeCode(err) != CloseReplaced {
		t.Fatalf("frame on the replaced channel: %v, want 4409", err)
	}
	if _, ce := drain(old); ce == nil || ce.Code != CloseReplaced {
		t.Fatalf("replaced channel closes with %v, want 4409", ce)
	}
}
