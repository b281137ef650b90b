package assist

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/protocol"
)

// payload returns what follows the header line of a frame.
func payload(frame []byte) []byte {
	if i := bytes.IndexByte(frame, '\n'); i >= 0 {
		return frame[i+1:]
	}
	return nil
}

func badFrame(reason string) error { return &CloseError{Code: CloseBadFrame, Reason: reason} }

// checkFrame checks what the header does not say about a frame: that it is
// UTF-8 text (browsers drop a channel that relays anything else), and that
// its payload is what its kind claims. Data frames are checked in full
// (hub.CheckPayload); a control frame's payload, when it has one, must be
// a JSON object, as every control payload is.
func checkFrame(h hub.Header, frame []byte) error {
	if !utf8.Valid(frame) {
		return badFrame("frames must be UTF-8 text")
	}
	p := payload(frame)
	switch h.Kind {
	case hub.KindMeta, hub.KindSnap, hub.KindRef, hub.KindEv, hub.KindLeave:
		if err := hub.CheckPayload(h.Kind, p); err != nil {
			return badFrame(tandem.ErrorMessage(err))
		}
	default:
		if len(p) > 0 && !isJSONObject(p) {
			return badFrame("the payload of a " + h.Kind + " frame must be a JSON object")
		}
	}
	return nil
}

func isJSONObject(p []byte) bool {
	p = bytes.TrimLeft(p, " \t\r\n")
	return len(p) > 0 && p[0] == '{' && json.Valid(p)
}

// Handle takes one frame the person sent. An error is a *CloseError: the
// channel must close with it; nothing else about the assist changed.
func (c *PersonConn) Handle(ctx context.Context, frame []byte) error {
	if err := c.throttle(ctx, len(frame)); err != nil {
		return err
	}
	h, err := hub.ParseHeader(frame)
	if err != nil {
		return badFrame(err.Error())
	}
	if err := checkFrame(h, frame); err != nil {
		return err
	}
	switch h.Kind {
	case protocol.KindPong:
		c.l.mu.Lock()
		if !c.l.pingSent.IsZero() && h.T == c.l.pingSent.UnixMilli() {
			c.l.personRTT = c.s.cfg.Now().Sub(c.l.pingSent)
		}
		c.l.mu.Unlock()
		return nil
	case protocol.KindConsent:
		var body struct {
			Allow *bool `json:"allow"`
		}
		if err := json.Unmarshal(payload(frame), &body); err != nil || body.Allow == nil {
			return badFrame(`consent needs {"allow":true|false}`)
		}
		return c.s.consent(ctx, c.l, *body.Allow)
	case protocol.KindEnd:
		c.l.mu.Lock()
		state, id, who := c.l.assist.State, c.l.assist.ID, c.l.assist.PersonID
		c.l.mu.Unlock()
		reason := "ended by the person"
		if state == tandem.AssistWaiting || state == tandem.AssistConsenting {
			reason = "cancelled by the person"
		}
		_, err := c.s.end(ctx, "person:"+who, id, reason, closeEnded)
		return err
	case protocol.KindJoinAnswer:
		return c.s.answerJoin(ctx, c.l, payload(frame))
	case protocol.KindTabs:
		return c.tabs(payload(frame))
	case protocol.KindMeta, protocol.KindSnap, protocol.KindRef, protocol.KindEv, protocol.KindLeave:
		return c.publish(ctx, h, frame)
	case protocol.KindCallAnswer, protocol.KindCallLeave, protocol.KindRTC, protocol.KindCallMedia, protocol.KindControlAnswer, protocol.KindControlRevoke, protocol.KindOpResult, protocol.KindRepairAnswer:
		return c.interact(ctx, h.Kind, payload(frame))
	}
	return badFrame("unknown frame kind " + h.Kind)
}

// publish relays a data frame to the agents and the recording.
func (c *PersonConn) publish(ctx context.Context, h hub.Header, frame []byte) error {
	l := c.l
	l.mu.Lock()
	hb, state, person, rec, durable, id := l.hub, l.assist.State, l.person, l.rec, l.durable, l.assist.ID
	l.mu.Unlock()
	if person != c {
		// Whatever detached this channel closed it first, and says why: a
		// newer connection (4409), or the end of the assist (4410).
		if ce := c.closeErr(); ce != nil {
			return ce
		}
		return &CloseError{Code: CloseReplaced, Reason: "replaced by a newer connection"}
	}
	if state != tandem.AssistLive || hb == nil {
		return &CloseError{Code: CloseForbidden, Reason: "events before consent"}
	}
	if max := c.s.cfg.MaxRecordedBytes; max > 0 && l.recorded.Load()+int64(len(frame)) > max {
		reason := "the recording reached its limit of " + byteSize(max)
		c.s.log.Warn("assist over its recording limit", "assist", id, "limit", max)
		if _, err := c.s.end(ctx, "system", id, reason, closeEnded); err != nil {
			return err
		}
		return &CloseError{Code: closeEnded, Reason: reason} // the end closed the channel first
	}
	// The hub checks the frame (sequence number, kind, page and hash).
	dup, err := hb.PublishParsed(h, frame)
	switch {
	case err == nil:
	case tandem.ErrorCode(err) == tandem.EUnavailable:
		// The recording fell behind storage: the frame was not accepted;
		// the SDK reconnects and resends it.
		c.s.log.Warn("recording is behind; asking the person to resend", "assist", l.assist.ID, "err", err)
		return &CloseError{Code: CloseTryAgain, Reason: "busy; reconnect and resend"}
	case h.Kind == "ref":
		// The server no longer has that page's snapshot (evicted): the SDK
		// must send it in full.
		return &CloseError{Code: CloseUnknownPage, Reason: "unknown page snapshot; send it in full"}
	default:
		// The hub closes when the assist ends, which may happen between the
		// look at l above and this frame. The close the end decides wins
		// over calling the frame bad: wait until it told everyone (it
		// releases l.mu while it stores the recording).
		l.mu.Lock()
		ended := l.ended
		l.mu.Unlock()
		if ended {
			select {
			case <-l.told:
			case <-ctx.Done():
			}
			if ce := c.closeErr(); ce != nil {
				return ce
			}
			return &CloseError{Code: closeEnded, Reason: "the assist has ended"}
		}
		return badFrame(tandem.ErrorMessage(err))
	}
	if dup {
		c.s.observe(Observer.FrameDuplicate)
	} else {
		l.recorded.Add(int64(len(frame)))
		if rec != nil {
			durable.recorded(h.Seq, rec.Written())
		}
		c.s.observe(func(o Observer) { o.FrameIn(len(frame)) })
		if h.Kind == "meta" || h.Kind == "snap" || h.Kind == "ref" {
			c.s.notePage(ctx, l, h, frame)
		}
	}
	c.scheduleAck()
	return nil
}

// notePage keeps the store's list of pages visited in the assist.
func (s *Service) notePage(ctx context.Context, l *live, h hub.Header, frame []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h.Kind == "snap" {
		l.wantSnapshot = false
	}
	if h.Kind == "meta" {
		var p pageInfo
		if json.Unmarshal(payload(frame), &p) == nil {
			if p.PageID == "" {
				p.PageID = h.Page
			}
			l.lastPage = p
		}
		return
	}
	page := &tandem.Page{AssistID: l.assist.ID, PageID: h.Page, Hash: h.Hash, At: s.cfg.Now()}
	if l.lastPage.PageID == h.Page {
		page.URL, page.Title = l.lastPage.URL, l.lastPage.Title
	}
	if err := s.store.AddPage(ctx, page); err != nil {
		s.log.Error("add page failed", "assist", l.assist.ID, "err", err)
	}
}

// consent takes the person's answer to the prompt.
func (s *Service) consent(ctx context.Context, l *live, allow bool) error {
	l.mu.Lock()
	if l.assist.State != tandem.AssistConsenting {
		l.mu.Unlock()
		return badFrame("no consent was asked")
	}
	a := *l.assist
	c := &tandem.Consent{
		AssistID: a.ID, AgentID: a.AgentID, PersonID: a.PersonID, PageURL: a.PageURL,
		Method: "prompt", Allowed: allow, Text: l.prompt, At: s.cfg.Now(),
	}
	if err := s.store.RecordConsent(ctx, c); err != nil {
		l.mu.Unlock()
		s.log.Error("record consent failed", "assist", a.ID, "err", err)
		return &CloseError{Code: closeGoingAway, Reason: "could not record consent; try again"}
	}
	s.log.Info("web assist consent", "assist", a.ID, "agent", a.AgentID, "allowed", allow, "method", "prompt")
	if !allow {
		l.mu.Unlock()
		s.audit(ctx, a.ID, "person:"+a.PersonID, "consent.deny", l.prompt)
		_, err := s.end(ctx, "person:"+a.PersonID, a.ID, "the person denied the request", closeEnded)
		return err
	}
	a.State, a.StartedAt = tandem.AssistLive, s.cfg.Now()
	if err := s.store.UpdateAssist(ctx, &a, tandem.AssistConsenting); err != nil {
		s.log.Error("start assist failed", "assist", a.ID, "err", err)
		l.mu.Unlock()
		return &CloseError{Code: closeGoingAway, Reason: "could not start the assist; try again"}
	}
	l.assist = &a
	err := s.startLiveLocked(l)
	if len(l.agents) == 0 {
		s.awaitAgentLocked(l)
	}
	s.audit(ctx, a.ID, "person:"+a.PersonID, "consent.allow", l.prompt)
	frame := stateFrame(a.State, "")
	l.toPersonLocked(frame)
	l.toAgentsLocked(frame)
	l.mu.Unlock()
	if err != nil {
		return err
	}
	s.observe(Observer.AssistStarted)
	s.notifyQueue()
	return nil
}

// Handle takes one frame an agent sent.
func (c *AgentConn) Handle(ctx context.Context, frame []byte) error {
	h, err := hub.ParseHeader(frame)
	if err != nil {
		return badFrame(err.Error())
	}
	if err := checkFrame(h, frame); err != nil {
		return err
	}
	if h.Kind != "pong" && c.held() {
		// Until the person lets this agent in, the agent can do nothing.
		return nil
	}
	switch h.Kind {
	case protocol.KindPong:
		if h.T > 0 {
			rtt := time.Duration(c.s.cfg.Now().UnixMilli()-h.T) * time.Millisecond
			c.mu.Lock()
			c.rtt = rtt
			c.mu.Unlock()
		}
		return nil
	case protocol.KindSnapshot:
		c.l.sendPerson(encodeControl(protocol.KindSnapshot, nil))
		return nil
	case protocol.KindCall, protocol.KindCallJoin, protocol.KindCallLeave, protocol.KindRTC, protocol.KindCallMedia, protocol.KindPointer, protocol.KindDraw, protocol.KindControlRequest, protocol.KindControlRelease, protocol.KindControlHandover, protocol.KindOp, protocol.KindRepairRequest:
		return c.interact(ctx, h.Kind, payload(frame))
	}
	return badFrame("unknown frame kind " + h.Kind)
}

// byteSize says n in MiB, or in bytes when under one.
func byteSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
