package assist

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
)

// A recording made before payloads were checked may hold one that is not
// JSON: the replay leaves it out instead of failing to encode.
func TestReplayLeavesOutPayloadsThatAreNotJSON(t *testing.T) {
	h := newHarness(t, Config{}, nil)
	_, id := h.endedAfterOneFrame()
	w := record.NewWriter(h.blobs, id, record.WriterOptions{})
	if err := w.WriteFrame(time.Now(), hub.EncodeFrame(hub.Header{Kind: "ev", Seq: 2, Page: "p1"}, []byte(`[{"type":3},`))); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(time.Now(), evFrame(3)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(h.ctx); err != nil {
		t.Fatal(err)
	}
	_, frames, err := h.s.RecordedFrames(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 2 || frames[0].Seq != 1 || frames[1].Seq != 3 {
		t.Fatalf("replay has %+v, want frames 1 and 3", frames)
	}
	if _, err := json.Marshal(frames); err != nil {
		t.Fatalf("the replay cannot be encoded: %v", err)
	}
}

// RecordedFrames reads every frame of an ended assist's recording into
// memory, for tests of short recordings.
func (s *Service) RecordedFrames(ctx context.Context, id string) (*tandem.Assist, []RecordedFrame, error) {
	a, rr, err := s.Recording(ctx, id, nil)
	if err != nil {
		return nil, nil, err
	}
	defer rr.Close()
	frames := []RecordedFrame{}
	err = rr.Each(func(f *RecordedFrame) error {
		c := *f
		c.Payload = append(json.RawMessage(nil), f.Payload...)
		if len(f.Payload) == 0 {
			c.Payload = nil
		}
		frames = append(frames, c)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return a, frames, nil
}
