package bus

import (
	"fmt"

	"github.com/tandemhq/tandem"
)

// Kind is what a subject is about.
type Kind uint8

// The kinds of subject. Their names are part of the subjects on the wire
// (queue, control.ID, lease): renaming one splits an installation whose
// nodes run different versions.
const (
	// KindQueue is the changes of the open help requests of every site: a
	// request waiting, taken, withdrawn or ended (QueueChange). It has no
	// ID: an agent's queue lists every site's requests, so every node
	// follows every change.
	KindQueue Kind = iota + 1
	// KindControl is control messages for the node that owns one session
	// (an assist or a terminal session). Its ID is the session's.
	KindControl
	// KindLease is the changes of every session's owner lease: taken or
	// released (LeaseChange). It has no ID; messages name the session.
	KindLease
	// KindConversation is the live events of every conversation: a
	// message posted or replaced, a conversation changed, a read mark,
	// someone typing (ConversationEvent). It has no ID: a node's
	// subscribers are members of any conversation, so every node follows
	// every event and keeps those of its own subscribers.
	KindConversation
	// KindPassport is the changes of the passport's grants (sign-ins on
	// sites): one ended, or asked to refresh ahead of expiry
	// (GrantChange). It has no ID: every node forgets what it cached of
	// the grant and tells the clients it serves that follow it.
	KindPassport
	// KindSite is the changes of every site's settings: its screen
	// mapping, masking or capture edited (SiteChange). It has no ID:
	// messages name the site, and every node updates the live assists of
	// that site it serves.
	KindSite
)

func (k Kind) String() string {
	switch k {
	case KindQueue:
		return "queue"
	case KindControl:
		return "control"
	case KindLease:
		return "lease"
	case KindConversation:
		return "conversation"
	case KindPassport:
		return "passport"
	case KindSite:
		return "site"
	}
	return "invalid"
}

// Subject is where a message is published. Make one with Queues, Control,
// Leases, Conversations, Passport or Sites; the zero Subject is invalid and refused by every Bus.
type Subject struct {
	kind Kind
	id   string
}

// MaxID is the longest session id a subject takes.
const MaxID = 64

// Queues is the subject of the changes of every site's queue.
func Queues() Subject { return Subject{kind: KindQueue} }

// Control is the subject of control messages for the owner of the session
// sessionID.
func Control(sessionID string) (Subject, error) { return withID(KindControl, sessionID) }

// Leases is the subject of lease changes.
func Leases() Subject { return Subject{kind: KindLease} }

// Conversations is the subject of the live events of conversations.
func Conversations() Subject { return Subject{kind: KindConversation} }

// Passport is the subject of the changes of the passport's grants.
func Passport() Subject { return Subject{kind: KindPassport} }

// Sites is the subject of the changes of sites' settings.
func Sites() Subject { return Subject{kind: KindSite} }

func withID(k Kind, id string) (Subject, error) {
	if why := checkID(id); why != "" {
		return Subject{}, tandem.Errorf(tandem.EInvalid, "bus: a %s subject needs %s", k, why)
	}
	return Subject{kind: k, id: id}, nil
}

// checkID accepts what session ids are made of: letters, digits,
// '_' and '-'. Anything else could change the meaning of a NATS subject
// ('.', '*', '>', white space) or of a log line. It returns what is wrong,
// or "".
func checkID(id string) string {
	if id == "" || len(id) > MaxID {
		return fmt.Sprintf("an id of 1 to %d characters, not %d", MaxID, len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return fmt.Sprintf("an id of letters, digits, '_' and '-' (byte %d is %q)", i, c)
		}
	}
	return ""
}

// Kind is what the subject is about.
func (s Subject) Kind() Kind { return s.kind }

// ID is the session's id, "" for KindQueue, KindLease, KindConversation,
// KindPassport and KindSite.
func (s Subject) ID() string { return s.id }

// Valid reports whether s was made by Queues, Control, Leases,
// Conversations, Passport or Sites.
func (s Subject) Valid() error {
	switch s.kind {
	case KindControl:
		if checkID(s.id) == "" {
			return nil
		}
	case KindQueue, KindLease, KindConversation, KindPassport, KindSite:
		if s.id == "" {
			return nil
		}
	}
	return tandem.Errorf(tandem.EInvalid, "bus: not a subject (make one with bus.Queues, bus.Control, bus.Leases, bus.Conversations, bus.Passport or bus.Sites)")
}

// String is the subject as it travels on a networked bus: "queue",
// "control.ID", "lease", "conversation", "passport" or "site". It is "invalid" for an invalid subject.
func (s Subject) String() string {
	if s.Valid() != nil {
		return "invalid"
	}
	if s.id == "" {
		return s.kind.String()
	}
	return s.kind.String() + "." + s.id
}
