package record

import (
	"compress/gzip"
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/internal/blobs"
)

// epochShift places each owner's chunks of a session in a range of its own:
// 2^32 chunks of 256 KiB are far more than any recording holds.
const epochShift = 32

// Epoch is the first chunk number (WriterOptions.FirstChunk) of the owner
// of a session whose lease has fencing token token: a later owner's token
// is greater, so its chunks follow every chunk of the owners before it.
// The first owner (token 1) numbers from 0, as a session that never moved.
func Epoch(token int64) uint64 {
	if token <= 1 {
		return 0
	}
	return uint64(token-1) << epochShift
}

// LastFrame returns the last framed entry stored in the recording of a web
// assist, and its receive time: the frame of the highest sequence number
// that is durable, as a server taking the assist over needs it. Each chunk
// holds whole entries (a Writer never splits one), so only the last chunk
// is read. A session with no chunks returns a nil frame and no error.
func LastFrame(ctx context.Context, store blobs.Store, sessionID string) (frame []byte, at time.Time, err error) {
	if err := validSessionID(sessionID); err != nil {
		return nil, time.Time{}, err
	}
	nums, err := chunks(ctx, store, sessionID)
	if err != nil || len(nums) == 0 {
		return nil, time.Time{}, err
	}
	key := chunkKey(sessionID, nums[len(nums)-1])
	rc, err := store.Get(ctx, key)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("opening chunk %s: %w", key, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("reading chunk %s: %w", key, err)
	}
	defer zr.Close()
	err = ReadFrames(zr, func(t time.Time, f []byte) error {
		frame, at = append(frame[:0], f...), t
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("reading chunk %s: %w", key, err)
	}
	return frame, at, nil
}
