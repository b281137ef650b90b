package conversation

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/bus"
)

// Event is one live event as a client's WebSocket receives it (one JSON
// text frame each). Type is message, message.replaced, conversation,
// typing, read, notice, or resync (events may have been missed: fetch
// again).
type Event struct {
	Type           string            `json:"type"`
	ConversationID string            `json:"conversationId,omitempty"`
	Message        *botapi.Message   `json:"message,omitempty"`
	Conversation   *ConversationJSON `json:"conversation,omitempty"`
	Account        string            `json:"account,omitempty"`
	Name           string            `json:"name,omitempty"`
	Seq            int64             `json:"seq,omitempty"`
	MessageID      string            `json:"messageId,omitempty"`
	Text           string            `json:"text,omitempty"`
	Blocks         []botapi.Block    `json:"blocks,omitempty"`
}

// route says who receives an event besides, or instead of, the members.
type route struct {
	to             tandem.Account   // this account alone
	extra          []tandem.Account // and these (a member just removed)
	except         tandem.Account   // not this one (who is typing)
	agents         bool             // and every agent (a queued conversation)
	membersChanged bool
}

// Subscriber receives the live events of one account's conversations.
type Subscriber struct {
	Account tandem.Account
	c       chan []byte
	closed  bool
	lost    bool
}

// C is where events arrive, one JSON object each. It is closed when the
// subscriber is stopped, when the service closes, or when it fell too far
// behind (Lost).
func (sub *Subscriber) C() <-chan []byte { return sub.c }

// Lost reports, once C is closed, whether events were dropped because the
// receiver was too slow: its client should fetch again from the store.
func (sub *Subscriber) Lost() bool { return sub.lost }

func (sub *Subscriber) closeLocked() {
	if !sub.closed {
		sub.closed = true
		close(sub.c)
	}
}

// Subscribe starts receiving the events of account a's conversations here
// (and, for an agent, of the queue). Call stop when done.
func (s *Service) Subscribe(a tandem.Account) (sub *Subscriber, stop func()) {
	sub = &Subscriber{Account: a, c: make(chan []byte, s.cfg.SubscriberQueue)}
	s.mu.Lock()
	set := s.subs[a]
	if set == nil {
		set = map[*Subscriber]struct{}{}
		s.subs[a] = set
	}
	set[sub] = struct{}{}
	s.mu.Unlock()
	return sub, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if set := s.subs[a]; set != nil {
			delete(set, sub)
			if len(set) == 0 {
				delete(s.subs, a)
			}
		}
		sub.closeLocked()
	}
}

// sendLocked hands data to sub, dropping a subscriber that fell behind.
func (s *Service) sendLocked(sub *Subscriber, data []byte) {
	if sub.closed {
		return
	}
	select {
	case sub.c <- data:
	default:
		sub.lost = true
		delete(s.subs[sub.Account], sub)
		if len(s.subs[sub.Account]) == 0 {
			delete(s.subs, sub.Account)
		}
		sub.closeLocked()
	}
}

func (s *Service) publishMessage(ctx context.Context, c *tandem.Conversation, typ string, m *tandem.Message) {
	ev := &Event{Type: typ, ConversationID: c.ID, Message: ToWire(m, s.namer(ctx), false)}
	// While it waits in the queue, every agent sees what the person writes.
	s.publish(ctx, c.ID, ev, route{agents: c.Kind == tandem.ConversationSupport && c.Queued})
}

func (s *Service) publishConversation(ctx context.Context, c *tandem.Conversation, r route) {
	s.publish(ctx, c.ID, &Event{Type: "conversation", ConversationID: c.ID, Conversation: JSON(c)}, r)
}

// membersChanged tells the members (and those in extra, who left) that a
// conversation's members changed: their clients fetch them again.
func (s *Service) membersChanged(ctx context.Context, id string, extra ...tandem.Account) {
	c, err := s.store.ConversationByID(ctx, id)
	if err != nil {
		s.log.Warn("announce a change of members", "conversation", id, "err", err)
		return
	}
	s.publishConversation(ctx, c, route{membersChanged: true, extra: extra, agents: c.Kind == tandem.ConversationSupport && c.Queued})
}

// publish sends an event to its recipients here, at once, and to the
// other nodes through the bus.
func (s *Service) publish(ctx context.Context, conversationID string, ev *Event, r route) {
	data, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("encode a conversation event", "err", err)
		return
	}
	e := bus.ConversationEvent{
		Node: s.cfg.Node, ConversationID: conversationID, Event: data, Agents: r.agents, MembersChanged: r.membersChanged,
	}
	if !r.to.IsZero() {
		e.To = r.to.String()
	}
	if !r.except.IsZero() {
		e.Except = r.except.String()
	}
	for _, a := range r.extra {
		e.Extra = append(e.Extra, a.String())
	}
	s.deliver(ctx, e)
	if s.cfg.Bus == nil {
		return
	}
	out := e.Encode()
	if len(out) > bus.MaxData {
		// The receivers read it from the store.
		e.Event, e.Type = nil, ev.Type
		if ev.Message != nil {
			e.MessageID = ev.Message.ID
		}
		out = e.Encode()
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.cfg.Bus.Publish(pctx, bus.Conversations(), out); err != nil {
		s.log.Warn("publish a conversation event on the bus", "err", err)
	}
}

// deliver sends e to its recipients among the subscribers here.
func (s *Service) deliver(ctx context.Context, e bus.ConversationEvent) {
	if e.MembersChanged {
		s.mu.Lock()
		delete(s.members, e.ConversationID)
		s.mu.Unlock()
	}
	s.mu.Lock()
	none := len(s.subs) == 0
	s.mu.Unlock()
	if none {
		return
	}
	var to []tandem.Account
	if e.To != "" {
		a, err := tandem.ParseAccount(e.To)
		if err != nil {
			return
		}
		to = []tandem.Account{a}
	} else {
		members, err := s.memberAccounts(ctx, e.ConversationID)
		if err != nil {
			s.log.Warn("list members for an event", "conversation", e.ConversationID, "err", err)
			return
		}
		to = members
		for _, x := range e.Extra {
			if a, err := tandem.ParseAccount(x); err == nil {
				to = append(to, a)
			}
		}
	}
	data := []byte(e.Event)
	if len(data) == 0 {
		var err error
		if data, err = s.reload(ctx, e); err != nil {
			s.log.Warn("read a conversation event from the store", "conversation", e.ConversationID, "err", err)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sent := map[tandem.Account]bool{}
	send := func(a tandem.Account) {
		if sent[a] || a.String() == e.Except {
			return
		}
		sent[a] = true
		for sub := range s.subs[a] {
			s.sendLocked(sub, data)
		}
	}
	for _, a := range to {
		send(a)
	}
	if e.Agents && e.To == "" {
		for a := range s.subs {
			if a.Kind == tandem.AccountUser {
				send(a)
			}
		}
	}
}

// reload rebuilds an event too large for the bus from the store.
func (s *Service) reload(ctx context.Context, e bus.ConversationEvent) ([]byte, error) {
	ev := &Event{Type: e.Type, ConversationID: e.ConversationID}
	if e.MessageID != "" {
		m, err := s.store.MessageByID(ctx, e.MessageID)
		if err != nil {
			return nil, err
		}
		ev.Message = ToWire(m, s.namer(ctx), false)
	} else {
		c, err := s.store.ConversationByID(ctx, e.ConversationID)
		if err != nil {
			return nil, err
		}
		ev.Conversation = JSON(c)
	}
	return json.Marshal(ev)
}

// maxCachedMembers bounds the member lists kept for routing events.
const maxCachedMembers = 10000

// memberAccounts returns the member accounts of a conversation, from the
// cache when it has them.
func (s *Service) memberAccounts(ctx context.Context, id string) ([]tandem.Account, error) {
	s.mu.Lock()
	accounts, ok := s.members[id]
	s.mu.Unlock()
	if ok {
		return accounts, nil
	}
	ms, err := s.store.Members(ctx, id)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	accounts = make([]tandem.Account, 0, len(ms))
	for _, m := range ms {
		accounts = append(accounts, m.Account)
	}
	s.mu.Lock()
	if len(s.members) >= maxCachedMembers {
		clear(s.members)
	}
	s.members[id] = slices.Clip(accounts)
	s.mu.Unlock()
	return accounts, nil
}

// resyncAll tells every subscriber here that events may have been missed
// (the bus dropped some, or was cut off), and forgets the cached members.
func (s *Service) resyncAll() {
	data, _ := json.Marshal(&Event{Type: "resync"})
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.members)
	for _, set := range s.subs {
		for sub := range set {
			s.sendLocked(sub, data)
		}
	}
}

// startBus follows the other nodes' events until ctx ends. The
// subscription is active when it returns.
func (s *Service) startBus(ctx context.Context) {
	s.wg.Go(bus.Follow(ctx, s.cfg.Bus, bus.Follower{
		Subject: bus.Conversations(),
		Buffer:  bus.MaxBuffer / 4,
		Apply:   s.deliverFromBus,
		// Events may have been missed: the clients fetch again.
		Reload:  func(context.Context) { s.resyncAll() },
		Refused: func(err error) { s.log.Error("follow conversations on the bus", "err", err) },
	}))
}

// deliverFromBus delivers here an event another node published.
func (s *Service) deliverFromBus(ctx context.Context, m bus.Message) {
	e, err := bus.DecodeConversationEvent(m.Data)
	if err != nil {
		s.log.Warn("a conversation event from the bus", "err", err)
		return
	}
	if e.Node == s.cfg.Node {
		return // delivered here when published
	}
	s.deliver(ctx, e)
}
