package record

import (
	"context"
	"fmt"

	"github.com/tandemhq/tandem/internal/blobs"
)

// Delete removes every blob of a session's recording: its chunks and any
// other key under recordings/<sessionID>/. It returns how many blobs it
// deleted. Deleting a recording that has no blobs (never recorded, or
// deleted before) deletes nothing and is not an error, so a delete that
// failed half-way, or that two servers run at once, can simply be retried.
func Delete(ctx context.Context, store blobs.Store, sessionID string) (int, error) {
	if err := validSessionID(sessionID); err != nil {
		return 0, err
	}
	keys, err := store.List(ctx, root+sessionID+"/")
	if err != nil {
		return 0, fmt.Errorf("listing recording %s: %w", sessionID, err)
	}
	for i, k := range keys {
		if err := store.Delete(ctx, k); err != nil {
			return i, fmt.Errorf("deleting recording %s: %w", sessionID, err)
		}
	}
	return len(keys), nil
}
