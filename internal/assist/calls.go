package assist

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
)

// relayRTCLocked passes signalling between participants of the call.
func (s *Service) relayRTCLocked(l *live, from, kind string, body []byte) error {
	var in struct {
		CallID string `json:"callId"`
		To     string `json:"to"`
	}
	if json.Unmarshal(body, &in) != nil {
		return badFrame(kind + " must be a JSON object")
	}
	if l.call == nil || in.CallID != l.call.id {
		return s.refuseTo(l, from, refusal(kind, tandem.EConflict, "no such call"))
	}
	if _, ok := l.call.members[from]; !ok {
		return s.refuseTo(l, from, refusal(kind, tandem.EForbidden, "join the call first"))
	}
	frame := encodeWith(headerFor(kind), withFrom(body, from, l.call.members[from]))
	if kind == "call.media" {
		for id := range l.call.members {
			if id != from {
				l.sendTo(id, frame)
			}
		}
		return nil
	}
	if _, ok := l.call.members[in.To]; !ok || in.To == from {
		return s.refuseTo(l, from, refusal(kind, tandem.ENotFound, "%q is not in the call", in.To))
	}
	l.sendTo(in.To, frame)
	return nil
}

func (s *Service) refuseTo(l *live, id string, frame []byte) error {
	l.sendTo(id, frame)
	return nil
}

// callStatePayload describes the call for call.state frames.
func (l *live) callStatePayload() map[string]any {
	type member struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		// Away: the person's page is gone and their next one has not
		// rejoined yet; the agents show them as reconnecting.
		Away bool `json:"away,omitempty"`
	}
	c := l.call
	if c == nil {
		return map[string]any{"state": "ended"}
	}
	members := []member{}
	for id, name := range c.members {
		members = append(members, member{id, name, id == "person" && c.personAway})
	}
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
	return map[string]any{"callId": c.id, "state": c.state, "video": c.video, "members": members}
}

// callStateLocked tells every agent and the person where the call is; each
// member gets ICE servers of its own, everyone else the same frame, encoded
// once.
func (s *Service) callStateLocked(l *live) {
	st := l.callStatePayload()
	var shared []byte
	frameFor := func(id string) []byte {
		if s.getsICE(l, id) {
			return encodeControl(protocol.KindCallState, s.withICE(st, l, id))
		}
		if shared == nil {
			shared = encodeControl(protocol.KindCallState, st)
		}
		return shared
	}
	for a := range l.agents {
		a.send(frameFor(a.id))
	}
	if l.person != nil {
		l.person.send(frameFor("person"))
	}
}

// getsICE reports whether member is in the call and gets ICE servers.
func (s *Service) getsICE(l *live, member string) bool {
	if l.call == nil || s.cfg.ICE == nil {
		return false
	}
	_, ok := l.call.members[member]
	return ok
}

// withICE adds member's ICE servers to a call.state payload, if it gets any.
func (s *Service) withICE(st map[string]any, l *live, member string) map[string]any {
	if !s.getsICE(l, member) {
		return st
	}
	out := make(map[string]any, len(st)+2)
	for k, v := range st {
		out[k] = v
	}
	out["you"] = member
	out["iceServers"] = s.cfg.ICE.ICEServers(l.call.id, member, callTTL)
	return out
}

// leaveCallLocked removes a participant; the call ends when the person or
// the last agent leaves.
func (s *Service) leaveCallLocked(ctx context.Context, l *live, member, actor string) {
	c := l.call
	if c == nil {
		return
	}
	if _, ok := c.members[member]; !ok && !(member == "person" && c.state == "ringing") {
		return
	}
	delete(c.members, member)
	if s.cfg.ICE != nil {
		// Its relays close now, even if the call goes on without it.
		s.cfg.ICE.LeaveCall(c.id, member)
	}
	agents := 0
	for id := range c.members {
		if id != "person" {
			agents++
		}
	}
	if member == "person" || agents == 0 {
		s.endCallLocked(l)
	} else {
		s.callStateLocked(l)
	}
	s.audit(ctx, l.assist.ID, actor, "call.leave", "")
}

// personLeftCallLocked handles the person's channel going away during a
// call. A ringing call ends (a new page rings again only if it is still
// on); in an active call the person stays a member, marked away: their
// page's peer connections died with it, so their relays close now, and
// their next page rejoins without asking them again (they accepted this
// call). If they never come back, the assist's grace ends it and the call.
func (s *Service) personLeftCallLocked(l *live) {
	c := l.call
	if _, ok := c.members["person"]; !ok || c.state != "active" {
		s.leaveCallLocked(context.Background(), l, "person", "person:"+l.assist.PersonID)
		return
	}
	c.personAway = true
	if s.cfg.ICE != nil {
		s.cfg.ICE.LeaveCall(c.id, "person")
	}
	s.callStateLocked(l)
}

func (s *Service) endCallLocked(l *live) {
	if l.call == nil {
		return
	}
	if s.cfg.ICE != nil {
		s.cfg.ICE.EndCall(l.call.id)
	}
	l.call = nil
	s.callStateLocked(l)
}
