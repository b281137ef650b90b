// Package conversation is conversations between users, people and bots:
// direct, group and support conversations, their members, messages with
// mentions, blocks and attachments, unread counts, typing, and the live
// events that reach every member's WebSocket on every node (through the
// bus). The bot and webhook packages post through it (PostAs); the HTTP
// layer translates to and from it.
package conversation

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/ratelimit"
	"github.com/tandemhq/tandem/internal/store"
)

// Store is the part of the store conversations need.
type Store interface {
	CreateConversation(ctx context.Context, c *tandem.Conversation, members []*tandem.Member) error
	ConversationByID(ctx context.Context, id string) (*tandem.Conversation, error)
	ConversationForAssist(ctx context.Context, assistID string) (*tandem.Conversation, error)
	ConversationsForAssists(ctx context.Context, assistIDs []string) (map[string]string, error)
	UpdateConversation(ctx context.Context, c *tandem.Conversation) error
	ListConversations(ctx context.Context, f store.ConversationFilter) ([]*store.ConversationSummary, error)
	AddMember(ctx context.Context, m *tandem.Member) error
	RemoveMember(ctx context.Context, conversationID string, a tandem.Account) error
	Member(ctx context.Context, conversationID string, a tandem.Account) (*tandem.Member, error)
	Members(ctx context.Context, conversationID string) ([]*tandem.Member, error)
	MarkRead(ctx context.Context, conversationID string, a tandem.Account, seq int64) error
	PostMessage(ctx context.Context, m *store.NewMessage) (created bool, err error)
	MessageByID(ctx context.Context, id string) (*tandem.Message, error)
	Messages(ctx context.Context, conversationID string, f store.MessageFilter) ([]*tandem.Message, error)
	CreateAttachment(ctx context.Context, conversationID string, uploader tandem.Account, a *tandem.Attachment) error
	AttachmentByID(ctx context.Context, id string) (a *tandem.Attachment, conversationID string, uploader tandem.Account, messageID string, err error)
	ReplaceMessage(ctx context.Context, m *tandem.Message) error

	CreateHook(ctx context.Context, h *tandem.Hook) error
	BotByID(ctx context.Context, id string) (*tandem.Bot, error)
	UserByID(ctx context.Context, id string) (*tandem.User, error)
	SiteByKey(ctx context.Context, key string) (*tandem.Site, error)
	SiteByID(ctx context.Context, id string) (*tandem.Site, error)
	ListSites(ctx context.Context) ([]*tandem.Site, error)
	AssistByID(ctx context.Context, id string) (*tandem.Assist, error)
}

// Hooks makes the incoming webhook of a bot added to a conversation. The
// bot service provides it; without one the service stores the hook itself
// (StoreHooks).
type Hooks interface {
	CreateHook(ctx context.Context, botID, conversationID string) (*tandem.Hook, error)
}

// Config tunes the service. Zero values get the defaults in parentheses.
type Config struct {
	// Key derives person and hook tokens: the installation's signing key
	// (required), shared by every node.
	Key []byte
	// Bus carries live events to the other nodes; nil: one server.
	Bus bus.Bus
	// Node names this node on the bus (a random id).
	Node string
	// Hooks makes the hooks of bots added to conversations (StoreHooks).
	Hooks Hooks
	// Blobs keeps attachments; nil refuses uploads.
	Blobs blobs.Store
	// BotBurst messages a bot may post to one conversation at once, then
	// one every BotEvery (20 and 500ms: 20 in 10 s).
	BotBurst int
	BotEvery time.Duration
	// SubscriberQueue is how many events a WebSocket may fall behind
	// before it is closed to catch up from the store (256).
	SubscriberQueue int
	Logger          *slog.Logger
	Now             func() time.Time
}

func (c *Config) setDefaults() {
	if c.BotBurst == 0 {
		c.BotBurst = 20
	}
	if c.BotEvery == 0 {
		c.BotEvery = 500 * time.Millisecond
	}
	if c.SubscriberQueue == 0 {
		c.SubscriberQueue = 256
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Node == "" {
		c.Node = "node-" + newID()
	}
}

// Service runs conversations. Create it with New and stop it with Close.
type Service struct {
	cfg     Config
	store   Store
	hooks   Hooks
	log     *slog.Logger
	botRate *ratelimit.Limiter
	// typingRate keeps a typist from telling the others more than about
	// once a second.
	typingRate *ratelimit.Limiter

	mu sync.Mutex
	// subs are the live subscribers here, by account.
	subs map[tandem.Account]map[*Subscriber]struct{}
	// members caches the member accounts of conversations, for routing
	// events; dropped on every membership change (here or announced).
	members map[string][]tandem.Account

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// New returns a running service: with a Bus, it follows the other nodes'
// events until Close.
func New(cfg Config, st Store) *Service {
	cfg.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		cfg:        cfg,
		store:      st,
		hooks:      cfg.Hooks,
		log:        cfg.Logger,
		botRate:    ratelimit.New(cfg.BotEvery, cfg.BotBurst),
		typingRate: ratelimit.New(time.Second, 2),
		subs:       make(map[tandem.Account]map[*Subscriber]struct{}),
		members:    make(map[string][]tandem.Account),
		stop:       cancel,
	}
	if s.hooks == nil {
		s.hooks = StoreHooks{Store: st, Key: cfg.Key, Now: cfg.Now}
	}
	if cfg.Bus != nil {
		s.startBus(ctx)
	}
	return s
}

// SetHooks replaces the maker of hooks (the bot service, built after this
// one).
func (s *Service) SetHooks(h Hooks) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = h
}

// Close stops following the bus and ends every subscriber.
func (s *Service) Close() {
	s.stop()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, set := range s.subs {
		for sub := range set {
			sub.closeLocked()
		}
	}
	s.subs = map[tandem.Account]map[*Subscriber]struct{}{}
}

// StoreHooks stores hooks directly: the hook's token is HookToken of its
// id, and the store keeps its hash.
type StoreHooks struct {
	Store interface {
		CreateHook(ctx context.Context, h *tandem.Hook) error
	}
	Key []byte
	Now func() time.Time
}

// CreateHook stores the hook of botID in conversationID.
func (h StoreHooks) CreateHook(ctx context.Context, botID, conversationID string) (*tandem.Hook, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	hook := &tandem.Hook{ID: newID(), BotID: botID, ConversationID: conversationID, CreatedAt: now()}
	hook.TokenHash = auth.HashToken(HookToken(h.Key, hook.ID))
	if err := h.Store.CreateHook(ctx, hook); err != nil {
		return nil, err
	}
	return hook, nil
}

// PersonToken is the person token of a support conversation.
func (s *Service) PersonToken(conversationID string) string {
	return PersonToken(s.cfg.Key, conversationID)
}

// CheckPersonToken reports whether token is the person token of
// conversationID.
func (s *Service) CheckPersonToken(conversationID, token string) bool {
	return CheckPersonToken(s.cfg.Key, conversationID, token)
}
