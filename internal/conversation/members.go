package conversation

import (
	"context"
	"fmt"
	"slices"

	"github.com/tandemhq/tandem"
)

// AddMember adds m.Account to m.ConversationID on behalf of member by. A
// bot needs m.Granted (non-nil): the scopes the adder authorised after
// seeing the bot's, a subset of them; adding a bot makes its incoming
// webhook in the conversation. A user has no grant. People are members of
// their own support conversation only, and direct conversations keep
// their two members.
func (s *Service) AddMember(ctx context.Context, by tandem.Account, m *tandem.Member) error {
	c, _, err := s.member(ctx, by, m.ConversationID)
	if err != nil {
		return err
	}
	if c.Kind == tandem.ConversationDirect {
		return tandem.Errorf(tandem.EInvalid, "a direct conversation keeps its two members; start a group instead")
	}
	var bot *tandem.Bot
	switch m.Account.Kind {
	case tandem.AccountUser:
		if len(m.Granted) > 0 {
			return tandem.Errorf(tandem.EInvalid, "scopes are granted to bots only")
		}
		if _, err := s.store.UserByID(ctx, m.Account.ID); err != nil {
			return memberErr(m.Account, err)
		}
	case tandem.AccountBot:
		if bot, err = s.store.BotByID(ctx, m.Account.ID); err != nil {
			return memberErr(m.Account, err)
		}
		if m.Granted == nil {
			return tandem.Errorf(tandem.EInvalid, "adding a bot needs the scopes you grant it (granted), out of its scopes: %s",
				tandem.JoinScopes(bot.Scopes))
		}
		for _, sc := range m.Granted {
			if !slices.Contains(bot.Scopes, sc) {
				return tandem.Errorf(tandem.EInvalid, "bot %s does not ask for scope %q (its scopes: %s)", bot.Name, sc, tandem.JoinScopes(bot.Scopes))
			}
		}
	default:
		return tandem.Errorf(tandem.EInvalid, "%s cannot be added to a conversation", m.Account)
	}
	nm := &tandem.Member{
		ConversationID: c.ID, Account: m.Account, AddedBy: by, Granted: dedupe(m.Granted), JoinedAt: s.cfg.Now(),
	}
	if err := s.store.AddMember(ctx, nm); err != nil {
		if tandem.ErrorCode(err) == tandem.EConflict {
			return tandem.Errorf(tandem.EConflict, "%s is a member already", m.Account)
		}
		return fmt.Errorf("add member: %w", err)
	}
	*m = *nm
	if bot != nil {
		if _, err := s.hookMaker().CreateHook(ctx, bot.ID, c.ID); err != nil && tandem.ErrorCode(err) != tandem.EConflict {
			s.log.Error("create the hook of a bot added to a conversation", "conversation", c.ID, "bot", bot.ID, "err", err)
		}
	}
	s.membersChanged(ctx, c.ID)
	return nil
}

func dedupe(scopes []tandem.Scope) []tandem.Scope {
	out := []tandem.Scope{}
	for _, sc := range scopes {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// RemoveMember removes account a from a conversation on behalf of member
// by: anyone may leave, and remove a bot; other users are removed by the
// conversation's creator or an admin. The person of a support
// conversation stays in it. Removing a bot deletes its hook there.
func (s *Service) RemoveMember(ctx context.Context, by tandem.Account, conversationID string, a tandem.Account) error {
	c, _, err := s.member(ctx, by, conversationID)
	if err != nil {
		return err
	}
	if _, err := s.store.Member(ctx, conversationID, a); err != nil {
		if tandem.ErrorCode(err) == tandem.ENotFound {
			return tandem.Errorf(tandem.ENotFound, "%s is not a member", a)
		}
		return err
	}
	switch {
	case a.Kind == tandem.AccountPerson:
		return tandem.Errorf(tandem.EForbidden, "the person stays in their support conversation")
	case a == by, a.Kind == tandem.AccountBot, c.CreatedBy == by:
	case by.Kind == tandem.AccountUser && s.isAdmin(ctx, by.ID):
	default:
		return tandem.Errorf(tandem.EForbidden, "only the conversation's creator or an admin removes other members")
	}
	if err := s.store.RemoveMember(ctx, conversationID, a); err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	s.membersChanged(ctx, conversationID, a)
	return nil
}

func (s *Service) isAdmin(ctx context.Context, userID string) bool {
	u, err := s.store.UserByID(ctx, userID)
	return err == nil && u.Role == tandem.RoleAdmin
}

// MemberInfo is a member with its display name.
type MemberInfo struct {
	*tandem.Member
	Name      string
	AvatarURL string
	// Handle is what @-mentions the member ("" for people, who are not
	// mentioned by name): what a client completes after "@".
	Handle string
}

// Detail is a conversation as one account sees it.
type Detail struct {
	Conversation *tandem.Conversation
	Members      []MemberInfo
	// LastRead is the account's LastRead (0 for an agent looking at a
	// queued conversation).
	LastRead int64
}

// Detail returns a conversation with its members' names, if account a
// may see it.
func (s *Service) Detail(ctx context.Context, a tandem.Account, id string) (*Detail, error) {
	c, me, err := s.visible(ctx, a, id)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.Members(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{Conversation: c, Members: make([]MemberInfo, 0, len(ms))}
	if me != nil {
		d.LastRead = me.LastRead
	}
	for _, m := range ms {
		info := MemberInfo{Member: m}
		info.Handle, _ = s.handle(ctx, m.Account)
		switch m.Account.Kind {
		case tandem.AccountBot:
			if b, err := s.store.BotByID(ctx, m.Account.ID); err == nil {
				info.Name, info.AvatarURL = b.Name, b.AvatarURL
			}
		case tandem.AccountPerson:
			info.Name = s.personName(ctx, c)
		default:
			info.Name = s.nameOf(ctx, m.Account)
		}
		d.Members = append(d.Members, info)
	}
	return d, nil
}
