package assist

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// ReasonOwnerStopped is why an assist whose node died (its lease lapsed)
// is ended by another node's sweep.
const ReasonOwnerStopped = "its server stopped"

// ReasonRestarted is why an assist that a Tandem from before leases left
// open is ended at start.
const ReasonRestarted = "server restarted"

// closeLost is the close of the channels of an assist whose lease this node
// lost: the client reconnects (through the load balancer) and is served by
// whichever node owns the assist now; the assist did not end.
const closeLost = CloseTryAgain

// newAssistID returns the id of a new assist, made before the assist is
// stored so that its lease is taken first: a sweep on another node never
// sees a new assist without a lease (and ends it as a pre-lease leftover).
func newAssistID() string { return strings.ToLower(rand.Text()) }

// takeLease takes the lease of a new assist on this node (none without a
// Node). Its loss closes the assist's channels here.
func (s *Service) takeLease(ctx context.Context, id string) error {
	if s.cfg.Node == nil {
		return nil
	}
	_, err := s.cfg.Node.Acquire(ctx, id, store.LeaseAssist, func() { go s.lost(id) })
	return err
}

// releaseLease gives up the lease of an assist that ended here (or never
// started). It does not hold any assist's lock.
func (s *Service) releaseLease(id string) {
	if s.cfg.Node == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cfg.Node.Release(ctx, id); err != nil {
		s.log.Error("release assist lease", "assist", id, "err", err)
	}
}

// takeOverClose is the close of a channel whose assist could not be taken
// over: it ended meanwhile, another node serves it (the client reconnects,
// through the load balancer, and is forwarded), or this node is stopping or
// could not read it now (the client tries again).
func takeOverClose(err error) *CloseError {
	var ended endedError
	if errors.As(err, &ended) {
		return endedClose(ended.a)
	}
	switch tandem.ErrorCode(err) {
	case tandem.EConflict:
		return &CloseError{Code: closeEnded, Reason: "the assist is no longer running"}
	case tandem.EUnavailable:
		if err == errDraining {
			return &CloseError{Code: CloseTryAgain, Reason: tandem.ErrorMessage(err)}
		}
		return &CloseError{Code: closeLost, Reason: "this assist is served by another node"}
	}
	return &CloseError{Code: CloseTryAgain, Reason: "the assist cannot be read now"}
}

// lost stops serving an assist whose lease this node lost (its renewal was
// refused, or the store did not answer for a lease's TTL): another node may
// own it now, so nothing more is written for it here. Its channels close
// with a code that makes clients reconnect, not as ended; the end is for
// its owner (or a sweep) to decide.
func (s *Service) lost(id string) {
	s.mu.Lock()
	l := s.lives[id]
	if l != nil {
		delete(s.lives, id)
	}
	s.mu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return
	}
	s.haltLocked(l)
	l.moveAwayLocked()
	rec, wasLive := l.rec, l.assist.State == tandem.AssistLive
	close(l.told)
	l.mu.Unlock()
	// Nothing more is stored here: the next owner continues the recording
	// after what is stored, and the person's SDK resends to it what it
	// was not told is stored. Storing it here as well, late, would record
	// those frames twice.
	if rec != nil {
		if n := rec.Abandon(); n > 0 {
			s.log.Info("recording left to the assist's next owner", "assist", id, "unstored_bytes", n)
		}
	}
	if wasLive {
		s.observe(Observer.AssistEnded)
	}
	s.log.Warn("web assist lost: its lease is no longer this server's", "assist", id)
	s.notifyQueue()
}

// reasonMoved is the close reason of the channels of an assist that this
// node stops serving while it goes on elsewhere.
const reasonMoved = "this server no longer serves the assist; reconnect"

// moveAwayLocked closes the assist's channels here with "try again", so
// that its clients reconnect to the node that serves it now. l.mu is held.
func (l *live) moveAwayLocked() {
	if l.person != nil {
		l.person.close(closeLost, reasonMoved)
		l.person = nil
	}
	for a := range l.agents {
		a.close(closeLost, reasonMoved)
	}
	l.agents = map[*AgentConn]struct{}{}
	l.endHeldLocked(nil, closeLost, reasonMoved)
}

// haltLocked stops an assist that this node stops serving without ending
// it: nothing more is accepted or changed here (a frame waits for told),
// its grace periods stop, and its call ends (its peers' signalling went
// with the channels). l.mu is held.
func (s *Service) haltLocked(l *live) {
	l.ended = true
	if l.grace != nil {
		l.grace.Stop()
	}
	if l.agentGrace != nil {
		l.agentGrace.Stop()
	}
	if l.hub != nil {
		l.hub.Close(tandem.Errorf(tandem.EUnavailable, "the assist moved to another server"))
	}
	if l.call != nil && s.cfg.ICE != nil {
		s.cfg.ICE.EndCall(l.call.id)
	}
}

// SweepExpired ends the assists whose owner node let their lease lapse (it
// died, or lost the store) or handed it over (it drained), once the lease
// has been lapsed for longer than the grace (Config.Grace, by the
// database's clock): until then their clients may come back to another
// node, which takes them over. Each is taken over first (Acquire), so that
// of several nodes sweeping at once one ends it, and never an assist whose
// owner still renews it, or that a client brought back. It returns how
// many it ended. Nodes call it every lease TTL, so that an abandoned
// assist ends within TTL + grace + that interval.
func (s *Service) SweepExpired(ctx context.Context) (int, error) {
	if s.cfg.Node == nil {
		return 0, nil
	}
	expired, err := s.cfg.Node.Expired(ctx, store.LeaseAssist)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range expired {
		if -l.Remaining < s.cfg.Grace {
			continue // its clients have time to come back
		}
		ended, err := s.takeOverAndEnd(ctx, l.SessionID, ReasonOwnerStopped)
		if err != nil {
			return n, err
		}
		if ended {
			n++
		}
	}
	return n, nil
}

// takeOverAndEnd takes the lease of an assist that no live node serves and
// ends it with reason, unless it ended already; then gives the lease up.
// false when another node took it first.
func (s *Service) takeOverAndEnd(ctx context.Context, id, reason string) (bool, error) {
	if _, err := s.cfg.Node.Acquire(ctx, id, store.LeaseAssist, nil); err != nil {
		if tandem.ErrorCode(err) == tandem.EConflict {
			return false, nil // a live node owns it: not abandoned
		}
		return false, err
	}
	defer s.releaseLease(id)
	a, err := s.store.AssistByID(ctx, id)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return false, nil // its assist was removed
	}
	if err != nil {
		return false, fmt.Errorf("read abandoned assist %s: %w", id, err)
	}
	if a.State == tandem.AssistEnded {
		return false, nil
	}
	if err := s.endStored(ctx, a, reason); err != nil {
		return false, err
	}
	return true, nil
}

// endStored ends, in the store, an assist that no node runs.
func (s *Service) endStored(ctx context.Context, a *tandem.Assist, reason string) error {
	next := *a
	next.State, next.EndedAt, next.EndReason = tandem.AssistEnded, s.cfg.Now(), reason
	if err := s.recordEnd(ctx, "system", &next, a.State); err != nil {
		return fmt.Errorf("end abandoned assist %s: %w", a.ID, err)
	}
	if next.EndReason == reason {
		s.audit(ctx, a.ID, "system", "end", reason)
	}
	s.notifyQueue()
	return nil
}
