package assist

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/protocol"
)

// Close codes sent on the channels; see docs/protocol.md.
const (
	closeGoingAway   = protocol.CloseGoingAway
	CloseBadFrame    = protocol.CloseBadFrame
	CloseBadToken    = protocol.CloseBadToken
	CloseForbidden   = protocol.CloseForbidden
	CloseUnknown     = protocol.CloseUnknown
	CloseSlow        = protocol.CloseSlow
	CloseReplaced    = protocol.CloseReplaced
	closeEnded       = protocol.CloseEnded
	CloseUnknownPage = protocol.CloseUnknownPage
	CloseTryAgain    = protocol.CloseTryAgain
)

// ConnectPerson attaches the person's channel. token is the person token the
// help request returned; origin is the channel's Origin header.
func (s *Service) ConnectPerson(ctx context.Context, id, token, origin string) (*PersonConn, error) {
	s.mu.Lock()
	l := s.lives[id]
	s.mu.Unlock()
	if l == nil {
		a, err := s.store.AssistByID(ctx, id)
		if err != nil || !s.validPersonToken(id, token) {
			return nil, &CloseError{Code: CloseUnknown, Reason: "unknown assist"}
		}
		if a.State == tandem.AssistEnded {
			return nil, endedClose(a)
		}
		if l, err = s.takeOver(ctx, id); err != nil {
			return nil, takeOverClose(err)
		}
	}
	if !s.validPersonToken(id, token) {
		return nil, &CloseError{Code: CloseBadToken, Reason: "bad person token"}
	}
	c := &PersonConn{s: s, l: l}
	c.done = make(chan struct{}) // ends a wait for the rate limit
	l.mu.Lock()
	defer l.mu.Unlock()
	// Under the lock: an edit of the site replaces l.site (sitelive.go).
	if !l.site.AllowsOrigin(origin) {
		return nil, &CloseError{Code: CloseForbidden, Reason: "origin not allowed"}
	}
	if l.ended {
		return nil, endedClose(l.assist)
	}
	if l.person != nil {
		l.person.close(CloseReplaced, "replaced by a newer connection")
		if l.call != nil {
			// The next page connected before the last one's channel
			// closed: that page's peer connections are going too.
			s.personLeftCallLocked(l)
		}
	}
	l.person = c
	if l.grace != nil {
		l.grace.Stop()
		l.grace = nil
	}
	var ack, stored uint64
	if l.hub != nil {
		ack, stored = l.hub.LastSeq(), l.storedSeqLocked()
	}
	if l.durable != nil {
		l.durable.setWake(c.scheduleAck)
	}
	welcome := struct {
		State tandem.AssistState `json:"state"`
		Site  siteInfo           `json:"site"`
		Agent *agentRef          `json:"agent,omitempty"`
	}{State: l.assist.State, Site: siteInfoOf(l.site)}
	if l.agentName != "" {
		welcome.Agent = &agentRef{Name: l.agentName}
	}
	c.send(encodeWith(hub.Header{Kind: "welcome", Ack: ack, Stored: stored}, welcome))
	if l.assist.State == tandem.AssistConsenting {
		c.send(encodeControl(protocol.KindPrompt, promptPayload{Agent: agentRef{Name: l.agentName}, Text: l.prompt}))
	}
	if l.control.holder != nil {
		c.send(l.controlStateFrame())
	}
	if l.wantSnapshot && l.assist.State == tandem.AssistLive {
		// Taken over: the agents' views are rebuilt from a new snapshot.
		c.send(encodeControl(protocol.KindSnapshot, nil))
	}
	if l.call != nil && l.call.personAway {
		// The call goes on: this page rejoins it (call.answer).
		c.send(encodeControl(protocol.KindCallState, s.withICE(l.callStatePayload(), l, "person")))
	}
	l.presenceLocked()
	return c, nil
}

// Next returns the next frame to send to the person without waiting: nil
// when there is none now, or the *CloseError the channel must close with.
func (c *PersonConn) Next() ([]byte, error) {
	c.mu.Lock()
	f, err := c.popLocked()
	ack := f == nil && err == nil && c.ackDue
	c.ackDue = c.ackDue && !ack
	c.mu.Unlock()
	if ack {
		last, stored := c.l.acks()
		return hub.EncodeFrame(hub.Header{Kind: "ack", Ack: last, Stored: stored}, nil), nil
	}
	return f, err
}

// acks returns the last sequence number accepted and the last one stored.
func (l *live) acks() (last, stored uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hub == nil {
		return 0, 0
	}
	return l.hub.LastSeq(), l.storedSeqLocked()
}

// storedSeqLocked is the last sequence number whose frame is durable; with
// recording off (benchmarks), the last accepted. l.mu is held.
func (l *live) storedSeqLocked() uint64 {
	if l.durable == nil {
		return l.hub.LastSeq()
	}
	return min(l.durable.storedSeq(), l.hub.LastSeq())
}

// Close detaches the person's channel after the transport went away. Unless
// they come back within the grace period, the assist ends.
func (c *PersonConn) Close() {
	c.close(closeGoingAway, "closed")
	c.mu.Lock()
	if c.ackTimer != nil {
		c.ackTimer.Stop()
	}
	c.mu.Unlock()
	l, s := c.l, c.s
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.person != c || l.ended {
		return
	}
	l.person = nil
	l.presenceLocked()
	if l.call != nil {
		s.personLeftCallLocked(l)
	}
	id := l.assist.ID
	l.grace = s.cfg.AfterFunc(s.cfg.Grace, func() {
		s.endLater(id, "system", "the person's connection was lost")
	})
}

// AgentConn is an agent's channel to an assist.
type AgentConn struct {
	conn
	s    *Service
	l    *live
	user *tandem.User
	id   string // this channel's id: agents and the person address it

	reader *hub.Reader   // (conn.mu) the feed of data frames, once live
	rtt    time.Duration // (conn.mu)
	from   uint64
}

// ConnectAgent attaches an agent's channel to a running assist. from is the
// last sequence number the agent's view applied (0 for a fresh view).
func (s *Service) ConnectAgent(ctx context.Context, user *tandem.User, id string, from uint64) (*AgentConn, error) {
	if user.Role != tandem.RoleAgent && user.Role != tandem.RoleAdmin {
		return nil, &CloseError{Code: CloseForbidden, Reason: "only agents may watch an assist"}
	}
	s.mu.Lock()
	l := s.lives[id]
	s.mu.Unlock()
	if l == nil {
		a, err := s.store.AssistByID(ctx, id)
		if err != nil {
			return nil, &CloseError{Code: CloseUnknown, Reason: "unknown assist"}
		}
		if a.State == tandem.AssistEnded {
			return nil, endedClose(a)
		}
		if l, err = s.takeOver(ctx, id); err != nil {
			return nil, takeOverClose(err)
		}
	}
	c := &AgentConn{s: s, l: l, user: user, id: newID(), from: from}
	// The audit entry is written once the assist is unlocked, before the
	// channel is handed back: not in a goroutine of its own that a
	// shutdown would not wait for.
	action := ""
	defer func() {
		if action != "" {
			s.audit(ctx, id, "agent:"+user.ID, action, "")
		}
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return nil, endedClose(l.assist)
	}
	if l.assist.State == tandem.AssistWaiting {
		return nil, &CloseError{Code: CloseForbidden, Reason: "accept the request first"}
	}
	c.send(encodeControl(protocol.KindYou, map[string]string{"conn": c.id, "id": user.ID, "name": user.Name}))
	if held, asked, err := s.holdLocked(l, c); held || err != nil {
		if err != nil {
			return nil, err
		}
		if asked {
			action = "join.ask"
		}
		return c, nil
	}
	if err := s.admitLocked(l, c); err != nil {
		return nil, err
	}
	action = "watch"
	return c, nil
}

// admitLocked lets an agent's channel watch: the state, the page's frames
// from c.from on, and a place in presence. l.mu is held.
func (s *Service) admitLocked(l *live, c *AgentConn) error {
	c.send(stateFrame(l.assist.State, ""))
	if l.assist.State == tandem.AssistLive {
		if err := c.subscribeLocked(c.from); err != nil {
			return err
		}
	}
	l.agents[c] = struct{}{}
	if l.agentGrace != nil {
		l.agentGrace.Stop()
		l.agentGrace = nil
	}
	l.presenceLocked()
	if l.call != nil {
		c.send(encodeControl(protocol.KindCallState, s.withICE(l.callStatePayload(), l, c.id)))
	}
	s.controlStateLocked(l)
	if l.tabs != nil {
		c.send(l.tabs)
	}
	return nil
}

// subscribeLocked starts the agent's feed of data frames; l.mu is held.
func (c *AgentConn) subscribeLocked(from uint64) error {
	r, err := c.l.hub.Subscribe(from, c.notify)
	if err != nil {
		return &CloseError{Code: CloseForbidden, Reason: err.Error()}
	}
	c.mu.Lock()
	c.reader = r
	c.mu.Unlock()
	return nil
}

// Next returns the next frame to send to the agent without waiting: nil
// when there is none now, or the *CloseError the channel must close with.
// Control frames go before data frames.
func (c *AgentConn) Next() ([]byte, error) {
	for {
		c.mu.Lock()
		f, err := c.popLocked()
		r := c.reader
		c.mu.Unlock()
		if f != nil || err != nil || r == nil {
			return f, err
		}
		f, done := r.Next()
		if !done {
			return f, nil
		}
		// The feed was cut: the agent fell behind, or the assist ended (and
		// its "ended" frame follows).
		if tandem.ErrorCode(r.Err()) == tandem.ESlowConsumer {
			c.s.observe(Observer.SlowReader)
			c.close(CloseSlow, "slow consumer: reconnect to resync")
			continue
		}
		c.mu.Lock()
		if c.reader == r {
			c.reader = nil
		}
		c.mu.Unlock()
	}
}

// Close detaches the agent's channel after the transport went away.
func (c *AgentConn) Close() {
	c.close(closeGoingAway, "closed")
	c.mu.Lock()
	r := c.reader
	c.mu.Unlock()
	if r != nil {
		r.Close()
	}
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.agents[c]; ok {
		delete(l.agents, c)
		l.presenceLocked()
	}
	l.unholdLocked(c)
	if l.ended {
		return
	}
	if l.control.requester == c {
		l.control.requester = nil
	}
	if l.control.holder == c {
		l.control.holder = nil
		c.s.controlStateLocked(l)
	}
	if l.repairBy == c {
		l.repairBy = nil
	}
	if l.call != nil {
		if _, ok := l.call.members[c.id]; ok {
			c.s.leaveCallLocked(context.Background(), l, c.id, "agent:"+c.user.ID)
		}
	}
	if len(l.agents) == 0 && l.assist.State == tandem.AssistLive {
		c.s.awaitAgentLocked(l)
	}
}

// awaitAgentLocked starts the agent grace period of a live assist that no
// agent watches: unless an agent is back in time, the capture of the
// person's page stops. l.mu is held.
func (s *Service) awaitAgentLocked(l *live) {
	if l.agentGrace != nil {
		return
	}
	id := l.assist.ID
	l.agentGrace = s.cfg.AfterFunc(s.cfg.Grace, func() {
		s.endLater(id, "system", "the agent's connection was lost")
	})
}

func (c *AgentConn) sendHealth(personRTT time.Duration) {
	c.mu.Lock()
	rtt := c.rtt
	c.mu.Unlock()
	c.send(fmt.Appendf(nil, "{\"k\":\"health\"}\n{\"personRttMs\":%.3f,\"agentRttMs\":%.3f}",
		float64(personRTT.Microseconds())/1000, float64(rtt.Microseconds())/1000))
}

// endedClose is how a channel to an ended (or ending) assist is refused:
// with the reason it ended, once that is stored.
func endedClose(a *tandem.Assist) *CloseError {
	if a.EndReason == "" {
		return &CloseError{Code: closeEnded, Reason: "the assist has ended"}
	}
	return &CloseError{Code: closeEnded, Reason: "the assist has ended: " + a.EndReason}
}
