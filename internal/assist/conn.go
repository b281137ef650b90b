package assist

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
)

// Close codes sent on the channels; see docs/protocol.md.
const (
	closeGoingAway   = 1001
	CloseBadFrame    = 4400
	CloseBadToken    = 4401
	CloseForbidden   = 4403
	CloseUnknown     = 4404
	CloseSlow        = 4408
	CloseReplaced    = 4409
	closeEnded       = 4410
	CloseUnknownPage = 4412
	CloseTryAgain    = 1013
	// outboundCapacity bounds the control frames waiting for one channel;
	// data frames to agents wait in the hub's reader queue instead.
	outboundCapacity = 64
)

// CloseError asks the transport to close a channel with Code and Reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return e.Reason }

// conn is what person and agent channels share: a bounded outbound queue
// that never blocks the sender, and a way for the service to close it.
type conn struct {
	out  chan []byte
	done chan struct{}
	once sync.Once
	err  *CloseError
}

func newConn() conn {
	return conn{out: make(chan []byte, outboundCapacity), done: make(chan struct{})}
}

// send queues a frame. A channel that cannot keep up with control frames is
// closed as slow rather than allowed to hold anything up.
func (c *conn) send(frame []byte) {
	select {
	case c.out <- frame:
	case <-c.done:
	default:
		c.close(CloseSlow, "too far behind")
	}
}

// finish sends a last frame and closes.
func (c *conn) finish(last []byte, code int, reason string) {
	select {
	case c.out <- last:
	default:
	}
	c.close(code, reason)
}

func (c *conn) close(code int, reason string) {
	c.once.Do(func() {
		c.err = &CloseError{Code: code, Reason: reason}
		close(c.done)
	})
}

// drain returns the frames still queued once the conn is closed, so a last
// "ended" frame goes out before the close.
func (c *conn) drain() []byte {
	select {
	case f := <-c.out:
		return f
	default:
		return nil
	}
}

// PersonConn is the person's channel to an assist.
type PersonConn struct {
	conn
	s     *Service
	l     *live
	ackCh chan struct{} // signalled when an ack is due

	ackMu      sync.Mutex
	ackPending bool // an ack is scheduled
}

// ackDelay coalesces acks: the SDK only needs them to trim its resend
// buffer, and one per frame would double the messages on a busy channel.
const ackDelay = 100 * time.Millisecond

// scheduleAck makes an ack go out within ackDelay, once for many frames.
func (c *PersonConn) scheduleAck() {
	c.ackMu.Lock()
	defer c.ackMu.Unlock()
	if c.ackPending {
		return
	}
	c.ackPending = true
	time.AfterFunc(ackDelay, func() {
		c.ackMu.Lock()
		c.ackPending = false
		c.ackMu.Unlock()
		select {
		case c.ackCh <- struct{}{}:
		default:
		}
	})
}

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
		return nil, &CloseError{Code: closeEnded, Reason: "the assist has ended: " + a.EndReason}
	}
	if !s.validPersonToken(id, token) {
		return nil, &CloseError{Code: CloseBadToken, Reason: "bad person token"}
	}
	if !l.site.AllowsOrigin(origin) {
		return nil, &CloseError{Code: CloseForbidden, Reason: "origin not allowed"}
	}
	c := &PersonConn{conn: newConn(), s: s, l: l, ackCh: make(chan struct{}, 1)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return nil, &CloseError{Code: closeEnded, Reason: "the assist has ended"}
	}
	if l.person != nil {
		l.person.close(CloseReplaced, "replaced by a newer connection")
	}
	l.person = c
	if l.grace != nil {
		l.grace.Stop()
		l.grace = nil
	}
	var ack uint64
	if l.hub != nil {
		ack = l.hub.LastSeq()
	}
	type siteInfo struct {
		StrictMasking bool `json:"strictMasking"`
		CaptureBodies bool `json:"captureBodies"`
	}
	welcome := struct {
		State  tandem.AssistState `json:"state"`
		Site   siteInfo           `json:"site"`
		Agent  *agentRef          `json:"agent,omitempty"`
		Prompt string             `json:"prompt,omitempty"`
	}{State: l.assist.State, Site: siteInfo{l.site.StrictMasking, l.site.CaptureBodies}}
	if l.agentName != "" {
		welcome.Agent = &agentRef{Name: l.agentName}
	}
	c.out <- encodeWith(hub.Header{Kind: "welcome", Ack: ack}, welcome)
	if l.assist.State == tandem.AssistConsenting {
		c.out <- encodeControl("prompt", promptPayload{Agent: agentRef{Name: l.agentName}, Text: l.prompt})
	}
	if h := l.control.holder; h != nil {
		c.out <- encodeControl("control.state", map[string]any{"holder": map[string]string{"id": h.id, "name": h.user.Name}})
	}
	l.presenceLocked()
	return c, nil
}

// Next blocks until there is a frame to send to the person, or returns the
// *CloseError the channel must close with.
func (c *PersonConn) Next(ctx context.Context) ([]byte, error) {
	select {
	case f := <-c.out:
		return f, nil
	case <-c.ackCh:
		return hub.EncodeFrame(hub.Header{Kind: "ack", Ack: c.l.lastSeq()}, nil), nil
	case <-c.done:
		if f := c.drain(); f != nil {
			return f, nil
		}
		return nil, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *live) lastSeq() uint64 {
	l.mu.Lock()
	h := l.hub
	l.mu.Unlock()
	if h == nil {
		return 0
	}
	return h.LastSeq()
}

// Close detaches the person's channel after the transport went away. Unless
// they come back within the grace period, the assist ends.
func (c *PersonConn) Close() {
	c.close(closeGoingAway, "closed")
	l, s := c.l, c.s
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.person != c || l.ended {
		return
	}
	l.person = nil
	l.presenceLocked()
	if l.call != nil {
		// The page's peer connections died with the channel.
		s.leaveCallLocked(context.Background(), l, "person", "person:"+l.assist.PersonID)
	}
	id := l.assist.ID
	l.grace = time.AfterFunc(s.cfg.Grace, func() {
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

	mu       sync.Mutex
	reader   *hub.Reader
	readerCh chan struct{} // closed and replaced whenever reader changes
	from     uint64
	rtt      time.Duration
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
		return nil, &CloseError{Code: closeEnded, Reason: "the assist has ended: " + a.EndReason}
	}
	c := &AgentConn{conn: newConn(), s: s, l: l, user: user, id: newID(), readerCh: make(chan struct{}), from: from}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return nil, &CloseError{Code: closeEnded, Reason: "the assist has ended"}
	}
	if l.assist.State == tandem.AssistWaiting {
		return nil, &CloseError{Code: CloseForbidden, Reason: "accept the request first"}
	}
	c.out <- encodeControl("you", map[string]string{"conn": c.id, "id": user.ID, "name": user.Name})
	c.out <- stateFrame(l.assist.State, "")
	if l.assist.State == tandem.AssistLive {
		if err := c.subscribeLocked(from); err != nil {
			return nil, err
		}
	}
	l.agents[c] = struct{}{}
	if l.agentGrace != nil {
		l.agentGrace.Stop()
		l.agentGrace = nil
	}
	l.presenceLocked()
	if l.call != nil {
		c.out <- encodeControl("call.state", s.withICE(l.callStatePayload(), l, c.id))
	}
	s.controlStateLocked(l)
	go s.audit(context.Background(), id, "agent:"+user.ID, "watch", "")
	return c, nil
}

// subscribeLocked starts the agent's feed of data frames; l.mu is held.
func (c *AgentConn) subscribeLocked(from uint64) error {
	r, err := c.l.hub.Subscribe(from)
	if err != nil {
		return &CloseError{Code: CloseForbidden, Reason: err.Error()}
	}
	c.mu.Lock()
	c.reader = r
	close(c.readerCh)
	c.readerCh = make(chan struct{})
	c.mu.Unlock()
	return nil
}

// Next blocks until there is a frame to send to the agent, or returns the
// *CloseError the channel must close with.
func (c *AgentConn) Next(ctx context.Context) ([]byte, error) {
	for {
		c.mu.Lock()
		r, changed := c.reader, c.readerCh
		c.mu.Unlock()
		var frames <-chan []byte
		var readerDone <-chan struct{}
		if r != nil {
			frames, readerDone = r.Frames(), r.Done()
		}
		select {
		case f := <-c.out:
			return f, nil
		case f, ok := <-frames:
			if ok {
				return f, nil
			}
		case <-readerDone:
		case <-changed:
			continue
		case <-c.done:
			if f := c.drain(); f != nil {
				return f, nil
			}
			return nil, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// The feed was cut: the agent fell behind, or the assist ended.
		select {
		case <-c.done:
			continue
		default:
		}
		if tandem.ErrorCode(r.Err()) == tandem.ESlowConsumer {
			c.s.observe(Observer.SlowReader)
			return nil, &CloseError{Code: CloseSlow, Reason: "slow consumer: reconnect to resync"}
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
	if c.reader != nil {
		c.reader.Close()
	}
	c.mu.Unlock()
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.agents[c]; ok {
		delete(l.agents, c)
		l.presenceLocked()
	}
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
	if len(l.agents) == 0 && l.assist.State == tandem.AssistLive && l.agentGrace == nil {
		// Nobody is watching: unless an agent is back within the grace
		// period, stop capturing the person's page.
		s, id := c.s, l.assist.ID
		l.agentGrace = time.AfterFunc(s.cfg.Grace, func() {
			s.endLater(id, "system", "the agent's connection was lost")
		})
	}
}

func (c *AgentConn) sendHealth(personRTT time.Duration) {
	c.mu.Lock()
	rtt := c.rtt
	c.mu.Unlock()
	c.send(fmt.Appendf(nil, "{\"k\":\"health\"}\n{\"personRttMs\":%.3f,\"agentRttMs\":%.3f}",
		float64(personRTT.Microseconds())/1000, float64(rtt.Microseconds())/1000))
}
