package lease

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// handoverTTL is how long the lease of a session handed over lasts: as
// short as the store takes, so that it has lapsed before any client comes
// back.
const handoverTTL = time.Millisecond

// Handover gives up the lease of a session that goes on without this node
// (the node drains): the session is not ended, and any node may take it at
// once. Unlike Release, the lease is left lapsed rather than free: a
// released lease is how an ended session leaves its own, and sweeps skip
// it, whereas a lapsed one is swept, after its grace, when no client ever
// comes back for it. The lease is handed to a holder that never renews it
// (this node's id with "-handover"), for a millisecond. A lease not held is
// not an error.
func (n *Node) Handover(ctx context.Context, id string, kind store.LeaseKind) error {
	n.mu.Lock()
	h := n.held[id]
	delete(n.held, id)
	n.mu.Unlock()
	if h == nil {
		return nil
	}
	if err := n.st.Release(ctx, id, n.id, h.token); err != nil {
		return fmt.Errorf("hand over the lease of session %s: %w", id, err)
	}
	_, err := n.st.Acquire(ctx, id, kind, n.id+"-handover", n.url, handoverTTL)
	if tandem.ErrorCode(err) == tandem.EConflict {
		return nil // another node took it between the two: it is served
	}
	if err != nil {
		return fmt.Errorf("hand over the lease of session %s: %w", id, err)
	}
	return nil
}
