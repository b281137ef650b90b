package bus

import (
	"encoding/json"
	"fmt"

	"github.com/tandemhq/tandem"
)

// The messages below are what nodes publish on the subjects of this
// package, in JSON. Their fields are part of the wire: nodes of different
// versions share them, so fields are added, never renamed, and receivers
// ignore the fields they do not know.

// QueueChange is a message on Queues(): the open help requests changed on
// node Node (one was filed, taken, withdrawn or ended). It says no more:
// receivers list the queue again from the store, which is the authority.
type QueueChange struct {
	Node string `json:"node"`
}

// LeaseEvent is what happened to a lease.
type LeaseEvent string

// The events of LeaseChange.
const (
	// LeaseTaken: Node took the lease of a session that another node held,
	// or that was left without an owner (its node died, or handed it over
	// while draining). A session's first lease, when it starts, is not
	// announced: no other node could have served it.
	LeaseTaken LeaseEvent = "taken"
	// LeaseReleased: Node gave the lease up: the session ended there.
	LeaseReleased LeaseEvent = "released"
	// LeaseHandedOver: Node handed the session over without ending it (it
	// drains for a restart): the lease lapsed at once, and the first node
	// one of the session's clients reaches takes it over.
	LeaseHandedOver LeaseEvent = "handed-over"
)

// LeaseChange is a message on Leases(): a session's owner lease changed.
type LeaseChange struct {
	Event   LeaseEvent `json:"event"`
	Session string     `json:"session"`
	// Kind is the session's kind ("assist" or "terminal"), when the
	// publisher knows it (on LeaseTaken).
	Kind string `json:"kind,omitempty"`
	// Node is the node that took or released the lease; NodeURL is where
	// other nodes reach it (on LeaseTaken).
	Node    string `json:"node"`
	NodeURL string `json:"nodeUrl,omitempty"`
	// Token is the lease's fencing token after the change: of two changes
	// of one session, the one with the larger token is the later.
	Token int64 `json:"token"`
}

// maxNode bounds a node's id in a message: ids are short random words.
const maxNode = 128

// Encode returns c as a message's data.
func (c QueueChange) Encode() []byte { return mustJSON(c) }

// DecodeQueueChange reads a message of Queues().
func DecodeQueueChange(data []byte) (QueueChange, error) {
	var c QueueChange
	if err := json.Unmarshal(data, &c); err != nil {
		return QueueChange{}, tandem.Errorf(tandem.EInvalid, "bus: a queue change is not JSON: %v", err)
	}
	if c.Node == "" || len(c.Node) > maxNode {
		return QueueChange{}, tandem.Errorf(tandem.EInvalid, "bus: a queue change names no node")
	}
	return c, nil
}

// Encode returns c as a message's data.
func (c LeaseChange) Encode() []byte { return mustJSON(c) }

// DecodeLeaseChange reads a message of Leases(), refusing one that does not
// say which session, what happened and on which node.
func DecodeLeaseChange(data []byte) (LeaseChange, error) {
	var c LeaseChange
	if err := json.Unmarshal(data, &c); err != nil {
		return LeaseChange{}, tandem.Errorf(tandem.EInvalid, "bus: a lease change is not JSON: %v", err)
	}
	switch {
	case c.Event != LeaseTaken && c.Event != LeaseReleased && c.Event != LeaseHandedOver:
		return LeaseChange{}, tandem.Errorf(tandem.EInvalid, "bus: unknown lease event %q", c.Event)
	case checkID(c.Session) != "":
		return LeaseChange{}, tandem.Errorf(tandem.EInvalid, "bus: a lease change needs a session id: %s", checkID(c.Session))
	case c.Node == "" || len(c.Node) > maxNode:
		return LeaseChange{}, tandem.Errorf(tandem.EInvalid, "bus: a lease change names no node")
	}
	return c, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("bus: encode %T: %v", v, err)) // plain structs of strings and numbers
	}
	return b
}

// ConversationEvent is a message on Conversations(): a live event of
// conversation ConversationID, published by node Node after the store
// took what it says (typing and notices excepted: those are not stored).
// Each node sends Event, the JSON its clients receive, to its own
// subscribers among the recipients: the conversation's members (To alone
// when set), plus Extra, plus every agent when Agents, minus Except. When
// Event would not fit in a message it is left out and Type with MessageID
// say what to read from the store.
type ConversationEvent struct {
	Node           string          `json:"node"`
	ConversationID string          `json:"conversationId"`
	Event          json.RawMessage `json:"event,omitempty"`
	Type           string          `json:"type,omitempty"`
	MessageID      string          `json:"messageId,omitempty"`
	To             string          `json:"to,omitempty"`
	Extra          []string        `json:"extra,omitempty"`
	Except         string          `json:"except,omitempty"`
	Agents         bool            `json:"agents,omitempty"`
	// MembersChanged: the members changed; nodes forget the list they
	// keep.
	MembersChanged bool `json:"membersChanged,omitempty"`
}

// Encode returns e as a message's data.
func (e ConversationEvent) Encode() []byte { return mustJSON(e) }

// DecodeConversationEvent reads a message of Conversations(), refusing
// one without node, conversation or event.
func DecodeConversationEvent(data []byte) (ConversationEvent, error) {
	var e ConversationEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return ConversationEvent{}, tandem.Errorf(tandem.EInvalid, "bus: a conversation event is not JSON: %v", err)
	}
	switch {
	case e.Node == "" || len(e.Node) > maxNode:
		return ConversationEvent{}, tandem.Errorf(tandem.EInvalid, "bus: a conversation event names no node")
	case checkID(e.ConversationID) != "":
		return ConversationEvent{}, tandem.Errorf(tandem.EInvalid, "bus: a conversation event needs a conversation id: %s", checkID(e.ConversationID))
	case len(e.Event) == 0 && e.Type == "" && !e.MembersChanged:
		return ConversationEvent{}, tandem.Errorf(tandem.EInvalid, "bus: a conversation event carries no event")
	}
	return e, nil
}

// GrantChange is a message on Passport(): a grant of the passport changed.
// Type is "ended" (Reason says why: signed_in_elsewhere, revoked, …),
// "refresh" (a monitor asked its client to refresh ahead of expiry) or
// "rotated" (refreshed: caches of its old access token are stale).
type GrantChange struct {
	GrantID string `json:"grantId"`
	Type    string `json:"type"`
	Reason  string `json:"reason,omitempty"`
}

// Encode returns c as a message's data.
func (c GrantChange) Encode() []byte { return mustJSON(c) }

// DecodeGrantChange reads a message of Passport(), refusing one without a
// grant id or with an unknown type.
func DecodeGrantChange(data []byte) (GrantChange, error) {
	var c GrantChange
	if err := json.Unmarshal(data, &c); err != nil {
		return GrantChange{}, tandem.Errorf(tandem.EInvalid, "bus: a grant change is not JSON: %v", err)
	}
	if why := checkID(c.GrantID); why != "" {
		return GrantChange{}, tandem.Errorf(tandem.EInvalid, "bus: a grant change needs a grant id: %s", why)
	}
	switch c.Type {
	case "ended", "refresh", "rotated":
	default:
		return GrantChange{}, tandem.Errorf(tandem.EInvalid, "bus: a grant change of unknown type %q", c.Type)
	}
	return c, nil
}

// SiteChange is a message on Sites(): the settings of site Site (its
// screen mapping, masking, capture) were edited through node Node. It says
// no more: receivers read the site again from the store, which is the
// authority, and update the live assists of that site they serve.
type SiteChange struct {
	Node string `json:"node"`
	Site string `json:"site"`
}

// Encode returns c as a message's data.
func (c SiteChange) Encode() []byte { return mustJSON(c) }

// DecodeSiteChange reads a message of Sites(), refusing one that does not
// name a node and a valid site id.
func DecodeSiteChange(data []byte) (SiteChange, error) {
	var c SiteChange
	if err := json.Unmarshal(data, &c); err != nil {
		return SiteChange{}, tandem.Errorf(tandem.EInvalid, "bus: a site change is not JSON: %v", err)
	}
	switch {
	case c.Node == "" || len(c.Node) > maxNode:
		return SiteChange{}, tandem.Errorf(tandem.EInvalid, "bus: a site change names no node")
	case checkID(c.Site) != "":
		return SiteChange{}, tandem.Errorf(tandem.EInvalid, "bus: a site change needs a site id: %s", checkID(c.Site))
	}
	return c, nil
}
