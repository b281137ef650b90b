package sshrelay

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// ReasonRestarting is what hosts and helpers of a session are told when
// this server hands it over (Drain): the session goes on, elsewhere.
const ReasonRestarting = "this server is restarting: run the same ssh command again"

// hostNoticeTimeout bounds how long Drain waits for a host to take in that
// it must reconnect, before closing its connection anyway.
const hostNoticeTimeout = 2 * time.Second

// Drain hands every session of this server over, without ending any, so
// that the server can stop (a rolling restart): new sessions and resumes
// are refused from now on ("try again", which hosts do through the load
// balancer), and for each session the host is told to reconnect
// (wire.EventReconnect) and its connection closed, the recording is made
// durable, the lease handed over (any node may take it at once; a sweep
// ends the session only if its host does not come back within the grace),
// and helpers are told to run the same ssh command again (also those this
// server passes to another node's sessions, which go on). The host then
// resumes the session on another node, with the same id. Close after Drain
// ends nothing that Drain handed over.
func (s *Server) Drain(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.draining = true
	sessions := make([]*session, 0, len(s.sessions))
	for _, se := range s.sessions {
		sessions = append(sessions, se)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, se := range sessions {
		wg.Go(func() { se.handOver(ctx) })
	}
	wg.Go(func() { s.dropPassed(ctx) })
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.log.Info("drained: sessions handed over", "count", len(sessions))
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sshrelay: drain: %w", ctx.Err())
	}
}

// handOver tells the host to reconnect and stops serving the session here
// without ending it.
func (se *session) handOver(ctx context.Context) {
	if term := se.terminal(); term != nil {
		b, _ := json.Marshal(wire.Event{Type: wire.EventReconnect, Text: ReasonRestarting})
		told := make(chan struct{})
		go func() {
			// With a reply: once the host answered, it knows this is not
			// the end of its session when its connection closes.
			term.SendRequest(wire.RequestEvent, true, b)
			close(told)
		}()
		t := time.NewTimer(hostNoticeTimeout)
		select {
		case <-told:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	se.stop(ReasonRestarting, stopHandover)
}
