package assist

import (
	"context"
	"errors"
	"sync"

	"github.com/tandemhq/tandem/internal/hub"
)

// reasonDrain is the close reason of the channels of a node that drains.
const reasonDrain = "this server is restarting; reconnect"

// drainParallel bounds how many assists hand over at once: each waits for
// its recording's last chunk to be stored.
const drainParallel = 16

// Drain hands every assist running here over to the other nodes without
// ending any, as a node stopped for a restart does: new help requests and
// takeovers are refused here from now on (EUnavailable: they go to another
// node); each live assist's recording is made durable and the person's SDK
// told so (a last ack: nothing it sent is resent twice or lost); then its
// lease is handed over (lapsed, see lease.Node.Handover) and its channels
// close with CloseTryAgain, so that the clients reconnect through the load
// balancer to a node that takes the assist over from the store. Waiting and
// consenting requests are handed over too: other nodes' queues still list
// them. A Shutdown after Drain ends nothing that was handed over.
func (s *Service) Drain(ctx context.Context) error {
	s.draining.Store(true)
	var (
		mu    sync.Mutex
		errs  []error
		sem   = make(chan struct{}, drainParallel)
		wg    sync.WaitGroup
		moved int
	)
	// A request or a takeover that was under way when draining began may
	// register its assist after a round: rounds go on until none is left.
	for {
		s.mu.Lock()
		lives := make(map[string]*live, len(s.lives))
		for id, l := range s.lives {
			lives[id] = l
			delete(s.lives, id)
		}
		s.mu.Unlock()
		if len(lives) == 0 {
			break
		}
		for id, l := range lives {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				wg.Wait()
				return errors.Join(append(errs, ctx.Err())...)
			}
			wg.Go(func() {
				defer func() { <-sem }()
				if err := s.drainOne(ctx, id, l); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
			moved++
		}
		wg.Wait()
	}
	if moved > 0 {
		s.log.Info("web assists handed over for a restart", "count", moved)
		s.notifyQueue()
	}
	return errors.Join(errs...)
}

// drainOne hands one assist over; it is no longer in s.lives.
func (s *Service) drainOne(ctx context.Context, id string, l *live) error {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return nil // ending, or lost: that decides its channels
	}
	s.haltLocked(l)
	rec, wasLive := l.rec, l.hub != nil
	l.mu.Unlock()
	// Durable first (unlocked: storage I/O never holds the assist's lock),
	// then the lease: the next owner continues after what is stored.
	var err error
	if rec != nil {
		err = s.closeRecording(ctx, id, rec)
	}
	s.handover(id)
	l.mu.Lock()
	if l.person != nil {
		var last []byte
		if l.hub != nil {
			last = hub.EncodeFrame(hub.Header{Kind: "ack", Ack: l.hub.LastSeq(), Stored: l.storedSeqLocked()}, nil)
		}
		l.person.finish(last, CloseTryAgain, reasonDrain)
		l.person = nil
	}
	for a := range l.agents {
		a.close(CloseTryAgain, reasonDrain)
	}
	l.agents = map[*AgentConn]struct{}{}
	l.endHeldLocked(nil, CloseTryAgain, reasonDrain)
	close(l.told)
	l.mu.Unlock()
	if wasLive {
		s.observe(Observer.AssistEnded)
	}
	return err
}
