package slackhook

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/ratelimit"
)

// Store is what a Receiver reads: the hook a token names, its bot, and
// the bot's membership of the hook's conversation (for what its adder
// granted).
type Store interface {
	HookByTokenHash(ctx context.Context, hash string) (*tandem.Hook, error)
	BotByID(ctx context.Context, id string) (*tandem.Bot, error)
	Member(ctx context.Context, conversationID string, a tandem.Account) (*tandem.Member, error)
}

// Poster posts a message as an account (the conversation service): it
// checks membership and the message, stores it and tells the members.
type Poster interface {
	PostAs(ctx context.Context, author tandem.Account, conversationID string, m *botapi.Message, clientID string) (*tandem.Message, error)
}

// Config configures a Receiver. Zero fields get the defaults.
type Config struct {
	Store  Store
	Poster Poster
	// Every and Burst limit the posts to one hook: Burst at once, then
	// one per Every (1s, 20), as Slack allows about one a second with
	// short bursts.
	Every  time.Duration
	Burst  int
	Now    func() time.Time
	Logger *slog.Logger
}

// Receiver posts what tools send incoming webhooks.
type Receiver struct {
	cfg   Config
	limit *ratelimit.Limiter
}

// NewReceiver returns a Receiver for cfg.
func NewReceiver(cfg Config) *Receiver {
	if cfg.Every <= 0 {
		cfg.Every = time.Second
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Receiver{cfg: cfg, limit: ratelimit.New(cfg.Every, cfg.Burst)}
}

// maxToken bounds a token's length: a longer one names no hook and is
// not worth hashing.
const maxToken = 128

// Receive posts m as the bot of the hook token names, in the hook's
// conversation. The bot must have a live token and may post there
// (messages:write in its scopes and in what its adder granted). Errors
// are *Error with Slack's codes.
func (r *Receiver) Receive(ctx context.Context, token string, m *botapi.Message) (*tandem.Message, error) {
	if !validToken(token) {
		return nil, fail(ErrNoService, "no hook has this token")
	}
	hook, err := r.cfg.Store.HookByTokenHash(ctx, auth.HashToken(token))
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, fail(ErrNoService, "no hook has this token: it was deleted, or its bot left the conversation")
	}
	if err != nil {
		return nil, r.internal("find the hook", err)
	}
	now := r.cfg.Now()
	if !r.limit.AllowAt(hook.ID, now) {
		e := fail(ErrRateLimited, "too many posts to this hook")
		e.RetryAfter = r.limit.RetryAfter(hook.ID, now)
		return nil, e
	}
	bot, err := r.cfg.Store.BotByID(ctx, hook.BotID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, fail(ErrNoService, "the hook's bot was deleted")
	}
	if err != nil {
		return nil, r.internal("find the hook's bot", err)
	}
	if bot.TokenHash == "" {
		return nil, fail(ErrInvalidToken, "the bot's token is revoked: its hooks post nothing until it has a new one")
	}
	account := tandem.Account{Kind: tandem.AccountBot, ID: bot.ID}
	member, err := r.cfg.Store.Member(ctx, hook.ConversationID, account)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, fail(ErrNoService, "the bot is no longer in the hook's conversation")
	}
	if err != nil {
		return nil, r.internal("read the bot's membership", err)
	}
	if !slices.Contains(conversation.Scopes(bot, member.Granted), tandem.ScopeMessagesWrite) {
		return nil, fail(ErrActionProhibited, "the bot may not post messages in this conversation (scope %s)", tandem.ScopeMessagesWrite)
	}
	msg, err := r.cfg.Poster.PostAs(ctx, account, hook.ConversationID, m, "")
	if err != nil {
		return nil, r.postError(err)
	}
	return msg, nil
}

// postError is the Slack error of a refused post.
func (r *Receiver) postError(err error) error {
	msg := tandem.ErrorMessage(err)
	switch tandem.ErrorCode(err) {
	case tandem.ENotFound:
		return fail(ErrChannelNotFound, "%s", msg)
	case tandem.EForbidden:
		return fail(ErrActionProhibited, "%s", msg)
	case tandem.ERateLimited:
		return fail(ErrRateLimited, "%s", msg)
	case tandem.EInvalid, tandem.ETooLarge:
		return fail(ErrInvalidPayload, "%s", msg)
	}
	return r.internal("post the message", err)
}

func (r *Receiver) internal(what string, err error) error {
	r.cfg.Logger.Error("incoming webhook: "+what, "err", err)
	return fail(ErrInternal, "%s failed", what)
}

// validToken reports whether token could be a hook token: base64url, not
// too long.
func validToken(token string) bool {
	if token == "" || len(token) > maxToken {
		return false
	}
	for _, c := range []byte(token) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
