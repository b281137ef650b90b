package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/conversation"
)

// maxCommandText bounds what follows a command.
const maxCommandText = 4000

// delivery makes the outbox row that carries ev to the bot at url; ev's id
// is the delivery's, the webhook-id of every attempt.
func (s *Service) delivery(ctx context.Context, kind tandem.DeliveryKind, p *place, url, messageID string, ev *botapi.Event) (*tandem.Delivery, error) {
	now := s.cfg.Now()
	if p.may(tandem.ScopeAssistRead) && p.conv.AssistID != "" && ev.Assist == nil {
		if a, err := s.store.AssistByID(ctx, p.conv.AssistID); err == nil {
			ev.Assist = &botapi.AssistStatus{ID: a.ID, State: string(a.State), PageURL: a.PageURL, AgentID: a.AgentID}
		}
	}
	ev.ID = newID()
	ev.Bot = botRef(p.bot)
	ev.Conversation = conversation.WireConversation(p.conv)
	ev.Time = now
	ev.Scopes = scopeStrings(p.scopes)
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return &tandem.Delivery{
		ID: ev.ID, BotID: p.bot.ID, Kind: kind, ConversationID: p.conv.ID, MessageID: messageID, URL: url,
		Payload: body, State: tandem.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
	}, nil
}

// member checks that a is a member of conversationID.
func (s *Service) member(ctx context.Context, conversationID string, a tandem.Account) error {
	_, err := s.store.Member(ctx, conversationID, a)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return tandem.Errorf(tandem.ENotFound, "no such conversation")
	}
	return err
}

// Press sends the press of a callback button to the bot that posted the
// message. The client names only the message and the button: what the bot
// gets (its action id and value) is read from the stored message.
func (s *Service) Press(ctx context.Context, by tandem.Account, conversationID, messageID, buttonID string) error {
	if err := s.member(ctx, conversationID, by); err != nil {
		return err
	}
	m, err := s.store.MessageByID(ctx, messageID)
	if tandem.ErrorCode(err) == tandem.ENotFound || (err == nil && m.ConversationID != conversationID) {
		return tandem.Errorf(tandem.ENotFound, "no such message in this conversation")
	}
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	bt, ok := findButton(m, buttonID)
	switch {
	case !ok:
		return tandem.Errorf(tandem.ENotFound, "the message has no button %q", buttonID)
	case bt.Kind != tandem.ButtonCallback || m.Author.Kind != tandem.AccountBot:
		return tandem.Errorf(tandem.EInvalid, "this button opens a link; nothing is sent for it")
	}
	if !s.presses.Allow(by.String()) {
		return tandem.Errorf(tandem.ERateLimited, "too many presses and commands; wait a moment")
	}
	p, err := s.deliverable(ctx, m.Author.ID, conversationID)
	if err != nil {
		return err
	}
	d, err := s.delivery(ctx, tandem.DeliveryAction, p, cmp.Or(p.bot.InterfaceURL, p.bot.URL), m.ID, &botapi.Event{
		Type: botapi.EventAction, From: s.Ref(ctx, by),
		Action: &botapi.Action{MessageID: m.ID, ButtonID: bt.ID, ActionID: bt.ActionID, Value: bt.Value},
	})
	if err != nil {
		return err
	}
	if err := s.store.EnqueueDeliveries(ctx, []*tandem.Delivery{d}); err != nil {
		return fmt.Errorf("enqueue action: %w", err)
	}
	return nil
}

// deliverable returns the place of a bot that can be sent something in a
// conversation: it is still a member and its token is not revoked.
func (s *Service) deliverable(ctx context.Context, botID, conversationID string) (*place, error) {
	b, err := s.store.BotByID(ctx, botID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, tandem.Errorf(tandem.EConflict, "the bot that posted this is gone")
	}
	if err != nil {
		return nil, fmt.Errorf("read bot: %w", err)
	}
	if b.TokenHash == "" {
		return nil, tandem.Errorf(tandem.EConflict, "the bot %s is switched off (its token was revoked)", b.Name)
	}
	p, err := s.enter(ctx, b, conversationID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, tandem.Errorf(tandem.EConflict, "the bot %s is no longer in this conversation", b.Name)
	}
	return p, err
}

// CommandInfo is a command as the command list of a conversation shows it.
type CommandInfo struct {
	BotID       string `json:"botId"`
	BotName     string `json:"botName"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Hint        string `json:"hint,omitempty"`
}

// Commands lists the commands of the conversation's bots whose token is
// live, by bot (in joining order) and then by name. The caller has checked
// that whoever asks is a member.
func (s *Service) Commands(ctx context.Context, conversationID string) ([]CommandInfo, error) {
	members, err := s.store.Members(ctx, conversationID)
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	out := []CommandInfo{}
	for _, m := range members {
		if m.Account.Kind != tandem.AccountBot {
			continue
		}
		b, err := s.store.BotByID(ctx, m.Account.ID)
		if tandem.ErrorCode(err) == tandem.ENotFound || (err == nil && b.TokenHash == "") {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read bot: %w", err)
		}
		cmds, err := s.store.BotCommands(ctx, b.ID)
		if err != nil {
			return nil, fmt.Errorf("read commands: %w", err)
		}
		for _, c := range cmds {
			out = append(out, CommandInfo{BotID: b.ID, BotName: b.Name, Name: c.Name, Description: c.Description, Hint: c.Hint})
		}
	}
	return out, nil
}

// MemberCommands is Commands for a caller who must be a member.
func (s *Service) MemberCommands(ctx context.Context, by tandem.Account, conversationID string) ([]CommandInfo, error) {
	if err := s.member(ctx, conversationID, by); err != nil {
		return nil, err
	}
	return s.Commands(ctx, conversationID)
}

// Run runs the command name (without its slash) of one of the
// conversation's bots with text as its parameters: the bot gets it at the
// command's URL. Of two bots with the same command, the first to join wins.
func (s *Service) Run(ctx context.Context, by tandem.Account, conversationID, name, text string) error {
	if len(text) > maxCommandText || !utf8.ValidString(text) {
		return tandem.Errorf(tandem.EInvalid, "the command's text is at most %d bytes of UTF-8", maxCommandText)
	}
	if err := s.member(ctx, conversationID, by); err != nil {
		return err
	}
	cmds, err := s.Commands(ctx, conversationID)
	if err != nil {
		return err
	}
	var found *CommandInfo
	for i := range cmds {
		if cmds[i].Name == name {
			found = &cmds[i]
			break
		}
	}
	if found == nil {
		return tandem.Errorf(tandem.ENotFound, "no bot here offers /%s", name)
	}
	if !s.presses.Allow(by.String()) {
		return tandem.Errorf(tandem.ERateLimited, "too many presses and commands; wait a moment")
	}
	p, err := s.deliverable(ctx, found.BotID, conversationID)
	if err != nil {
		return err
	}
	all, err := s.store.BotCommands(ctx, p.bot.ID)
	if err != nil {
		return fmt.Errorf("read commands: %w", err)
	}
	url := ""
	for _, c := range all {
		if c.Name == name {
			url = c.URL
		}
	}
	d, err := s.delivery(ctx, tandem.DeliveryCommand, p, cmp.Or(url, p.bot.InterfaceURL, p.bot.URL), "", &botapi.Event{
		Type: botapi.EventCommand, From: s.Ref(ctx, by), Command: &botapi.Command{Name: name, Text: text},
	})
	if err != nil {
		return err
	}
	if err := s.store.EnqueueDeliveries(ctx, []*tandem.Delivery{d}); err != nil {
		return fmt.Errorf("enqueue command: %w", err)
	}
	return nil
}
