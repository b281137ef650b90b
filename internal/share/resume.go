package share

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tandemhq/tandem/internal/sshrelay/wire"
)

// maxHeld bounds the output held back while the host reconnects. What fits
// is sent as it was once the session is resumed on the server that kept
// the screen; past it (or on another server, which starts from a blank
// screen) the host's screen is redrawn from its own model instead.
const maxHeld = 256 << 10

// firstBackoff is the wait before the second try to resume.
const firstBackoff = 500 * time.Millisecond

// send passes a chunk of the program's output to the server, or holds it
// back while there is no connection.
func (s *Session) send(p []byte) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	s.screen.Write(p)
	if s.link != nil {
		if _, err := s.link.term.Write(p); err == nil {
			return
		}
		// The connection is going: supervise notices and resumes; this
		// chunk waits with the rest.
		s.link.conn.Close()
	}
	if s.over || len(s.held)+len(p) > maxHeld {
		s.over, s.held = true, nil
		return
	}
	s.held = append(s.held, p...)
}

// waitLink returns the connection to the server, waiting for a resume
// under way; nil when the session ends first.
func (s *Session) waitLink() *link {
	for {
		s.outMu.Lock()
		l, up := s.link, s.linkUp
		s.outMu.Unlock()
		if l != nil {
			return l
		}
		select {
		case <-up:
		case <-s.done:
			return nil
		}
	}
}

// supervise serves each connection to the server in turn: helpers' input
// and liveness on it and, when it is lost, a resume of the session on a
// new one (see reconnect), until the session ends.
func (s *Session) supervise(l *link) {
	for {
		lost := make(chan struct{})
		go func() {
			l.conn.Wait()
			close(lost)
		}()
		go s.relayHelpers(l)
		go s.keepAlive(l, lost)
		select {
		case <-lost:
		case <-s.done:
			return
		}
		s.outMu.Lock()
		if s.link == l {
			s.link = nil
		}
		s.outMu.Unlock()
		select {
		case <-s.done:
			return
		default:
		}
		if l.ended.Load() {
			return // the end was said on it: relayOutput or Close finish
		}
		if l.moved.Load() {
			s.status("the server is restarting; resuming the session elsewhere")
		} else {
			s.status("connection to the server lost; reconnecting")
		}
		next, err := s.reconnect(!l.moved.Load())
		if err != nil {
			s.finish(err)
			return
		}
		l = next
	}
}

// reconnect resumes the session on a new connection, trying with jittered
// backoff (from firstBackoff, doubling, up to Config.MaxBackoff; at once
// first when the server asked for it) for as long as the server waits for
// the host (wire.ShareReply.GraceMillis). A refusal that is final (the
// session ended, or is not this host's) ends the tries at once.
func (s *Session) reconnect(wait bool) (*link, error) {
	deadline := time.Now().Add(s.grace)
	backoff := firstBackoff
	var last error
	for {
		if wait {
			d := min(backoff/2+rand.N(backoff/2+1), time.Until(deadline))
			t := time.NewTimer(max(d, 0))
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
				return nil, errors.New("share: closed while reconnecting")
			}
			backoff = min(2*backoff, s.cfg.MaxBackoff)
		}
		wait = true
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("share: could not resume session %s within %v, so it has ended: %w", s.ID, s.grace, last)
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		l, rep, err := s.dial(ctx, s.ID)
		cancel()
		if err != nil {
			last = err
			var rf *refusal
			if errors.As(err, &rf) && !rf.retry {
				return nil, err
			}
			s.cfg.Logger.Info("resume failed; trying again", "err", err)
			continue
		}
		s.resumed(l, rep)
		return l, nil
	}
}

// resumed makes l the connection after a resume: the server is caught up
// with what the program wrote meanwhile, and output flows again.
func (s *Session) resumed(l *link, rep wire.ShareReply) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	if rep.SessionID != s.ID {
		// A server that does not resume sessions started a new one.
		s.ID, s.JoinCommand, s.WebURL = rep.SessionID, rep.JoinCommand, rep.WebURL
		s.statusLocked("the server started a new session: helpers join with " + rep.JoinCommand)
	}
	s.grace = s.graceOf(rep)
	var catchUp []byte
	if rep.Resumed && rep.KeptScreen && !s.over {
		catchUp = s.held
	} else {
		var b bytes.Buffer
		s.screen.Render(&b, s.screen.Whole())
		catchUp = b.Bytes()
	}
	s.held, s.over = nil, false
	if len(catchUp) > 0 {
		l.term.Write(catchUp)
	}
	s.link = l
	close(s.linkUp)
	s.linkUp = make(chan struct{})
	s.statusLocked("reconnected; session " + s.ID + " goes on")
}

// graceOf is how long to try resuming after a drop, as the server said.
func (s *Session) graceOf(rep wire.ShareReply) time.Duration {
	if rep.GraceMillis > 0 {
		return time.Duration(rep.GraceMillis) * time.Millisecond
	}
	return s.cfg.ResumeFor
}

// status shows a status line on the local terminal.
func (s *Session) status(msg string) {
	s.event(wire.Event{Type: wire.EventMessage, Text: msg, Helpers: -1})
}

func (s *Session) statusLocked(msg string) {
	go s.status(msg) // the local terminal's lock may wait for output
}
