package store

import (
	"context"
	"time"

	"github.com/tandemhq/tandem"
)

// Limits of listings in conversations.
const (
	MaxConversationLimit = 200
	MaxMessageLimit      = 200
)

// ConversationFilter selects the conversations of ListConversations.
type ConversationFilter struct {
	// Member lists the conversations the account is a member of. Unless
	// SiteIDs is set, Member must be set: nobody lists what they are not in.
	Member tandem.Account
	// Queued with SiteIDs lists the queued support conversations of those
	// sites (member or not): the agents' queue.
	Queued  bool
	SiteIDs []string
	// After continues a listing after the conversation this cursor names
	// (ConversationSummary.Cursor); "" starts at the newest.
	After string
	Limit int // 0 for 50; at most MaxConversationLimit
}

// ConversationSummary is a conversation as a listing shows it to one
// account: with its unread count and its newest message.
type ConversationSummary struct {
	Conversation *tandem.Conversation
	// Unread counts the messages after the account's LastRead (0 when
	// the account is not a member).
	Unread int
	Last   *tandem.Message // nil when it has none
	// Cursor continues the listing after this conversation.
	Cursor string
}

// MessageFilter selects a page of a conversation's history.
type MessageFilter struct {
	// Before lists the messages with Seq < Before, newest first (0: from
	// the newest); After lists those with Seq > After, oldest first. At
	// most one of them is set.
	Before, After int64
	Limit         int // 0 for 50; at most MaxMessageLimit
}

// NewMessage is what PostMessage stores in one transaction.
type NewMessage struct {
	Message *tandem.Message // Seq, ID and CreatedAt are set by PostMessage
	// Deliveries are written to the outbox in the same transaction (the
	// mentioned bots' requests); their MessageID is set to the message's.
	Deliveries []*tandem.Delivery
}

// Conversations are chats between users, people and bots.
type Conversations interface {
	// CreateConversation stores c (setting ID, CreatedAt and UpdatedAt
	// when empty) and its first members in one step. Users and bots must
	// exist (ENotFound); a person is a member of their own support
	// conversation only (a person member with an empty id is given the
	// conversation's); a direct conversation has exactly two members.
	CreateConversation(ctx context.Context, c *tandem.Conversation, members []*tandem.Member) error
	ConversationByID(ctx context.Context, id string) (*tandem.Conversation, error)
	// ConversationForAssist returns the support conversation whose
	// AssistID is assistID (the newest, should there be several).
	ConversationForAssist(ctx context.Context, assistID string) (*tandem.Conversation, error)
	// ConversationsForAssists maps each of assistIDs that has a support
	// conversation to its id (the one ConversationForAssist returns), in
	// one query, for listings of assists. At most MaxAssistLimit ids.
	ConversationsForAssists(ctx context.Context, assistIDs []string) (map[string]string, error)
	// UpdateConversation writes c's name, avatar, description, assist,
	// queued and summary, and sets UpdatedAt. Its kind and site do not
	// change.
	UpdateConversation(ctx context.Context, c *tandem.Conversation) error
	// DeleteConversation deletes a conversation with its members,
	// messages, hooks and deliveries.
	DeleteConversation(ctx context.Context, id string) error
	ListConversations(ctx context.Context, f ConversationFilter) ([]*ConversationSummary, error)

	// AddMember adds m (EConflict if the account is a member already;
	// EInvalid for a third member of a direct conversation, or a person
	// outside their own support conversation), setting JoinedAt when zero.
	AddMember(ctx context.Context, m *tandem.Member) error
	// RemoveMember removes an account from a conversation; removing a bot
	// deletes its hook in that conversation too.
	RemoveMember(ctx context.Context, conversationID string, a tandem.Account) error
	Member(ctx context.Context, conversationID string, a tandem.Account) (*tandem.Member, error)
	Members(ctx context.Context, conversationID string) ([]*tandem.Member, error) // in joining order
	// MarkRead moves the member's LastRead forward to seq (never back,
	// and never past the conversation's LastSeq).
	MarkRead(ctx context.Context, conversationID string, a tandem.Account, seq int64) error

	// PostMessage stores a message with the next Seq of its conversation
	// and its deliveries, in one transaction, and moves the
	// conversation's LastSeq and LastMessageAt, and the author's LastRead
	// (an author has read what they wrote). When the author already
	// posted a message with the same non-empty ClientID there, nothing is
	// written and m.Message is set to the stored one, with created false.
	// The author must be a member (else EForbidden, nothing written); the
	// message's attachments are named by ID and replaced by what was
	// stored at upload.
	PostMessage(ctx context.Context, m *NewMessage) (created bool, err error)
	MessageByID(ctx context.Context, id string) (*tandem.Message, error)
	Messages(ctx context.Context, conversationID string, f MessageFilter) ([]*tandem.Message, error)
	// CreateAttachment records a file uploaded to a conversation by
	// uploader, a member (else EForbidden), before a message carries it
	// (sets ID when empty). AttachmentByID returns it with who uploaded it and the
	// message that carries it ("" while none does); PostMessage sets that
	// message for every attachment of the message it stores, and refuses
	// (EInvalid, nothing written) an attachment of another conversation or
	// uploader, or one another message carries.
	CreateAttachment(ctx context.Context, conversationID string, uploader tandem.Account, a *tandem.Attachment) error
	AttachmentByID(ctx context.Context, id string) (a *tandem.Attachment, conversationID string, uploader tandem.Account, messageID string, err error)
	// ReplaceMessage writes m's text, blocks and attachments and sets its
	// EditedAt (now, when zero), if its stored author is m.Author (else
	// EForbidden). Its attachments are the author's uploads to the
	// conversation that no other message carries.
	ReplaceMessage(ctx context.Context, m *tandem.Message) error
}

// CheckAssistIDs refuses a batch of more than MaxAssistLimit assist ids.
func CheckAssistIDs(ids []string) error {
	if len(ids) > MaxAssistLimit {
		return tandem.Errorf(tandem.EInvalid, "at most %d assists at once, not %d", MaxAssistLimit, len(ids))
	}
	return nil
}

// BotFilter selects bots for ListBots; zero fields match all.
type BotFilter struct {
	OwnerID string
	// Member lists the bots that are members of a conversation the
	// account is in.
	Member      tandem.Account
	Recommended bool
}

// Bots are bots, their commands and their incoming webhooks.
type Bots interface {
	// CreateBot stores b (setting ID and CreatedAt when empty); a name in
	// use is EConflict.
	CreateBot(ctx context.Context, b *tandem.Bot) error
	BotByID(ctx context.Context, id string) (*tandem.Bot, error)
	BotByName(ctx context.Context, name string) (*tandem.Bot, error)
	// BotByTokenHash finds the bot whose current token hashes to hash.
	BotByTokenHash(ctx context.Context, hash string) (*tandem.Bot, error)
	ListBots(ctx context.Context, f BotFilter) ([]*tandem.Bot, error) // by name
	// UpdateBot writes every field of b but ID, OwnerID and CreatedAt.
	UpdateBot(ctx context.Context, b *tandem.Bot) error
	// DeleteBot deletes a bot with its memberships, commands, hooks and
	// deliveries, and clears it as any site's triage bot.
	DeleteBot(ctx context.Context, id string) error

	CreateBotCommand(ctx context.Context, c *tandem.BotCommand) error // EConflict for a name the bot has
	BotCommands(ctx context.Context, botID string) ([]*tandem.BotCommand, error)
	DeleteBotCommand(ctx context.Context, id string) error

	// CreateHook stores h (EConflict when the bot has a hook in that
	// conversation already).
	CreateHook(ctx context.Context, h *tandem.Hook) error
	HookByTokenHash(ctx context.Context, hash string) (*tandem.Hook, error)
	HooksForBot(ctx context.Context, botID string) ([]*tandem.Hook, error)
	HookFor(ctx context.Context, botID, conversationID string) (*tandem.Hook, error)
	// DeleteHook deletes a hook and removes its bot from its conversation.
	DeleteHook(ctx context.Context, id string) error
}

// AttemptRecord is one write of RecordAttempts: the delivery's new
// state and, unless nil, the attempt to append to its log (as the
// arguments of RecordAttempt).
type AttemptRecord struct {
	Delivery *tandem.Delivery
	Attempt  *tandem.DeliveryAttempt
}

// DeliveryFilter selects deliveries for the delivery log.
type DeliveryFilter struct {
	BotID  string
	States []tandem.DeliveryState // none: all
	Limit  int                    // 0 for 50; at most 200
}

// Outbox is the durable queue of requests owed to bots.
type Outbox interface {
	// ClaimDeliveries returns up to limit pending deliveries whose
	// NextAttemptAt has come (by now), oldest first, and hides them from
	// other claims until now+lockFor: several workers (on several nodes)
	// never hold the same delivery at once. A claim lapses at
	// now+lockFor: a delivery whose worker died is claimed again.
	ClaimDeliveries(ctx context.Context, now time.Time, limit int, lockFor time.Duration) ([]*tandem.Delivery, error)
	// RecordAttempt appends a to the delivery's log and writes d's state,
	// attempts, next attempt (kept when zero), last status and error, and
	// done time, and releases its claim, in one transaction. a.N is
	// d.Attempts when 0; an attempt number recorded twice is EConflict. A
	// nil a writes the state alone: the owner moving a dead delivery back
	// to pending.
	RecordAttempt(ctx context.Context, d *tandem.Delivery, a *tandem.DeliveryAttempt) error
	// RecordAttempts records up to MaxAttemptBatch attempts as
	// RecordAttempt does, in one transaction: the worker's results of a
	// few milliseconds are one commit. errs has one entry per record:
	// nil when it was written, else why it was refused (EInvalid,
	// ENotFound for a deleted delivery, EConflict for an attempt number
	// recorded already), and a refused record writes nothing of its own
	// and stops none of the others. err is the transaction's failure:
	// then nothing is written.
	RecordAttempts(ctx context.Context, rs []AttemptRecord) (errs []error, err error)
	// EnqueueDeliveries writes deliveries that belong to no new message
	// (button actions, commands).
	EnqueueDeliveries(ctx context.Context, ds []*tandem.Delivery) error
	DeliveryByID(ctx context.Context, id string) (*tandem.Delivery, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]*tandem.Delivery, error) // newest first
	DeliveryAttempts(ctx context.Context, deliveryID string) ([]*tandem.DeliveryAttempt, error)
}
