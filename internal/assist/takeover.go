package assist

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store"
)

// A takeover serves, on this node, an assist whose node stopped serving it
// without ending it: that node died (its lease lapsed) or drained (it handed
// the lease over). The first client of the assist to reach a node (the
// person's channel, an agent's, an accept or an end) makes that node take
// the lease and rebuild the assist from the store; of several nodes at
// once, the one whose Acquire wins serves it, and the others send their
// clients to it.
//
// What is rebuilt: the state (waiting, consenting or live), the site, the
// accepting agent's name and the consent prompt, who the person let in or
// kept out (the "join" consents), and the recording, continued after its
// stored chunks in the new owner's chunk epoch (record.Epoch) with the hub
// starting after the last stored frame. The person's SDK is told that
// number as its ack and resends what followed; frames stored already are
// dropped as duplicates, never recorded twice. The hub holds no snapshot,
// so the person is asked for one, and agents who come back get a sync and
// then that snapshot.
//
// What is not: control of the page, a call, a repair request and who is
// waiting to join end with the channels they belonged to, as on one node
// when a channel closes; agents ask again. The recorded-bytes limit counts
// from the takeover.

// errDraining refuses what a draining node no longer starts.
var errDraining = tandem.Errorf(tandem.EUnavailable, "this server is stopping; try again")

// takeOver returns the running state of assist id, taking it over from the
// store when no live node serves it. The error is the assist's end (a
// *tandem.Error of code EConflict naming the reason), another node's
// ownership (EUnavailable, see lease.ServedElsewhere), or a failure.
func (s *Service) takeOver(ctx context.Context, id string) (*live, error) {
	for {
		s.mu.Lock()
		if l := s.lives[id]; l != nil {
			s.mu.Unlock()
			return l, nil
		}
		wait, busy := s.taking[id]
		if !busy {
			s.taking[id] = make(chan struct{})
		}
		s.mu.Unlock()
		if !busy {
			break
		}
		// Another client of this assist is taking it over here: wait for
		// that one rather than race it for the lease.
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, fmt.Errorf("take over assist %s: %w", id, ctx.Err())
		}
		if l, err := s.runningOrEnded(ctx, id); l != nil || err != nil {
			return l, err
		}
	}
	defer func() {
		s.mu.Lock()
		close(s.taking[id])
		delete(s.taking, id)
		s.mu.Unlock()
	}()
	if s.cfg.Node == nil {
		// One server without leases: an assist not running here was left
		// by a run before this one, and ended at start.
		return nil, tandem.Errorf(tandem.EConflict, "this assist is no longer running")
	}
	if s.draining.Load() {
		return nil, errDraining
	}
	owned, err := s.cfg.Node.Acquire(ctx, id, store.LeaseAssist, func() { go s.lost(id) })
	if tandem.ErrorCode(err) == tandem.EConflict {
		return nil, lease.ServedElsewhere("assist", owned)
	}
	if err != nil {
		return nil, err
	}
	l, err := s.rebuild(ctx, id, owned.Token)
	if err != nil {
		var ended endedError
		if errors.As(err, &ended) {
			s.releaseLease(id)
			return nil, ended
		}
		// Hand the lease on rather than release it: the assist is not
		// ended, and a released lease is never swept.
		s.handover(id)
		return nil, fmt.Errorf("take over assist %s: %w", id, err)
	}
	s.audit(ctx, id, "system", "takeover", s.cfg.Node.ID())
	s.log.Info("web assist taken over", "assist", id, "state", string(l.assist.State), "node", s.cfg.Node.ID())
	s.notifyQueue()
	return l, nil
}

// runningOrEnded returns the running state of assist id if it runs here,
// or the error of an ended assist; both nil otherwise.
func (s *Service) runningOrEnded(ctx context.Context, id string) (*live, error) {
	s.mu.Lock()
	l := s.lives[id]
	s.mu.Unlock()
	if l != nil {
		return l, nil
	}
	a, err := s.store.AssistByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State == tandem.AssistEnded {
		return nil, assistEnded(a)
	}
	return nil, nil
}

// endedError is the error of a client of an ended assist: a
// *tandem.Error of code EConflict saying why it ended, which a channel
// gets as its close (endedClose).
type endedError struct {
	a   *tandem.Assist
	err error
}

func (e endedError) Error() string { return e.err.Error() }
func (e endedError) Unwrap() error { return e.err }

// assistEnded is the error of a client of an ended assist.
func assistEnded(a *tandem.Assist) error {
	return endedError{a: a, err: tandem.Errorf(tandem.EConflict, "this assist has ended (%s)", a.EndReason)}
}

// rebuild makes the running state of assist id from the store, now that
// this node holds its lease with token, and registers it.
func (s *Service) rebuild(ctx context.Context, id string, token int64) (*live, error) {
	// Read after the lease was taken: nothing changes the assist since
	// but this node.
	a, err := s.store.AssistByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State == tandem.AssistEnded {
		return nil, assistEnded(a)
	}
	site, err := s.store.SiteByID(ctx, a.SiteID)
	if err != nil {
		return nil, fmt.Errorf("read its site: %w", err)
	}
	consents, err := s.store.ConsentsFor(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read its consents: %w", err)
	}
	l := &live{assist: a, site: site, agents: make(map[*AgentConn]struct{}), told: make(chan struct{})}
	if s.cfg.RateBytes > 0 {
		l.rate = newBucket(s.cfg.RateBytes, s.cfg.BurstBytes, s.cfg.Now())
	}
	agentID := a.AgentID
	for _, c := range consents {
		switch c.Method {
		case "join":
			l.joins.note(c.AgentID, c.Allowed)
		case consentBotInvite:
			// A request for help, not a prompt: the agent's comes later.
		default: // the prompt, or the invite, that started the assist
			l.prompt = c.Text
			agentID = cmpOr(agentID, c.AgentID)
		}
	}
	if agentID != "" {
		agent, err := s.store.UserByID(ctx, agentID)
		switch {
		case err == nil:
			l.agentName = agent.Name
			if l.prompt == "" {
				l.prompt = s.promptText(agent)
			}
		case tandem.ErrorCode(err) != tandem.ENotFound:
			return nil, fmt.Errorf("read its agent: %w", err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.State == tandem.AssistLive {
		after, err := s.storedUpTo(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := s.resumeLiveLocked(l, after, token); err != nil {
			return nil, err
		}
		l.wantSnapshot = true
		s.awaitAgentLocked(l)
	}
	// The person's channel gets the grace to come back, as after a drop.
	l.grace = s.cfg.AfterFunc(s.cfg.Grace, func() {
		s.endLater(id, "system", "the person's connection was lost")
	})
	s.mu.Lock()
	draining := s.draining.Load()
	if !draining {
		s.lives[id] = l
	}
	s.mu.Unlock()
	if draining {
		// Drain began meanwhile and has looked at s.lives: this node
		// must not serve it. Its recording has nothing yet.
		l.grace.Stop()
		if l.agentGrace != nil {
			l.agentGrace.Stop()
		}
		if l.rec != nil {
			_ = s.closeRecording(ctx, id, l.rec)
		}
		return nil, errDraining
	}
	return l, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// storedUpTo returns the sequence number of the last frame stored in the
// recording of assist id, 0 when none is (or recording is off).
func (s *Service) storedUpTo(ctx context.Context, id string) (uint64, error) {
	if s.cfg.DisableRecording {
		return 0, nil
	}
	frame, _, err := record.LastFrame(ctx, s.blobs, id)
	if err != nil || frame == nil {
		return 0, err
	}
	h, err := hub.ParseHeader(frame)
	if err != nil {
		return 0, fmt.Errorf("the last frame of recording %s: %w", id, err)
	}
	return h.Seq, nil
}

// resumeLiveLocked starts the hub and the recording of a live assist taken
// over, after the frame of sequence number after. l.mu is held.
func (s *Service) resumeLiveLocked(l *live, after uint64, token int64) error {
	return s.startHubLocked(l, after, record.WriterOptions{FirstChunk: record.Epoch(token)})
}

// note records the person's stored answer about an agent who asked to join.
func (j *joins) note(agentID string, allowed bool) {
	if agentID == "" {
		return
	}
	if j.allowed == nil {
		j.allowed, j.refused = make(map[string]bool), make(map[string]bool)
	}
	j.allowed[agentID], j.refused[agentID] = allowed, !allowed
}

// handover gives the lease of an assist that this node stops serving, and
// that has not ended, on to whichever node its clients reach next.
func (s *Service) handover(id string) {
	if s.cfg.Node == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cfg.Node.Handover(ctx, id); err != nil {
		s.log.Error("hand over assist lease", "assist", id, "err", err)
	}
}
