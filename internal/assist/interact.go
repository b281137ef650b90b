package assist

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
)

// This file is the agent's interaction with the person's page: calls
// (signalled here, media peer to peer), pointer and drawing, consented
// remote control, and repairs. Every message is checked against who sent it
// and the state of the assist; refusals go back as an "error" frame to the
// sender and change nothing.

// ICEServer is one entry of a browser's RTCPeerConnection iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICE hands out STUN/TURN servers for calls.
type ICE interface {
	// ICEServers returns servers for one member of a call, with credentials
	// of its own, valid for ttl or until LeaveCall or EndCall.
	ICEServers(callID, member string, ttl time.Duration) []ICEServer
	// LeaveCall revokes one member's credentials and ends its relays.
	LeaveCall(callID, member string)
	// EndCall revokes the credentials of every member and ends their relays.
	EndCall(callID string)
}

// call is a voice/video call in an assist. Participants are "person" and
// agent channel ids.
type call struct {
	id        string
	video     bool
	state     string // ringing, active
	startedBy string
	members   map[string]string // participant id → display name
	// personAway: the person's channel dropped during the call (a
	// navigation, a reload, a network change). They stay a member until
	// the assist's grace runs out; their next page rejoins with call.answer
	// and the agents offer again.
	personAway bool
}

// control is who may act on the person's page.
type control struct {
	holder    *AgentConn // nil when nobody holds control
	requester *AgentConn // an agent waiting for the person's answer
}

// callTTL bounds TURN credentials; a call that lasts longer re-joins.
const callTTL = 2 * time.Hour

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// refusal is a message refused without closing the channel.
func refusal(kind, code, format string, args ...any) []byte {
	return encodeControl(protocol.KindError, map[string]string{"ref": kind, "code": code, "message": fmt.Sprintf(format, args...)})
}

// interact handles an agent's interaction frame. l.mu is not held. Audit
// entries are written under the assist's lock so that the log keeps the
// order in which things happened.
func (c *AgentConn) interact(ctx context.Context, kind string, body []byte) error {
	l, s := c.l, c.s
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.assist.State != tandem.AssistLive || l.ended {
		// An ending assist is still live while its recording is stored
		// (with its lock released): nothing new starts then.
		c.send(refusal(kind, tandem.EBeforeReady, "the assist is not live"))
		return nil
	}
	switch kind {
	case protocol.KindCall:
		var in struct {
			Video bool `json:"video"`
		}
		if json.Unmarshal(body, &in) != nil {
			return badFrame(`call needs {"video":bool}`)
		}
		if l.call != nil {
			c.send(refusal(kind, tandem.EConflict, "a call is already on; join it"))
			return nil
		}
		l.call = &call{id: newID(), video: in.Video, state: "ringing", startedBy: c.id,
			members: map[string]string{c.id: c.user.Name}}
		l.toPersonLocked(encodeControl(protocol.KindCall, map[string]any{
			"callId": l.call.id, "from": c.user.Name, "video": in.Video,
		}))
		s.callStateLocked(l)
		s.audit(ctx, l.assist.ID, "agent:"+c.user.ID, "call.start", videoWord(in.Video))
	case protocol.KindCallJoin:
		if l.call == nil || l.call.state != "active" {
			c.send(refusal(kind, tandem.EConflict, "no call to join"))
			return nil
		}
		l.call.members[c.id] = c.user.Name
		s.callStateLocked(l)
		s.audit(ctx, l.assist.ID, "agent:"+c.user.ID, "call.join", "")
	case protocol.KindCallLeave:
		s.leaveCallLocked(ctx, l, c.id, "agent:"+c.user.ID)
	case protocol.KindRTC, protocol.KindCallMedia:
		return s.relayRTCLocked(l, c.id, kind, body)
	case protocol.KindPointer, protocol.KindDraw:
		// Shown on the person's page and to the other agents; not audited
		// per move, as it changes nothing on the page.
		frame := encodeWith(headerFor(kind), withFrom(body, c.id, c.user.Name))
		l.toPersonLocked(frame)
		for a := range l.agents {
			if a != c {
				a.send(frame)
			}
		}
		if kind == "draw" && strings.Contains(string(body), `"done":true`) {
			s.audit(ctx, l.assist.ID, "agent:"+c.user.ID, "draw", "a stroke on the page")
		}
	case protocol.KindControlRequest:
		switch {
		case l.control.holder == c:
			c.send(refusal(kind, tandem.EConflict, "you hold control already"))
		case l.control.holder != nil:
			c.send(refusal(kind, tandem.EConflict, "%s holds control; ask them to hand it over", l.control.holder.user.Name))
		case l.control.requester != nil:
			c.send(refusal(kind, tandem.EConflict, "the person is answering %s's request", l.control.requester.user.Name))
		default:
			l.control.requester = c
			l.toPersonLocked(encodeControl(protocol.KindControlRequest, map[string]string{
				"agent": c.user.Name, "text": fmt.Sprintf("%s from %s wants to control this page", c.user.Name, s.cfg.TeamName),
			}))
			s.audit(ctx, l.assist.ID, "agent:"+c.user.ID, "control.request", "")
		}
	case protocol.KindControlRelease:
		if l.control.holder != c {
			c.send(refusal(kind, tandem.EForbidden, "you do not hold control"))
			return nil
		}
		l.control.holder = nil
		s.controlStateLocked(l)
		s.audit(ctx, l.assist.ID, "agent:"+c.user.ID, "control.release", "")
	case protocol.KindControlHandover:
		var in struct {
			To string `json:"to"`
		}
		if json.Unmarshal(body, &in) != nil || in.To == "" {
			return badFrame(`control.handover needs {"to":agent channel id}`)
		}
		if l.control.holder != c {
			c.send(refusal(kind, tandem.EForbidden, "only the agent holding control can hand it over"))
			return nil
		}
		to := l.agentByID(in.To)
		if to == nil {
			c.send(refusal(kind, tandem.ENotFound, "that agent is not in this assist"))
			return nil
		}
		l.control.holder = to
		s.controlStateLocked(l)
		s.audit(ctx, l.assist.ID, "agent:"+c.user.ID, "control.handover", "to agent:"+to.user.ID)
	case protocol.KindOp:
		return s.operateLocked(ctx, l, c, body)
	case protocol.KindRepairRequest:
		var in struct {
			Actions []string `json:"actions"`
		}
		if json.Unmarshal(body, &in) != nil || len(in.Actions) == 0 {
			return badFrame(`repair.request needs {"actions":[...]}`)
		}
		for _, a := range in.Actions {
			if !repairActions[a] {
				c.send(refusal(kind, tandem.EInvalid, "unknown repair %q (want clear-storage, clear-cookies, reload)", a))
				return nil
			}
		}
		l.repairBy = c
		l.toPersonLocked(encodeControl(protocol.KindRepairRequest, map[string]any{
			"agent": c.user.Name, "actions": in.Actions,
			"text": fmt.Sprintf("%s from %s wants to fix this page: %s", c.user.Name, s.cfg.TeamName, repairWords(in.Actions)),
		}))
		s.audit(ctx, l.assist.ID, "agent:"+c.user.ID, "repair.request", fmt.Sprint(in.Actions))
	default:
		return badFrame("unknown frame kind " + kind)
	}
	return nil
}

var repairActions = map[string]bool{"clear-storage": true, "clear-cookies": true, "reload": true}

func repairWords(actions []string) string {
	words := map[string]string{"clear-storage": "clear its saved data", "clear-cookies": "clear its cookies", "reload": "reload it"}
	out := ""
	for i, a := range actions {
		if i > 0 {
			out += ", "
		}
		out += words[a]
	}
	return out
}

func videoWord(v bool) string {
	if v {
		return "video"
	}
	return "voice"
}

// sendTo sends to a participant: "person" or an agent channel id.
func (l *live) sendTo(id string, frame []byte) {
	if id == "person" {
		l.toPersonLocked(frame)
		return
	}
	if a := l.agentByID(id); a != nil {
		a.send(frame)
	}
}

func (l *live) agentByID(id string) *AgentConn {
	for a := range l.agents {
		if a.id == id {
			return a
		}
	}
	return nil
}

// personInteraction handles the person's answers. l.mu is not held.
func (c *PersonConn) interact(ctx context.Context, kind string, body []byte) error {
	l, s := c.l, c.s
	l.mu.Lock()
	defer l.mu.Unlock()
	who := "person:" + l.assist.PersonID
	var in struct {
		CallID string `json:"callId"`
		Accept *bool  `json:"accept"`
		Allow  *bool  `json:"allow"`
	}
	if len(body) > 0 && json.Unmarshal(body, &in) != nil {
		return badFrame(kind + " must be a JSON object")
	}
	switch kind {
	case protocol.KindCallAnswer:
		if l.call != nil && l.call.id == in.CallID && l.call.state == "active" && l.call.personAway && in.Accept != nil && *in.Accept {
			// A new page of the person rejoins the call they accepted.
			l.call.personAway = false
			s.callStateLocked(l)
			s.audit(ctx, l.assist.ID, who, "call.rejoin", "")
			return nil
		}
		if l.call == nil || l.call.id != in.CallID || l.call.state != "ringing" || in.Accept == nil {
			c.send(refusal(kind, tandem.EConflict, "no call is ringing"))
			return nil
		}
		if !*in.Accept {
			if s.cfg.ICE != nil {
				s.cfg.ICE.EndCall(l.call.id)
			}
			l.call = nil
			l.toAgentsLocked(encodeControl(protocol.KindCallState, map[string]any{"state": "declined"}))
			l.toPersonLocked(encodeControl(protocol.KindCallState, map[string]any{"state": "ended"}))
			s.audit(ctx, l.assist.ID, who, "call.decline", "")
			return nil
		}
		l.call.state = "active"
		l.call.members["person"] = "person"
		s.callStateLocked(l)
		s.audit(ctx, l.assist.ID, who, "call.accept", "")
	case protocol.KindCallLeave:
		s.leaveCallLocked(ctx, l, "person", who)
	case protocol.KindRTC, protocol.KindCallMedia:
		return s.relayRTCLocked(l, "person", kind, body)
	case protocol.KindControlAnswer:
		r := l.control.requester
		if r == nil || in.Allow == nil {
			c.send(refusal(kind, tandem.EConflict, "nobody asked for control"))
			return nil
		}
		l.control.requester = nil
		if *in.Allow {
			l.control.holder = r
			s.controlStateLocked(l)
			s.audit(ctx, l.assist.ID, who, "control.grant", "agent:"+r.user.ID)
		} else {
			r.send(encodeControl(protocol.KindControlDenied, map[string]string{"message": "the person refused control"}))
			s.audit(ctx, l.assist.ID, who, "control.deny", "agent:"+r.user.ID)
		}
	case protocol.KindControlRevoke:
		if l.control.holder != nil {
			prev := l.control.holder
			l.control.holder = nil
			s.controlStateLocked(l)
			s.audit(ctx, l.assist.ID, who, "control.revoke", "agent:"+prev.user.ID)
		}
	case protocol.KindOpResult:
		var res struct {
			From string `json:"from"`
		}
		_ = json.Unmarshal(body, &res)
		if a := l.agentByID(res.From); a != nil {
			a.send(encodeWith(headerFor(kind), json.RawMessage(body)))
		}
	case protocol.KindRepairAnswer:
		r := l.repairBy
		if r == nil || in.Allow == nil {
			c.send(refusal(kind, tandem.EConflict, "no repair was asked"))
			return nil
		}
		l.repairBy = nil
		action := "repair.deny"
		if *in.Allow {
			action = "repair.allow"
		}
		s.audit(ctx, l.assist.ID, who, action, "agent:"+r.user.ID)
		r.send(encodeWith(headerFor("repair.answer"), json.RawMessage(body)))
	default:
		return badFrame("unknown frame kind " + kind)
	}
	return nil
}

// withFrom adds "from" (a channel id) and "fromName" to a JSON object.
func withFrom(body []byte, from, name string) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(body, &m)
	m["from"], m["fromName"] = from, name
	return m
}
