// Package bot is bots as a capability: their accounts, tokens and scopes,
// their commands and incoming webhooks, the log of what Tandem sent them,
// and what they may do in conversations, whether they answer an event
// (Apply) or call the bot API with their token.
//
// A bot's power in a conversation is the intersection of three things: it
// must be a member, its token carries its scopes, and the account that
// added it granted some of them there (tandem.Member.Granted). Every check
// reads the store, with no cache, so that revoking a token or removing a
// bot takes effect on every node at once.
package bot

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/ratelimit"
	"github.com/tandemhq/tandem/internal/store"
)

// Store is the part of the store bots need.
type Store interface {
	CreateBot(ctx context.Context, b *tandem.Bot) error
	BotByID(ctx context.Context, id string) (*tandem.Bot, error)
	BotByName(ctx context.Context, name string) (*tandem.Bot, error)
	BotByTokenHash(ctx context.Context, hash string) (*tandem.Bot, error)
	ListBots(ctx context.Context, f store.BotFilter) ([]*tandem.Bot, error)
	UpdateBot(ctx context.Context, b *tandem.Bot) error
	DeleteBot(ctx context.Context, id string) error

	CreateBotCommand(ctx context.Context, c *tandem.BotCommand) error
	BotCommands(ctx context.Context, botID string) ([]*tandem.BotCommand, error)
	DeleteBotCommand(ctx context.Context, id string) error

	CreateHook(ctx context.Context, h *tandem.Hook) error
	HooksForBot(ctx context.Context, botID string) ([]*tandem.Hook, error)
	HookFor(ctx context.Context, botID, conversationID string) (*tandem.Hook, error)
	DeleteHook(ctx context.Context, id string) error

	EnqueueDeliveries(ctx context.Context, ds []*tandem.Delivery) error
	DeliveryByID(ctx context.Context, id string) (*tandem.Delivery, error)
	ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*tandem.Delivery, error)
	DeliveryAttempts(ctx context.Context, deliveryID string) ([]*tandem.DeliveryAttempt, error)

	ConversationByID(ctx context.Context, id string) (*tandem.Conversation, error)
	ListConversations(ctx context.Context, f store.ConversationFilter) ([]*store.ConversationSummary, error)
	Member(ctx context.Context, conversationID string, a tandem.Account) (*tandem.Member, error)
	Members(ctx context.Context, conversationID string) ([]*tandem.Member, error)
	MessageByID(ctx context.Context, id string) (*tandem.Message, error)
	Messages(ctx context.Context, conversationID string, f store.MessageFilter) ([]*tandem.Message, error)

	UserByID(ctx context.Context, id string) (*tandem.User, error)
	UserByEmail(ctx context.Context, email string) (*tandem.User, error)
	AssistByID(ctx context.Context, id string) (*tandem.Assist, error)
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
}

// Conversations is the conversation service, through which everything a
// bot changes in a conversation goes: it checks membership, stores, and
// tells the members live. Scopes are this package's job.
type Conversations interface {
	PostAs(ctx context.Context, author tandem.Account, conversationID string, m *botapi.Message, clientID string) (*tandem.Message, error)
	Update(ctx context.Context, by tandem.Account, c *tandem.Conversation) error
	AddMember(ctx context.Context, by tandem.Account, m *tandem.Member) error
	Create(ctx context.Context, by tandem.Account, c *tandem.Conversation, members []tandem.Account) (*tandem.Conversation, error)
	Replace(ctx context.Context, by tandem.Account, m *tandem.Message) error
	Notice(ctx context.Context, to tandem.Account, conversationID string, m *botapi.Message)
	SetQueued(ctx context.Context, id string, queued bool, summary string) error
	// CheckNoAgent returns EConflict if an agent is a member of the
	// conversation (a handover would put it back in the queue).
	CheckNoAgent(ctx context.Context, id string) error
	// ReservePosts takes n posts of bot in a conversation from the rate
	// limit at once, or none (ERateLimited); the posts made with the
	// returned context draw from them.
	ReservePosts(ctx context.Context, bot tandem.Account, conversationID string, n int) (context.Context, error)
}

// Assists is the part of web assistance that bots drive.
type Assists interface {
	// CreateBotInvite makes an invite to the site with no agent: the
	// person who opens it asks for help (a waiting assist in the queue).
	CreateBotInvite(ctx context.Context, siteID, pageURL string) (*assist.InviteLink, error)
	// EndAs ends an assist on behalf of actor ("bot:ID"), named name.
	EndAs(ctx context.Context, actor, name, assistID string) (*tandem.Assist, error)
}

// Config is how the service is set up.
type Config struct {
	// Secret is the installation's signing key: hook tokens are derived
	// from it (conversation.HookToken), so that a hook's URL can be shown
	// again without storing its token.
	Secret []byte
	// PublicURL is the base of the hook URLs (http://127.0.0.1:8080).
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time
}

// Service manages bots and carries out what they ask.
type Service struct {
	cfg    Config
	store  Store
	convs  Conversations
	assist Assists
	log    *slog.Logger
	// presses limits how often one account may press buttons or run
	// commands: each one is a request Tandem sends a third party.
	presses *ratelimit.Limiter
}

// New returns a service. convs and assists may be nil for tools that only
// manage bots (the admin commands); what needs them then fails.
func New(cfg Config, st Store, convs Conversations, assists Assists) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://127.0.0.1:8080"
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	return &Service{
		cfg: cfg, store: st, convs: convs, assist: assists, log: cfg.Logger,
		presses: ratelimit.New(500*time.Millisecond, 20),
	}
}

// newID returns a random id (130 bits, lowercase base32), as the store
// makes them: deliveries and hooks need theirs before they are stored.
func newID() string { return strings.ToLower(rand.Text()) }

func botAccount(b *tandem.Bot) tandem.Account {
	return tandem.Account{Kind: tandem.AccountBot, ID: b.ID}
}

// errUnavailable is the answer of what needs a service the process was
// built without.
var errUnavailable = tandem.Errorf(tandem.EUnavailable, "conversations are not available here")
