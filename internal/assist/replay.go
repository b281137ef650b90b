package assist

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// RecordingReader reads the frames of an ended assist's recording one at a
// time, fetching the recording's chunks as reading reaches them: a replay
// of any length is served with the memory of one chunk. Close it.
type RecordingReader struct {
	s  *Service
	id string
	r  io.ReadCloser // nil: nothing was recorded
}

// Recording checks that the assist id has ended and opens its recording.
// Every error that can be known before the first frame (no such assist, not
// ended, storage unreachable) is returned here, so that an HTTP answer can
// still say so. beforeChunk, if not nil, is called before each chunk after
// the first is fetched (a fetch may take a while): an HTTP handler flushes
// what it has written there, so the client gets the frames read so far.
func (s *Service) Recording(ctx context.Context, id string, beforeChunk func()) (*tandem.Assist, *RecordingReader, error) {
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
	rr := &RecordingReader{s: s, id: id}
	if a.StartedAt.IsZero() {
		return a, rr, nil // never went live: nothing was captured
	}
	r, err := record.OpenWith(ctx, s.blobs, id, record.ReadOptions{BeforeChunk: beforeChunk})
	if err != nil {
		if tandem.ErrorCode(err) == tandem.ENotFound {
			return a, rr, nil
		}
		return nil, nil, fmt.Errorf("open recording: %w", err)
	}
	rr.r = r
	return a, rr, nil
}

// Each calls fn for every frame in order, until the recording ends or fn
// fails. The frame and its payload are only valid during the call. A
// payload that is not JSON (recorded before payloads were checked on
// arrival) is left out of the replay, and logged once, rather than fail it.
func (rr *RecordingReader) Each(fn func(f *RecordedFrame) error) error {
	if rr.r == nil {
		return nil
	}
	dropped, firstDropped := 0, uint64(0)
	var f RecordedFrame
	err := record.ReadFrames(rr.r, func(at time.Time, frame []byte) error {
		h, err := hub.ParseHeader(frame)
		if err != nil {
			return err
		}
		f = RecordedFrame{Seq: h.Seq, Kind: h.Kind, Page: h.Page, Hash: h.Hash, At: at.UnixMilli()}
		if p := payload(frame); len(p) > 0 {
			if !json.Valid(p) {
				if dropped == 0 {
					firstDropped = h.Seq
				}
				dropped++
				return nil
			}
			f.Payload = json.RawMessage(p)
		}
		return fn(&f)
	})
	if dropped > 0 {
		rr.s.log.Error("recorded frames are not JSON; left out of the replay", "assist", rr.id, "frames", dropped, "first", firstDropped)
	}
	if err != nil {
		return fmt.Errorf("read recording of %s: %w", rr.id, err)
	}
	return nil
}

// Close releases the chunk being read.
func (rr *RecordingReader) Close() error {
	if rr.r == nil {
		return nil
	}
	return rr.r.Close()
}
