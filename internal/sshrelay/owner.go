package sshrelay

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/store"
)

// ReasonOwnerStopped is why a session whose node died (its lease lapsed)
// and whose host did not come back within the grace is ended by another
// node's sweep.
const ReasonOwnerStopped = "its server stopped"

// DefaultHostGrace is how long a host whose connection dropped has to come
// back (Config.HostGrace), on the node that served it or, after that node
// stopped, on any other, before its session ends.
const DefaultHostGrace = 30 * time.Second

// SweepStore is the part of the store that the start-up and periodic
// sweeps need.
type SweepStore interface {
	TerminalByID(ctx context.Context, id string) (*store.Terminal, error)
	EndTerminal(ctx context.Context, id, reason string, at time.Time) error
	ListTerminals(ctx context.Context, liveOnly bool, limit int) ([]*store.Terminal, error)
	EndLiveTerminals(ctx context.Context, reason string, at time.Time) ([]string, error)
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
}

// takeLease takes the lease of a new session on this node before it is
// stored (none without a Node); losing it stops serving the session here.
func (s *Server) takeLease(ctx context.Context, id string) error {
	if s.cfg.Node == nil {
		return nil
	}
	_, err := s.cfg.Node.Acquire(ctx, id, store.LeaseTerminal, func() { go s.lost(id) })
	return err
}

// releaseLease gives up the lease of a session that ended here; stored
// false (its end was not stored) lets the lease lapse instead, so that a
// sweep ends it.
func (s *Server) releaseLease(id string, stored bool) {
	if s.cfg.Node == nil {
		return
	}
	if !stored {
		s.cfg.Node.Forget(id)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cfg.Node.Release(ctx, id); err != nil {
		s.log.Error("release terminal lease", "session", id, "err", err)
	}
}

// servedElsewhere is the refusal of a helper who reached this node for a
// session that another live node serves; nil when none does.
func (s *Server) servedElsewhere(ctx context.Context, id string) error {
	return s.cfg.Node.Refusal(ctx, id, "session")
}

// handOverLease gives up the lease of a session that goes on elsewhere
// (Drain): any node may take it at once, and a sweep ends it after the
// grace if its host never comes back.
func (s *Server) handOverLease(id string) {
	if s.cfg.Node == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cfg.Node.Handover(ctx, id); err != nil {
		// It lapses within a TTL anyway: the host is refused until then.
		s.log.Error("hand over terminal lease", "session", id, "err", err)
	}
}

// lost stops serving a session whose lease this node lost: another node
// may own it now, so its end is not stored here. The host's and helpers'
// connections close (they reconnect); the recording keeps what it stored.
func (s *Server) lost(id string) {
	se := s.session(id)
	if se == nil {
		return
	}
	se.stop("this server no longer serves the session; run the same command again", stopLost)
}

// EndAbandoned ends, at start, the live terminal sessions that no live node
// serves: without a Node (one server) every one; with node, those that
// never had a lease (left by a Tandem from before leases) and those whose
// owner let its lease lapse (SweepExpired), never one another live node
// holds, nor one whose lease lapsed less than grace ago (its host may
// come back to another node; DefaultHostGrace when 0). Each is ended with
// its reason in the store and an "end" entry in its audit log. Call it
// once at start, before serving.
func EndAbandoned(ctx context.Context, st SweepStore, node *lease.Node, grace time.Duration) error {
	if node == nil {
		return endAllLive(ctx, st)
	}
	// Listed newest first, one page at a time: each leaseless one ended
	// drops out of the list, so a full page of leased ones ends the loop
	// only when no leaseless one is left on it.
	for {
		live, err := st.ListTerminals(ctx, true, 0)
		if err != nil {
			return fmt.Errorf("sshrelay: list live sessions: %w", err)
		}
		ended := 0
		for _, t := range live {
			leased, err := node.HasLease(ctx, t.ID)
			if err != nil {
				return fmt.Errorf("sshrelay: %w", err)
			}
			if leased {
				continue
			}
			if err := endStored(ctx, st, t.ID, ReasonRestarted); err != nil {
				return err
			}
			ended++
		}
		if ended == 0 {
			break
		}
	}
	for {
		n, err := SweepExpired(ctx, st, node, grace)
		if err != nil || n == 0 {
			return err
		}
	}
}

// endAllLive ends every live session, for a single server's start.
func endAllLive(ctx context.Context, st SweepStore) error {
	at := time.Now()
	ids, err := st.EndLiveTerminals(ctx, ReasonRestarted, at)
	if err != nil {
		return fmt.Errorf("sshrelay: end abandoned sessions: %w", err)
	}
	for _, id := range ids {
		e := &tandem.AuditEntry{SessionID: id, Actor: "system", Action: "end", Detail: ReasonRestarted, At: at}
		if err := st.AppendAudit(ctx, e); err != nil {
			return fmt.Errorf("sshrelay: end abandoned session %s: %w", id, err)
		}
	}
	return nil
}

// SweepExpired ends the terminal sessions whose owner node let their lease
// lapse (it died, or drained and handed them over) and whose host did not
// come back to any node within grace (DefaultHostGrace when 0): until then
// the host may resume the session anywhere. How long a lease has been
// lapsed is the database's measure (store.Lease.Remaining), so nodes'
// clocks need not agree. Each is taken over first (Acquire), so that of
// several nodes sweeping one ends it, and never a session whose owner
// still renews it or that a host resumed meanwhile. It returns how many it
// ended; nodes call it every lease TTL.
func SweepExpired(ctx context.Context, st SweepStore, node *lease.Node, grace time.Duration) (int, error) {
	if node == nil {
		return 0, nil
	}
	if grace <= 0 {
		grace = DefaultHostGrace
	}
	expired, err := node.Expired(ctx, store.LeaseTerminal)
	if err != nil {
		return 0, fmt.Errorf("sshrelay: %w", err)
	}
	n := 0
	for _, l := range expired {
		if -l.Remaining < grace {
			break // listed longest lapsed first: the rest are younger
		}
		ok, err := takeOverAndEnd(ctx, st, node, l.SessionID)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// takeOverAndEnd takes the lease of a session no live node serves, ends it
// unless it ended already, and gives the lease up.
func takeOverAndEnd(ctx context.Context, st SweepStore, node *lease.Node, id string) (bool, error) {
	if _, err := node.Acquire(ctx, id, store.LeaseTerminal, nil); err != nil {
		if tandem.ErrorCode(err) == tandem.EConflict {
			return false, nil // a live node owns it
		}
		return false, fmt.Errorf("sshrelay: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = node.Release(rctx, id)
	}()
	t, err := st.TerminalByID(ctx, id)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sshrelay: read abandoned session %s: %w", id, err)
	}
	if !t.EndedAt.IsZero() {
		return false, nil
	}
	return true, endStored(ctx, st, id, ReasonOwnerStopped)
}

// endStored ends, in the store and its audit log, a session no node runs.
func endStored(ctx context.Context, st SweepStore, id, reason string) error {
	at := time.Now()
	if err := st.EndTerminal(ctx, id, reason, at); err != nil {
		return fmt.Errorf("sshrelay: end abandoned session %s: %w", id, err)
	}
	e := &tandem.AuditEntry{SessionID: id, Actor: "system", Action: "end", Detail: reason, At: at}
	if err := st.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("sshrelay: end abandoned session %s: %w", id, err)
	}
	return nil
}
