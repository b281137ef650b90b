package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

func padded(n int) []byte {
	return []byte(`[{"type":3,"data":{"pad":"` + strings.Repeat("x", n) + `"},"timestamp":1}]`)
}

// A person over the rate is held back on their own channel while another
// assist's frames flow; one who would wait too long is closed with 4429.
func TestRateLimitHoldsOnlyTheSender(t *testing.T) {
	ctx, ts, agent, flood := startLive(t, app.Config{AssistRateBytes: 64 << 10, AssistBurstBytes: 64 << 10})
	other := livePerson(t, ctx, ts, agent)

	// The burst, then a frame that must wait about 2 s for the rate.
	if _, err := flood.SendData(ctx, "ev", "a", "", padded(60<<10)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	held, err := flood.SendData(ctx, "ev", "a", "", padded(128<<10))
	if err != nil {
		t.Fatal(err)
	}
	floodAcked := make(chan time.Time, 1)
	go func() {
		for {
			h, _, err := simclient.ReadUntil(ctx, flood.WS, "ack")
			if err != nil {
				floodAcked <- time.Time{}
				return
			}
			if h.Ack >= held {
				floodAcked <- time.Now()
				return
			}
		}
	}()
	// Meanwhile the other person's frames are taken and acknowledged.
	for range 3 {
		if _, err := other.SendData(ctx, "ev", "a", "", padded(100)); err != nil {
			t.Fatal(err)
		}
	}
	if h, _, err := simclient.ReadUntil(ctx, other.WS, "ack"); err != nil || h.Ack != 3 {
		t.Fatalf("other assist: ack %+v, %v", h, err)
	}
	otherAcked := time.Now()
	at := <-floodAcked
	if at.IsZero() || at.Before(otherAcked) {
		t.Fatalf("the held frame was acknowledged before the other assist's frames (%v, %v)", at, otherAcked)
	}
	if waited := at.Sub(start); waited < 1500*time.Millisecond {
		t.Fatalf("the frame over the rate was taken after %v; want about 2 s", waited)
	}

	// A frame that would wait over 5 s is refused with 4429.
	if _, err := flood.SendData(ctx, "ev", "a", "", padded(512<<10)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := simclient.ReadUntil(ctx, flood.WS, "never"); closeCode(err) != 4429 {
		t.Fatalf("frame over the rate: %v, want close 4429", err)
	}
}

// An assist whose recording reaches its limit ends for everyone, with the
// reason.
func TestRecordingLimitEndsTheAssist(t *testing.T) {
	ctx, _, agent, p := startLive(t, app.Config{AssistMaxBytes: 100 << 10})
	watch := mustWatch(t, ctx, agent, p.AssistID, 0)
	sendCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for sendCtx.Err() == nil {
			if _, err := p.SendData(sendCtx, "ev", "a", "", padded(10<<10)); err != nil {
				return
			}
		}
	}()
	_, body, err := simclient.ReadUntil(ctx, watch, "ended")
	if err != nil || !strings.Contains(string(body), "its limit of") {
		t.Fatalf("agent: %s, %v; want ended at the limit", body, err)
	}
}
