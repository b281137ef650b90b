package assist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/protocol"
)

// The person always sees who is watching: a "watchers" frame lists the
// agents whose channels are open, and goes out whenever that changes. On a
// site with ConsentEachAgent, an agent other than the one the person allowed
// is held at the door: their channel stays open but gets nothing of the page
// until the person answers a "join.answer"; a refusal keeps them out.

// joins is who the person let in or kept out of one assist, and who is
// waiting to be let in. It is part of live and guarded by live.mu.
type joins struct {
	allowed map[string]bool // user ids the person let in, beyond the accepting agent
	refused map[string]bool // user ids the person kept out
	asking  []*joinAsk      // in the order asked
}

// joinAsk is one agent waiting for the person's answer, with the channels
// they opened meanwhile (one per console tab).
type joinAsk struct {
	id    string // names the question in the person's answer
	user  *tandem.User
	text  string
	conns map[*AgentConn]struct{}
}

// joinWaitText is what a held agent's console shows.
const joinWaitText = "Waiting for the person to allow you to join"

// holdLocked decides whether an agent's new channel must wait for the
// person: held, when it must (the channel is then parked and the person
// asked; asked is true the first time), or a *CloseError when the person
// already refused this agent. l.mu is held.
func (s *Service) holdLocked(l *live, c *AgentConn) (held, asked bool, err error) {
	uid := c.user.ID
	if !l.site.ConsentEachAgent || uid == l.assist.AgentID || l.joins.allowed[uid] {
		return false, false, nil
	}
	if l.joins.refused[uid] {
		return false, false, &CloseError{Code: CloseForbidden, Reason: "the person did not allow you to join"}
	}
	i := slices.IndexFunc(l.joins.asking, func(a *joinAsk) bool { return a.user.ID == uid })
	if i < 0 {
		ask := &joinAsk{
			id:    newID(),
			user:  c.user,
			text:  fmt.Sprintf("%s from %s also wants to see this page", c.user.Name, s.cfg.TeamName),
			conns: make(map[*AgentConn]struct{}),
		}
		l.joins.asking = append(l.joins.asking, ask)
		i = len(l.joins.asking) - 1
		asked = true
		s.log.Info("web assist join asked", "assist", l.assist.ID, "agent", uid)
	}
	l.joins.asking[i].conns[c] = struct{}{}
	c.send(encodeControl(protocol.KindJoinWait, map[string]string{"text": joinWaitText}))
	l.watchersLocked()
	return true, asked, nil
}

// unholdLocked forgets a held channel that closed; an agent with no channel
// left waiting is no longer asked about. l.mu is held.
func (l *live) unholdLocked(c *AgentConn) {
	for i, ask := range l.joins.asking {
		if _, ok := ask.conns[c]; !ok {
			continue
		}
		delete(ask.conns, c)
		if len(ask.conns) == 0 {
			l.joins.asking = slices.Delete(l.joins.asking, i, i+1)
			l.watchersLocked()
		}
		return
	}
}

// answerJoin takes the person's answer about a waiting agent. An answer
// about an agent who left meanwhile changes nothing.
func (s *Service) answerJoin(ctx context.Context, l *live, payload []byte) error {
	var body struct {
		ID    string `json:"id"`
		Allow *bool  `json:"allow"`
	}
	if err := json.Unmarshal(payload, &body); err != nil || body.ID == "" || body.Allow == nil {
		return badFrame(`join.answer needs {"id":"…","allow":true|false}`)
	}
	// Audit entries are written once the assist is unlocked (deferred calls
	// run last first), not in goroutines that a shutdown would not wait for.
	var assistID string
	var audits [][3]string // actor, action, detail
	defer func() {
		for _, e := range audits {
			s.audit(ctx, assistID, e[0], e[1], e[2])
		}
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	i := slices.IndexFunc(l.joins.asking, func(a *joinAsk) bool { return a.id == body.ID })
	if i < 0 || l.ended {
		return nil
	}
	ask, allow := l.joins.asking[i], *body.Allow
	a := l.assist
	assistID = a.ID
	err := s.store.RecordConsent(ctx, &tandem.Consent{
		AssistID: a.ID, AgentID: ask.user.ID, PersonID: a.PersonID, PageURL: a.PageURL,
		Method: "join", Allowed: allow, Text: ask.text, At: s.cfg.Now(),
	})
	if err != nil {
		s.log.Error("record consent failed", "assist", a.ID, "err", err)
		return &CloseError{Code: closeGoingAway, Reason: "could not record consent; try again"}
	}
	l.joins.asking = slices.Delete(l.joins.asking, i, i+1)
	s.log.Info("web assist consent", "assist", a.ID, "agent", ask.user.ID, "allowed", allow, "method", "join")
	action := "join.deny"
	if allow {
		action = "join.allow"
		if l.joins.allowed == nil {
			l.joins.allowed = make(map[string]bool)
		}
		l.joins.allowed[ask.user.ID] = true
		for c := range ask.conns {
			if err := s.admitLocked(l, c); err != nil {
				var ce *CloseError
				if errors.As(err, &ce) {
					c.close(ce.Code, ce.Reason)
				}
				continue
			}
			audits = append(audits, [3]string{"agent:" + c.user.ID, "watch", ""})
		}
	} else {
		if l.joins.refused == nil {
			l.joins.refused = make(map[string]bool)
		}
		l.joins.refused[ask.user.ID] = true
		for c := range ask.conns {
			c.close(CloseForbidden, "the person did not allow you to join")
		}
	}
	audits = append([][3]string{{"person:" + a.PersonID, action, ask.text}}, audits...)
	l.watchersLocked()
	return nil
}

// endHeldLocked tells the agents still waiting to join that the assist
// ended, and forgets them. l.mu is held.
func (l *live) endHeldLocked(ended []byte, code int, reason string) {
	for _, ask := range l.joins.asking {
		for c := range ask.conns {
			c.finish(ended, code, reason)
		}
	}
	l.joins.asking = nil
}

// heldLocked reports whether c waits for the person's answer. l.mu is held.
func (l *live) heldLocked(c *AgentConn) bool {
	for _, ask := range l.joins.asking {
		if _, ok := ask.conns[c]; ok {
			return true
		}
	}
	return false
}

// held reports whether c waits for the person's answer.
func (c *AgentConn) held() bool {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	return c.l.heldLocked(c)
}

// watcher is an agent as the person sees them: a name, nothing more.
type watcher struct {
	Name string `json:"name"`
}

// joinQuestion is an agent waiting to be let in, as the person is asked.
type joinQuestion struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Text string `json:"text"`
}

// watchersLocked tells the person who is watching (each agent once, however
// many tabs they have open) and who asks to join. l.mu is held.
func (l *live) watchersLocked() {
	// No agent can watch a request that no one accepted yet.
	if l.person == nil || l.assist.State == tandem.AssistWaiting {
		return
	}
	p := struct {
		Agents []watcher      `json:"agents"`
		Asking []joinQuestion `json:"asking"`
	}{Agents: []watcher{}, Asking: []joinQuestion{}}
	seen := make(map[string]bool)
	for a := range l.agents {
		if !seen[a.user.ID] {
			seen[a.user.ID] = true
			p.Agents = append(p.Agents, watcher{Name: a.user.Name})
		}
	}
	slices.SortFunc(p.Agents, func(a, b watcher) int { return strings.Compare(a.Name, b.Name) })
	for _, ask := range l.joins.asking {
		p.Asking = append(p.Asking, joinQuestion{ID: ask.id, Name: ask.user.Name, Text: ask.text})
	}
	l.toPersonLocked(encodeControl(protocol.KindWatchers, p))
}
