package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// drainer is a service that hands its live sessions over to other nodes
// without ending them: it makes their recordings durable, gives their
// leases up and closes their clients with a code that makes them
// reconnect (through the load balancer, to another node, which takes the
// sessions over). Its Shutdown (or Close) afterwards ends nothing it
// handed over.
type drainer interface {
	Drain(ctx context.Context) error
}

// Drain hands this node's sessions over to the other nodes before it
// stops (SIGTERM), in this order: /readyz says "stopping" at once; after
// Config.DrainDelay, long enough for the load balancers to stop sending
// new clients here, the assists and then the terminal sessions are handed
// over. Close afterwards stops the rest. When ctx ends first, Drain
// returns its error, and what was not handed over is ended by Close as on
// a single node.
func (s *Server) Drain(ctx context.Context) error {
	s.draining.Store(true)
	s.log.Info("draining: handing the sessions over to the other nodes", "delay", s.cfg.DrainDelay)
	if d := s.cfg.DrainDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("drain: %w", ctx.Err())
		}
	}
	var errs []error
	for _, d := range s.drainers() {
		if err := d.s.Drain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drain the %s: %w", d.what, err))
		}
	}
	return errors.Join(errs...)
}

// namedDrainer is a drainer and what it serves, for errors.
type namedDrainer struct {
	what string
	s    drainer
}

// drainers are the services running here that hand their sessions over.
func (s *Server) drainers() []namedDrainer {
	var out []namedDrainer
	if s.assists != nil {
		out = append(out, namedDrainer{"assists", s.assists})
	}
	if s.ssh != nil {
		out = append(out, namedDrainer{"terminal sessions", s.ssh})
	}
	return out
}
