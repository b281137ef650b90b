package tandem

import (
	"strings"
	"time"
)

// AccountKind is what kind of account takes part in a conversation.
type AccountKind string

// The kinds of account.
const (
	AccountUser   AccountKind = "user"   // an agent or admin of the console
	AccountPerson AccountKind = "person" // a person on a site, known by their conversation token
	AccountBot    AccountKind = "bot"    // a bot's virtual account
)

// Account names a member of conversations: a user, a person or a bot.
// Its text form is "kind:id" ("user:7f3…", "bot:k2…").
type Account struct {
	Kind AccountKind
	ID   string
}

func (a Account) String() string {
	if a.Kind == "" {
		return ""
	}
	return string(a.Kind) + ":" + a.ID
}

// IsZero reports whether a names nobody.
func (a Account) IsZero() bool { return a.Kind == "" && a.ID == "" }

// ParseAccount reads the text form "kind:id" of an account.
func ParseAccount(s string) (Account, error) {
	kind, id, ok := strings.Cut(s, ":")
	switch AccountKind(kind) {
	case AccountUser, AccountPerson, AccountBot:
	default:
		ok = false
	}
	if !ok || id == "" || len(id) > 64 {
		return Account{}, Errorf(EInvalid, "%q is not an account (user:ID, person:ID or bot:ID)", s)
	}
	return Account{Kind: AccountKind(kind), ID: id}, nil
}

// ConversationKind says how a conversation came to be.
type ConversationKind string

// The kinds of conversation.
const (
	ConversationDirect  ConversationKind = "direct"  // two accounts
	ConversationGroup   ConversationKind = "group"   // any number of accounts, with a name
	ConversationSupport ConversationKind = "support" // a person on a site and whoever helps them; an assist's conversation
)

// Conversation is a chat between accounts.
type Conversation struct {
	ID          string
	Kind        ConversationKind
	Name        string
	AvatarURL   string
	Description string
	// SiteID is the site of a support conversation: its agents may see it
	// in the queue and take it. Empty for direct and group conversations.
	SiteID string
	// AssistID is the newest assist of a support conversation, if any: the
	// conversation is shown beside its live view and replay.
	AssistID string
	// Queued says that a support conversation waits for a human: it is in
	// the agents' queue of its site until one takes it. Summary is what
	// was said about it when it was queued (by a triage bot, say).
	Queued    bool
	Summary   string
	CreatedBy Account
	CreatedAt time.Time
	UpdatedAt time.Time
	// LastSeq is the sequence number of the newest message, 0 for none.
	LastSeq       int64
	LastMessageAt time.Time
}

// Member is an account's membership of a conversation.
type Member struct {
	ConversationID string
	Account        Account
	// AddedBy is who added the member (zero for the creator).
	AddedBy Account
	// Granted is, for a bot, the scopes the account that added it
	// authorised in this conversation: the bot's effective power here is
	// Granted ∩ its token's scopes. Empty for users and people.
	Granted []Scope
	// LastRead is the sequence number of the newest message the member
	// has read; unread messages are those after it.
	LastRead int64
	JoinedAt time.Time
}

// Message is one message in a conversation.
type Message struct {
	ID             string
	ConversationID string
	// Seq numbers the messages of one conversation from 1, without gaps,
	// in the order they were stored.
	Seq    int64
	Author Account
	// ClientID, when set, makes posting idempotent: a second message of
	// the same author with the same ClientID in the same conversation is
	// not stored again (the first is returned).
	ClientID    string
	Text        string
	Mentions    []Account
	Blocks      []Block
	Attachments []Attachment
	CreatedAt   time.Time
	// EditedAt is when the message was last replaced (by its author only).
	EditedAt time.Time
}

// BlockKind is the kind of a rich block in a message, a subset of Slack's
// Block Kit.
type BlockKind string

// The kinds of block.
const (
	BlockSection BlockKind = "section"
	BlockHeader  BlockKind = "header"
	BlockDivider BlockKind = "divider"
	BlockContext BlockKind = "context"
	BlockImage   BlockKind = "image"
	BlockActions BlockKind = "actions"
)

// Block is one rich block of a message. Text is plain text or the limited
// markdown Slack calls mrkdwn, shown escaped (never as HTML).
type Block struct {
	Kind     BlockKind
	Text     string
	Fields   []string // a section's fields, a context's elements
	ImageURL string   // an image block's https URL
	AltText  string
	Buttons  []Button // an actions block's buttons
}

// ButtonKind says what pressing a button does.
type ButtonKind string

// The kinds of button.
const (
	// ButtonLink opens its URL.
	ButtonLink ButtonKind = "link"
	// ButtonCallback sends the action to the bot that posted the message:
	// the client sends only the message id and the button's ID; the
	// server keeps the rest.
	ButtonCallback ButtonKind = "callback"
)

// Button is a button in an actions block.
type Button struct {
	ID       string // unique in its message; what a client sends back
	Kind     ButtonKind
	Label    string
	URL      string // a link button's http(s) URL
	ActionID string // a callback button's action id, given to the bot
	Value    string // a callback button's value, given to the bot
	Style    string // "", "primary" or "danger"
}

// Attachment is a file attached to a message; its bytes are in the blob
// store under BlobKey.
type Attachment struct {
	ID          string
	Name        string
	ContentType string
	Size        int64
	BlobKey     string
	// Width and Height are an image's size in pixels, 0 when unknown.
	Width, Height int
}

// Scope is one operation a bot may perform.
type Scope string

// The scopes a bot token can carry. The assist scopes act on the assist of
// the conversation the bot is in.
const (
	ScopeMessagesRead        Scope = "messages:read"
	ScopeMessagesWrite       Scope = "messages:write"
	ScopeConversationsWrite  Scope = "conversations:write" // rename, avatar, description
	ScopeMembersWrite        Scope = "members:write"       // add members
	ScopeConversationsCreate Scope = "conversations:create"
	ScopeMembersRead         Scope = "members:read"
	ScopeAssistRead          Scope = "assist:read"     // the assist's state and the page the person is on
	ScopeAssistInvite        Scope = "assist:invite"   // create an invite and post it as a button
	ScopeAssistHandover      Scope = "assist:handover" // ask for a human: queue the conversation with a summary
	ScopeAssistEnd           Scope = "assist:end"
)

// AllScopes lists every scope, in the order a console shows them.
func AllScopes() []Scope {
	return []Scope{ScopeMessagesRead, ScopeMessagesWrite, ScopeConversationsWrite, ScopeMembersWrite,
		ScopeConversationsCreate, ScopeMembersRead, ScopeAssistRead, ScopeAssistInvite, ScopeAssistHandover, ScopeAssistEnd}
}

// ParseScopes reads a comma-separated list of scopes, refusing unknown ones.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !ValidScope(Scope(part)) {
			return nil, Errorf(EInvalid, "%q is not a scope (one of %s)", part, JoinScopes(AllScopes()))
		}
		out = append(out, Scope(part))
	}
	return out, nil
}

// ValidScope reports whether s is one of AllScopes.
func ValidScope(s Scope) bool {
	for _, v := range AllScopes() {
		if v == s {
			return true
		}
	}
	return false
}

// JoinScopes is the comma-separated text form of scopes.
func JoinScopes(scopes []Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// Bot is a virtual account backed by a third-party server.
type Bot struct {
	ID          string
	OwnerID     string // the user who created it
	Name        string // what @-mentions use; unique among bots
	AvatarURL   string
	Description string
	// URL receives the conversation events the bot is mentioned in;
	// InterfaceURL receives button actions and commands (URL when empty).
	URL          string
	InterfaceURL string
	// Scopes are the operations the bot's token may perform.
	Scopes []Scope
	// TokenHash is the SHA-256 of the current token (hex); empty when the
	// token is revoked. The token itself is shown once and never stored.
	TokenHash string
	// TokenID names the current token in audit entries (not secret).
	TokenID string
	// SigningSecret signs what Tandem sends the bot (Standard Webhooks,
	// "whsec_…"). It is kept, as a webhook signer must.
	SigningSecret string
	// Recommended bots are listed to every account (set by an admin).
	Recommended bool
	CreatedAt   time.Time
}

// BotCommand is a slash command a bot offers in its conversations.
type BotCommand struct {
	ID          string
	BotID       string
	Name        string // without the slash: "ticket"
	Description string
	Hint        string // the parameters, e.g. "[title] [priority]"
	URL         string // where it is sent; the bot's InterfaceURL when empty
	CreatedAt   time.Time
}

// Hook is the incoming webhook of one bot in one conversation: a POST to
// /hooks/TOKEN posts as the bot. Only the token's hash is stored.
type Hook struct {
	ID             string
	BotID          string
	ConversationID string
	TokenHash      string
	CreatedAt      time.Time
}

// DeliveryKind is what an outgoing delivery carries to a bot.
type DeliveryKind string

// The kinds of delivery.
const (
	DeliveryMention DeliveryKind = "mention" // a message that mentions the bot
	DeliveryAction  DeliveryKind = "action"  // a callback button was pressed
	DeliveryCommand DeliveryKind = "command" // a slash command was run
)

// DeliveryState is where a delivery is in its life.
type DeliveryState string

// The states of a delivery: pending → delivered, or → dead after the last
// attempt failed.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryDead      DeliveryState = "dead"
)

// Delivery is one request Tandem owes a bot, kept in the outbox until it
// is delivered or given up. Its ID is the webhook-id of every attempt.
type Delivery struct {
	ID             string
	BotID          string
	Kind           DeliveryKind
	ConversationID string
	MessageID      string
	URL            string
	Payload        []byte // the JSON body, signed as it is
	State          DeliveryState
	Attempts       int
	// NextAttemptAt is when a worker may try it next.
	NextAttemptAt time.Time
	LastStatus    int    // the HTTP status of the last attempt, 0 for none
	LastError     string // why the last attempt failed
	CreatedAt     time.Time
	DoneAt        time.Time // when it was delivered or given up
}

// DeliveryAttempt is one try of a delivery, for the owner's delivery log.
type DeliveryAttempt struct {
	DeliveryID string
	N          int // 1 for the first attempt
	At         time.Time
	Status     int // the HTTP status, 0 when none came
	Error      string
	Duration   time.Duration
}
