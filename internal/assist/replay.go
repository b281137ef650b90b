package assist

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
)

// RecordedFrame is one data frame of a recording, as the replay reads it.
type RecordedFrame struct {
	Seq     uint64          `json:"s"`
	Kind    string          `json:"k"`
	Page    string          `json:"p,omitempty"`
	Hash    string          `json:"h,omitempty"`
	At      int64           `json:"at"` // when the server received it, unix ms
	Payload json.RawMessage `json:"d,omitempty"`
}

// Recording reads back every frame recorded for an ended assist.
func (s *Service) Recording(ctx context.Context, id string) (*tandem.Assist, []RecordedFrame, error) {
	a, err := s.store.AssistByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if a.State != tandem.AssistEnded {
		return nil, nil, tandem.Errorf(tandem.EConflict, "the assist is still %s; its recording is complete once it ends", a.State)
	}
	if err := s.recordingKept(ctx, a); err != nil {
		return nil, nil, err
	}
	frames := []RecordedFrame{}
	if a.StartedAt.IsZero() {
		return a, frames, nil // never went live: nothing was captured
	}
	r, err := record.Open(ctx, s.blobs, id)
	if err != nil {
		if tandem.ErrorCode(err) == tandem.ENotFound {
			return a, frames, nil
		}
		return nil, nil, fmt.Errorf("open recording: %w", err)
	}
	defer r.Close()
	dropped, firstDropped := 0, uint64(0)
	err = record.ReadFrames(r, func(at time.Time, frame []byte) error {
		h, err := hub.ParseHeader(frame)
		if err != nil {
			return err
		}
		f := RecordedFrame{Seq: h.Seq, Kind: h.Kind, Page: h.Page, Hash: h.Hash, At: at.UnixMilli()}
		if p := payload(frame); len(p) > 0 {
			if !json.Valid(p) {
				// Recorded before payloads were checked on arrival: the
				// answer could not be encoded with it. Leave it out and
				// say so, rather than fail the whole replay.
				if dropped == 0 {
					firstDropped = h.Seq
				}
				dropped++
				return nil
			}
			f.Payload = json.RawMessage(append([]byte(nil), p...))
		}
		frames = append(frames, f)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read recording of %s: %w", id, err)
	}
	if dropped > 0 {
		s.log.Error("recorded frames are not JSON; left out of the replay", "assist", id, "frames", dropped, "first", firstDropped)
	}
	return a, frames, nil
}
