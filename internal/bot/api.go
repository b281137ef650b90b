package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/store"
)

// What the bot API does for a bot with its token. Each method checks that
// the bot is a member of the conversation and that its effective scopes
// there allow the operation; what changes goes through the same checked
// instructions as answers to events.

// Place is the bot's view of one conversation it is in.
type Place struct {
	Conversation *tandem.Conversation
	Scopes       []tandem.Scope
}

// Conversation returns a conversation the bot is a member of, with what it
// may do there.
func (s *Service) Conversation(ctx context.Context, b *tandem.Bot, id string) (*Place, error) {
	p, err := s.enter(ctx, b, id)
	if err != nil {
		return nil, err
	}
	return &Place{Conversation: p.conv, Scopes: p.scopes}, nil
}

// Conversations lists the conversations the bot is a member of.
func (s *Service) Conversations(ctx context.Context, b *tandem.Bot, after string, limit int) ([]*store.ConversationSummary, error) {
	if b.TokenHash == "" {
		return nil, tandem.Errorf(tandem.EUnauthorized, "the bot's token was revoked")
	}
	return s.store.ListConversations(ctx, store.ConversationFilter{Member: botAccount(b), After: after, Limit: limit})
}

// MemberView is a member as a bot sees it.
type MemberView struct {
	Ref      botapi.Ref
	Member   *tandem.Member
	LastRead int64
}

// Members lists a conversation's members, for a bot with members:read.
func (s *Service) Members(ctx context.Context, b *tandem.Bot, id string) ([]MemberView, error) {
	p, err := s.enter(ctx, b, id)
	if err != nil {
		return nil, err
	}
	if err := p.need(tandem.ScopeMembersRead); err != nil {
		return nil, err
	}
	ms, err := s.store.Members(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	out := make([]MemberView, 0, len(ms))
	for _, m := range ms {
		out = append(out, MemberView{Ref: s.Ref(ctx, m.Account), Member: m})
	}
	return out, nil
}

// Messages returns a page of history, for a bot with messages:read. The
// bot sees the actions and values of its own buttons.
func (s *Service) Messages(ctx context.Context, b *tandem.Bot, id string, f store.MessageFilter) ([]*botapi.Message, error) {
	p, err := s.enter(ctx, b, id)
	if err != nil {
		return nil, err
	}
	if err := p.need(tandem.ScopeMessagesRead); err != nil {
		return nil, err
	}
	if f.Before < 0 || f.After < 0 || (f.Before > 0 && f.After > 0) {
		return nil, tandem.Errorf(tandem.EInvalid, "give before or after (sequence numbers), not both")
	}
	if f.Limit < 0 || f.Limit > store.MaxMessageLimit {
		return nil, tandem.Errorf(tandem.EInvalid, "limit is 1 to %d", store.MaxMessageLimit)
	}
	ms, err := s.store.Messages(ctx, id, f)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	me := botAccount(b)
	refs := map[tandem.Account]*botapi.Ref{}
	out := make([]*botapi.Message, 0, len(ms))
	for _, m := range ms {
		r, ok := refs[m.Author]
		if !ok {
			ref := s.Ref(ctx, m.Author)
			r = &ref
			refs[m.Author] = r
		}
		out = append(out, BotView(m, r, m.Author == me))
	}
	return out, nil
}

// one applies a single instruction for the bot API and returns what it made.
// A refusal is the refusal's own error (403 for a missing scope, 400 for a
// bad field, …) rather than a list.
func (s *Service) one(ctx context.Context, b *tandem.Bot, conversationID string, in botapi.Instruction) (any, error) {
	p, err := s.enter(ctx, b, conversationID)
	if err != nil {
		return nil, err
	}
	return s.onePlace(ctx, p, in)
}

func (s *Service) onePlace(ctx context.Context, p *place, in botapi.Instruction) (any, error) {
	if s.convs == nil {
		return nil, errUnavailable
	}
	st, r := s.prepare(ctx, p, nil, &in)
	if r != nil {
		return nil, r.err
	}
	return st(ctx)
}

// Post posts a message as the bot (messages:write). A repeated clientID
// returns the message stored the first time.
func (s *Service) Post(ctx context.Context, b *tandem.Bot, conversationID string, m *botapi.Message, clientID string) (*tandem.Message, error) {
	p, err := s.enter(ctx, b, conversationID)
	if err != nil {
		return nil, err
	}
	if err := p.need(tandem.ScopeMessagesWrite); err != nil {
		return nil, err
	}
	if err := checkMessage(m); err != nil {
		return nil, err
	}
	if s.convs == nil {
		return nil, errUnavailable
	}
	return s.convs.PostAs(ctx, botAccount(b), conversationID, m, clientID)
}

// ReplaceOwn replaces one of the bot's own messages (messages:write).
func (s *Service) ReplaceOwn(ctx context.Context, b *tandem.Bot, conversationID, messageID string, m *botapi.Message) (*tandem.Message, error) {
	p, err := s.enter(ctx, b, conversationID)
	if err != nil {
		return nil, err
	}
	st, r := s.prepareReplace(ctx, p, messageID, m)
	if r != nil {
		return nil, r.err
	}
	if s.convs == nil {
		return nil, errUnavailable
	}
	v, err := st(ctx)
	if err != nil {
		return nil, err
	}
	return v.(*tandem.Message), nil
}

// Info is a change of a conversation's name, avatar or description.
type Info struct {
	Name, AvatarURL, Description *string
}

// UpdateConversation changes the conversation's info (conversations:write),
// all of it or none.
func (s *Service) UpdateConversation(ctx context.Context, b *tandem.Bot, conversationID string, in Info) (*tandem.Conversation, error) {
	var list []botapi.Instruction
	if in.Name != nil {
		list = append(list, botapi.Instruction{Type: botapi.Rename, Name: *in.Name})
	}
	if in.AvatarURL != nil {
		list = append(list, botapi.Instruction{Type: botapi.SetAvatar, AvatarURL: *in.AvatarURL})
	}
	if in.Description != nil {
		list = append(list, botapi.Instruction{Type: botapi.SetDescription, Description: *in.Description})
	}
	if len(list) == 0 {
		return nil, tandem.Errorf(tandem.EInvalid, "nothing to change: give name, avatarUrl or description")
	}
	p, err := s.enter(ctx, b, conversationID)
	if err != nil {
		return nil, err
	}
	if _, err := s.apply(ctx, p, nil, list); err != nil {
		return nil, firstRefusal(err)
	}
	return s.store.ConversationByID(ctx, conversationID)
}

// firstRefusal turns a refused answer of the bot API into the error of its
// first refusal, so that a missing scope answers 403 and a bad field 400.
func firstRefusal(err error) error {
	var r *RefusedError
	if errors.As(err, &r) && len(r.Refused) > 0 {
		f := r.Refused[0]
		if f.Scope != "" {
			return missing(tandem.Scope(f.Scope))
		}
		return tandem.Errorf(tandem.EInvalid, "%s", f.Reason)
	}
	return err
}

// AddMember adds a user (user:ID or an email) to the conversation
// (members:write).
func (s *Service) AddMember(ctx context.Context, b *tandem.Bot, conversationID, account string) (*tandem.Member, error) {
	v, err := s.one(ctx, b, conversationID, botapi.Instruction{Type: botapi.AddMember, Account: account})
	if err != nil {
		return nil, err
	}
	return v.(*tandem.Member), nil
}

// NewConversation is a group conversation a bot starts.
type NewConversation struct {
	Name, Description, AvatarURL string
	Members                      []string
	Message                      *botapi.Message
}

// CreateConversation starts a group conversation with the bot as member,
// for a bot whose token carries conversations:create. There is no
// conversation to grant it in: the token's scope is enough, and the bot
// has its own scopes in what it made.
func (s *Service) CreateConversation(ctx context.Context, b *tandem.Bot, in NewConversation) (*tandem.Conversation, error) {
	if b.TokenHash == "" {
		return nil, tandem.Errorf(tandem.EUnauthorized, "the bot's token was revoked")
	}
	if !slices.Contains(b.Scopes, tandem.ScopeConversationsCreate) {
		return nil, missing(tandem.ScopeConversationsCreate)
	}
	// The bot's place "outside" any conversation: its token's scopes.
	p := &place{bot: b, conv: &tandem.Conversation{Kind: tandem.ConversationGroup}, scopes: b.Scopes}
	v, err := s.onePlace(ctx, p, botapi.Instruction{Type: botapi.CreateConversation, Name: in.Name, Description: in.Description,
		AvatarURL: in.AvatarURL, Members: in.Members, Message: in.Message})
	if err != nil {
		return nil, err
	}
	return v.(*tandem.Conversation), nil
}

// Invite makes an invite to the conversation's site and posts it as a
// button labelled label (assist:invite).
func (s *Service) Invite(ctx context.Context, b *tandem.Bot, conversationID, label string) (*InviteResult, error) {
	in := botapi.Instruction{Type: botapi.Invite}
	if label != "" {
		in.Message = &botapi.Message{Text: label}
	}
	v, err := s.one(ctx, b, conversationID, in)
	if err != nil {
		return nil, err
	}
	return v.(*InviteResult), nil
}

// Handover puts the conversation in the agents' queue with summary
// (assist:handover).
func (s *Service) Handover(ctx context.Context, b *tandem.Bot, conversationID, summary string) (*tandem.Conversation, error) {
	v, err := s.one(ctx, b, conversationID, botapi.Instruction{Type: botapi.Handover, Summary: summary})
	if err != nil {
		return nil, err
	}
	return v.(*tandem.Conversation), nil
}

// EndAssist ends the conversation's assist (assist:end).
func (s *Service) EndAssist(ctx context.Context, b *tandem.Bot, conversationID string) (*tandem.Assist, error) {
	v, err := s.one(ctx, b, conversationID, botapi.Instruction{Type: botapi.EndAssist})
	if err != nil {
		return nil, err
	}
	return v.(*tandem.Assist), nil
}
