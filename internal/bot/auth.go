package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
)

// Authenticate returns the bot whose current token is token. It reads the
// store every time: a revoked or replaced token fails from the moment it
// is, on every node.
func (s *Service) Authenticate(ctx context.Context, token string) (*tandem.Bot, error) {
	if !strings.HasPrefix(token, "tdb_") || len(token) > 256 {
		return nil, tandem.Errorf(tandem.EUnauthorized, "give a bot token: Authorization: Bearer tdb_…")
	}
	b, err := s.store.BotByTokenHash(ctx, auth.HashToken(token))
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, tandem.Errorf(tandem.EUnauthorized, "this bot token is not valid (revoked or replaced?)")
	}
	if err != nil {
		return nil, fmt.Errorf("find bot by token: %w", err)
	}
	return b, nil
}

// Effective is the bot's power in conversation: what its token carries
// and the account that added it granted there. It is empty when the token
// is revoked.
func Effective(b *tandem.Bot, m *tandem.Member) []tandem.Scope {
	if b.TokenHash == "" || m == nil {
		return nil
	}
	var out []tandem.Scope
	for _, sc := range tandem.AllScopes() { // in the console's order
		if slices.Contains(b.Scopes, sc) && slices.Contains(m.Granted, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// place is a bot in one conversation: what it may do there.
type place struct {
	bot    *tandem.Bot
	conv   *tandem.Conversation
	member *tandem.Member
	scopes []tandem.Scope
}

func (p *place) may(sc tandem.Scope) bool { return slices.Contains(p.scopes, sc) }

// need returns the refusal of an action that needs sc, or nil.
func (p *place) need(sc tandem.Scope) error {
	if p.may(sc) {
		return nil
	}
	return missing(sc)
}

func missing(sc tandem.Scope) *tandem.Error {
	return tandem.Errorf(tandem.EForbidden, "the bot may not do this here: it needs the scope %s (in its token and granted in this conversation)", sc)
}

// enter returns the bot's place in a conversation it is a member of. A bot
// that is not a member is told the conversation does not exist: it may not
// learn which ids are in use.
func (s *Service) enter(ctx context.Context, b *tandem.Bot, conversationID string) (*place, error) {
	if b.TokenHash == "" {
		return nil, tandem.Errorf(tandem.EUnauthorized, "the bot's token was revoked")
	}
	m, err := s.store.Member(ctx, conversationID, botAccount(b))
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, tandem.Errorf(tandem.ENotFound, "no such conversation (or the bot is not a member)")
	}
	if err != nil {
		return nil, fmt.Errorf("read membership: %w", err)
	}
	c, err := s.store.ConversationByID(ctx, conversationID)
	if err != nil {
		return nil, fmt.Errorf("read conversation: %w", err)
	}
	return &place{bot: b, conv: c, member: m, scopes: Effective(b, m)}, nil
}
