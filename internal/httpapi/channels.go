package httpapi

import (
	"context"
	"sync"

	"github.com/coder/websocket"
)

// channels tracks the goroutines that run WebSocket channels, which
// outlive the requests that opened them, so that a stopping server waits
// for each to write its last frames and close.
type channels struct {
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// run runs a channel's pump in a goroutine of its own, or, once the server
// is stopping, closes the new channel at once.
func (s *Server) run(ws *websocket.Conn, ch channel, pump func()) {
	s.channels.mu.Lock()
	if s.channels.stopped {
		s.channels.mu.Unlock()
		ch.Close()
		_ = closeWS(ws, int(websocket.StatusGoingAway), "server shutting down")
		return
	}
	s.channels.wg.Add(1)
	s.channels.mu.Unlock()
	go func() {
		defer s.channels.wg.Done()
		pump()
	}()
}

// Wait stops taking channels and waits until every running one has ended
// (they end when Deps.Stopping does) or ctx is done.
func (s *Server) Wait(ctx context.Context) error {
	s.channels.mu.Lock()
	s.channels.stopped = true
	s.channels.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.channels.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
