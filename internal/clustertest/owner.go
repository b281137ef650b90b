package clustertest

import (
	"context"
	"sync"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/store"
)

// admin is the test's own connection to the shared store, opened on first
// use and closed with the cluster.
type admin struct {
	once sync.Once
	db   store.Store
	err  error
}

// Store is the shared store, opened by the test (as an operator's tools
// would), for checks the API does not answer.
func (c *Cluster) Store() store.Store {
	c.t.Helper()
	c.admin.once.Do(func() {
		c.admin.db, c.admin.err = backend.OpenStore(context.Background(), c.StoreURL)
		if c.admin.err == nil {
			c.t.Cleanup(func() { c.admin.db.Close() })
		}
	})
	if c.admin.err != nil {
		c.t.Fatalf("clustertest: open the store: %v", c.admin.err)
	}
	return c.admin.db
}

// Owner returns the node whose live lease holds the session, or nil when no
// node holds it (never had one, lapsed or released).
func (c *Cluster) Owner(ctx context.Context, sessionID string) *Node {
	c.t.Helper()
	l, err := c.Store().LeaseOf(ctx, sessionID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil
	}
	if err != nil {
		c.t.Fatalf("clustertest: lease of %s: %v", sessionID, err)
	}
	if !l.Live() {
		return nil
	}
	for _, n := range c.Nodes {
		if n.URL() == l.NodeURL {
			return n
		}
	}
	c.t.Fatalf("clustertest: session %s is held by %s at %s, which is no node of the cluster", sessionID, l.Node, l.NodeURL)
	return nil
}
