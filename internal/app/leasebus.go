package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/store"
)

// Lease changes on the bus. Each lease that changes hands (taken over
// after its node died, lost the store or handed it over while draining),
// handed over, or given up is announced (bus.LeaseChange), so that other
// nodes act at once rather than at their next heartbeat or sweep. What
// listens here: a node that still believes it holds a session that
// another node took renews its leases at once (lease.Node.Renew), which
// stops serving every session it lost; without the message it would learn
// it at its next heartbeat, up to a third of a TTL later. Forwarding reads
// the owner from the store for each client and needs no message; the
// messages name the new owner and its URL for whatever follows them next.

// announcingLeases is the store as this node's leases use it: the lease
// changes it makes are announced on the bus.
type announcingLeases struct {
	lease.Store
	bus bus.Bus
	log *slog.Logger
}

// Acquire announces a lease taken anew: its token grew past the first (a
// session starting is of no interest to the other nodes).
func (a announcingLeases) Acquire(ctx context.Context, sessionID string, kind store.LeaseKind, node, nodeURL string, ttl time.Duration) (store.Lease, error) {
	l, err := a.Store.Acquire(ctx, sessionID, kind, node, nodeURL, ttl)
	if err == nil && l.Token > 1 {
		a.announce(ctx, bus.LeaseChange{Event: bus.LeaseTaken, Session: sessionID, Kind: string(kind), Node: node, NodeURL: nodeURL, Token: l.Token})
	}
	return l, err
}

// Release announces a lease given up: its session ended.
func (a announcingLeases) Release(ctx context.Context, sessionID, node string, token int64) error {
	err := a.Store.Release(ctx, sessionID, node, token)
	if err == nil {
		a.announce(ctx, bus.LeaseChange{Event: bus.LeaseReleased, Session: sessionID, Node: node, Token: token})
	}
	return err
}

// Lapse announces a lease handed over by a draining node.
func (a announcingLeases) Lapse(ctx context.Context, sessionID, node string, token int64) error {
	err := a.Store.Lapse(ctx, sessionID, node, token)
	if err == nil {
		a.announce(ctx, bus.LeaseChange{Event: bus.LeaseHandedOver, Session: sessionID, Node: node, Token: token})
	}
	return err
}

// announce publishes c. The bus never waits for a subscriber; a message
// lost changes only how soon other nodes notice.
func (a announcingLeases) announce(ctx context.Context, c bus.LeaseChange) {
	if err := a.bus.Publish(context.WithoutCancel(ctx), bus.Leases(), c.Encode()); err != nil {
		a.log.Warn("announce a lease change on the bus", "session", c.Session, "event", c.Event, "err", err)
	}
}

// followLeases subscribes to the lease changes of every node and, until
// ctx ends or the bus closes, renews this node's leases at once when
// another node took a session this node holds.
func (s *Server) followLeases(ctx context.Context) error {
	sub, err := s.bus.Subscribe(ctx, bus.Leases(), 0)
	if err != nil {
		return err
	}
	s.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-sub.C():
				if !ok {
					return
				}
				c, err := bus.DecodeLeaseChange(m.Data)
				if err != nil {
					s.log.Warn("a lease change on the bus cannot be read", "err", err)
					continue
				}
				if c.Event != bus.LeaseTaken || c.Node == s.node.ID() || !s.node.Holds(c.Session) {
					continue
				}
				s.log.Warn("another node took a session this node serves", "session", c.Session, "node", c.Node, "url", c.NodeURL)
				rctx, cancel := context.WithTimeout(ctx, s.node.TTL()/3)
				if err := s.node.Renew(rctx); err != nil && ctx.Err() == nil {
					s.log.Error("renew leases after a takeover", "err", err)
				}
				cancel()
			}
		}
	})
	return nil
}
