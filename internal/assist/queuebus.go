package assist

import (
	"context"
	"time"

	"github.com/tandemhq/tandem/internal/bus"
)

// Queue changes between nodes. An agent's queue lists the open assists of
// every node from the store; what the bus carries is only "look again":
// each node announces its own changes (bus.QueueChange, one subject for
// every site), and signals its queue watchers when another node announces
// one. Its own announcements come back to it and are ignored: it signalled
// its watchers already, at once. A node that may have missed an
// announcement (its subscription dropped one, or the bus was cut off)
// signals its watchers too: listing again is always right.

// startQueueBus follows and announces queue changes on Config.Bus until
// ctx ends. The subscription is active when it returns, so that a change
// another node announces after that is heard.
func (s *Service) startQueueBus(ctx context.Context) {
	s.busNode = newID()
	if s.cfg.Node != nil {
		s.busNode = s.cfg.Node.ID()
	}
	node := s.busNode
	s.wg.Go(bus.Follow(ctx, s.cfg.Bus, bus.Follower{
		Subject: bus.Queues(),
		Apply: func(_ context.Context, m bus.Message) {
			if otherNode(m, node) {
				s.signalQueue()
			}
		},
		// An announcement may have been missed: listing again is
		// always right.
		Reload:  func(context.Context) { s.signalQueue() },
		Refused: func(err error) { s.log.Error("follow the queue on the bus", "err", err) },
	}))
	s.wg.Go(func() { s.announceLoop(ctx, node) })
}

// announceQueue asks for the bus to carry a queue change to the other
// nodes. It never waits: an announcement already pending covers this one.
func (s *Service) announceQueue() {
	select {
	case s.queueOut <- struct{}{}:
	default:
	}
}

// announceLoop publishes the pending announcement, one per burst of
// changes, until ctx ends; then the last one, so that the changes of a
// shutdown (every assist here ended) are heard too.
func (s *Service) announceLoop(ctx context.Context, node string) {
	data := bus.QueueChange{Node: node}.Encode()
	publish := func() {
		// The bus never waits for a subscriber; a short bound keeps a
		// shutdown from waiting on a bus that is gone.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.cfg.Bus.Publish(pctx, bus.Queues(), data); err != nil {
			s.log.Warn("announce a queue change on the bus", "err", err)
		}
	}
	for {
		select {
		case <-s.queueOut:
			publish()
		case <-ctx.Done():
			select {
			case <-s.queueOut:
				publish()
			default:
			}
			return
		}
	}
}

// otherNode reports whether m announces a change that is not this node's.
// A message that cannot be read counts as another node's: listing again is
// harmless, missing a change is not.
func otherNode(m bus.Message, node string) bool {
	c, err := bus.DecodeQueueChange(m.Data)
	return err != nil || c.Node != node
}
