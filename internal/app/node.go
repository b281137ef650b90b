package app

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/sshrelay"
)

// startNode gives this run of the server its node identity: a new random
// id (a restarted node must not renew its last run's leases), the URL other
// nodes reach it at (NodeURL, else the public URL), and the TTL of its
// sessions' leases.
func (s *Server) startNode() error {
	if s.cfg.LeaseTTL < 0 {
		return fmt.Errorf("--lease-ttl %v is negative", s.cfg.LeaseTTL)
	}
	n, err := lease.New(s.db, cmp.Or(s.cfg.NodeURL, s.cfg.PublicURL), s.cfg.LeaseTTL, s.log)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	s.node = n
	s.log.Info("node", "id", n.ID(), "url", n.URL(), "lease_ttl", n.TTL())
	return nil
}

// runNode renews this node's leases every TTL/3 (the heartbeat) and, every
// TTL, ends the sessions of nodes that let their leases lapse, until ctx
// ends (after the sessions here ended and gave their leases up).
func (s *Server) runNode(ctx context.Context) {
	ctx, s.stopNode = context.WithCancel(ctx)
	s.wg.Go(func() { s.node.Heartbeat(ctx) })
	s.wg.Go(func() {
		t := time.NewTicker(s.node.TTL())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			s.sweepNodes(ctx)
		}
	})
}

// sweepNodes ends the assists and terminal sessions whose owner died.
func (s *Server) sweepNodes(ctx context.Context) {
	if n, err := s.assists.SweepExpired(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("sweep assists of stopped nodes", "err", err)
	} else if n > 0 {
		s.log.Info("ended assists of a stopped node", "count", n)
	}
	if n, err := sshrelay.SweepExpired(ctx, s.db, s.node, cmp.Or(s.cfg.HostGrace, s.cfg.Grace)); err != nil && ctx.Err() == nil {
		s.log.Error("sweep terminal sessions of stopped nodes", "err", err)
	} else if n > 0 {
		s.log.Info("ended terminal sessions of a stopped node", "count", n)
	}
}
