package conversation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/store"
)

// Post is a client (an agent or a person) posting text, with attachments
// it uploaded to the conversation before.
func (s *Service) Post(ctx context.Context, by tandem.Account, conversationID, text, clientID string, attachmentIDs []string) (msg *tandem.Message, created bool, err error) {
	w := &botapi.Message{Text: text}
	for _, id := range attachmentIDs {
		w.Attachments = append(w.Attachments, botapi.Attachment{ID: id})
	}
	return s.post(ctx, by, conversationID, w, clientID)
}

// PostAs posts m as author, who must be a member of the conversation:
// the bot and webhook services call it, having checked the author's
// scopes (this checks membership only). A bot is rate limited per
// conversation, unless ctx carries a post it reserved (ReservePosts). A
// repeated non-empty clientID returns the message stored
// the first time.
func (s *Service) PostAs(ctx context.Context, author tandem.Account, conversationID string, m *botapi.Message, clientID string) (*tandem.Message, error) {
	msg, _, err := s.post(ctx, author, conversationID, m, clientID)
	return msg, err
}

func (s *Service) post(ctx context.Context, author tandem.Account, conversationID string, w *botapi.Message, clientID string) (*tandem.Message, bool, error) {
	c, _, err := s.member(ctx, author, conversationID)
	if err != nil {
		return nil, false, err
	}
	msg, err := FromWire(w)
	if err != nil {
		return nil, false, err
	}
	if len(clientID) > maxClientID {
		return nil, false, tandem.Errorf(tandem.EInvalid, "clientId is at most %d bytes", maxClientID)
	}
	if err := checkText("clientId", clientID, maxClientID); err != nil {
		return nil, false, err
	}
	now := s.cfg.Now()
	if author.Kind == tandem.AccountBot && !prepaid(ctx, botRateKey(author, conversationID)) &&
		!s.botRate.AllowAt(botRateKey(author, conversationID), now) {
		return nil, false, tandem.Errorf(tandem.ERateLimited, "too many messages from this bot in this conversation; slow down")
	}
	for i, a := range msg.Attachments {
		full, err := s.attachmentToPost(ctx, author, conversationID, a.ID)
		if err != nil {
			return nil, false, err
		}
		msg.Attachments[i] = *full
	}
	// The members matter for mentions, and for the bots that hear every
	// message of direct and support conversations.
	var members []*tandem.Member
	if strings.Contains(msg.Text, "@") || c.Kind != tandem.ConversationGroup {
		if members, err = s.store.Members(ctx, conversationID); err != nil {
			return nil, false, err
		}
	}
	msg.ID, msg.ConversationID, msg.Author, msg.ClientID, msg.CreatedAt = newID(), conversationID, author, clientID, now
	var bots []mentioned
	for _, m := range s.mentions(ctx, msg.Text, members) {
		if m.account == author {
			continue
		}
		msg.Mentions = append(msg.Mentions, m.account)
		if m.bot != nil {
			bots = append(bots, m)
		}
	}
	// As in a direct message to a bot, the bots of a direct conversation
	// and of a person's support conversation hear every message, mention
	// or not: a triage bot answers the person first.
	if c.Kind == tandem.ConversationDirect || (c.Kind == tandem.ConversationSupport && author.Kind == tandem.AccountPerson) {
		for _, m := range members {
			if m.Account.Kind != tandem.AccountBot || m.Account == author || slices.ContainsFunc(bots, func(b mentioned) bool { return b.account == m.Account }) {
				continue
			}
			if b, err := s.store.BotByID(ctx, m.Account.ID); err == nil {
				bots = append(bots, mentioned{account: m.Account, bot: b, granted: m.Granted})
			}
		}
	}
	nm := &store.NewMessage{Message: msg}
	// A bot's message mentioning another bot is not delivered: two bots
	// answering each other's mentions would never stop.
	if author.Kind != tandem.AccountBot {
		names := s.namer(ctx)
		for _, b := range bots {
			d, err := s.mentionDelivery(ctx, c, msg, b, names)
			if err != nil {
				return nil, false, err
			}
			if d != nil {
				nm.Deliveries = append(nm.Deliveries, d)
			}
		}
	}
	created, err := s.store.PostMessage(ctx, nm)
	if err != nil {
		return nil, false, fmt.Errorf("post message: %w", err)
	}
	if created {
		// The store marked the message read by its author in the same
		// transaction: the author's unread count stays 0.
		s.publishMessage(ctx, c, "message", nm.Message)
	}
	return nm.Message, created, nil
}

// attachmentToPost returns attachment id if author uploaded it to the
// conversation and no message carries it yet.
func (s *Service) attachmentToPost(ctx context.Context, author tandem.Account, conversationID, id string) (*tandem.Attachment, error) {
	a, conv, uploader, messageID, err := s.store.AttachmentByID(ctx, id)
	if err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
		return nil, err
	}
	if err != nil || conv != conversationID || uploader != author || messageID != "" {
		return nil, tandem.Errorf(tandem.EInvalid, "attachment %q is not one you uploaded here for a new message", id)
	}
	return a, nil
}

// Scopes returns what a bot may do in a conversation: what the adder
// granted, within what its token carries.
func Scopes(bot *tandem.Bot, granted []tandem.Scope) []tandem.Scope {
	if bot.TokenHash == "" {
		return []tandem.Scope{} // revoked: nothing
	}
	out := []tandem.Scope{}
	for _, sc := range granted {
		if slices.Contains(bot.Scopes, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// mentionDelivery is the outbox row that tells a mentioned bot, or nil
// for a bot that cannot be told (its token is revoked, it has no URL).
func (s *Service) mentionDelivery(ctx context.Context, c *tandem.Conversation, msg *tandem.Message, b mentioned, names Names) (*tandem.Delivery, error) {
	if b.bot.TokenHash == "" || b.bot.URL == "" {
		return nil, nil
	}
	now := msg.CreatedAt
	d := &tandem.Delivery{
		ID: newID(), BotID: b.bot.ID, Kind: tandem.DeliveryMention, ConversationID: c.ID, MessageID: msg.ID,
		URL: b.bot.URL, State: tandem.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
	}
	scopes := Scopes(b.bot, b.granted)
	ev := botapi.Event{
		ID: d.ID, Type: botapi.EventMention,
		Bot:          botapi.Ref{Account: b.account.String(), Name: b.bot.Name, ID: b.bot.ID},
		Conversation: WireConversation(c),
		From:         botapi.Ref{Account: msg.Author.String(), Name: names(msg.Author)},
		Message:      ToWire(msg, names, true),
		Time:         now,
		Scopes:       make([]string, 0, len(scopes)),
	}
	for _, sc := range scopes {
		ev.Scopes = append(ev.Scopes, string(sc))
	}
	if c.AssistID != "" && slices.Contains(scopes, tandem.ScopeAssistRead) {
		if a, err := s.store.AssistByID(ctx, c.AssistID); err == nil {
			ev.Assist = &botapi.AssistStatus{ID: a.ID, State: string(a.State), PageURL: a.PageURL, AgentID: a.AgentID}
		}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode mention event: %w", err)
	}
	d.Payload = payload
	return d, nil
}

// Replace replaces the text and blocks of message m.ID with m's, on
// behalf of its author by (nobody replaces another's message). Its
// attachments and mentions stay.
func (s *Service) Replace(ctx context.Context, by tandem.Account, m *tandem.Message) error {
	stored, err := s.store.MessageByID(ctx, m.ID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return tandem.Errorf(tandem.ENotFound, "no such message")
	}
	if err != nil {
		return err
	}
	c, _, err := s.member(ctx, by, stored.ConversationID)
	if err != nil {
		return err
	}
	if stored.Author != by {
		return tandem.Errorf(tandem.EForbidden, "only its author replaces a message")
	}
	w := ToWire(&tandem.Message{Text: m.Text, Blocks: m.Blocks}, nil, true)
	checked, err := FromWire(w)
	if err != nil {
		return err
	}
	next := *stored
	next.Text, next.Blocks, next.EditedAt = checked.Text, checked.Blocks, s.cfg.Now()
	if err := s.store.ReplaceMessage(ctx, &next); err != nil {
		return fmt.Errorf("replace message: %w", err)
	}
	*m = next
	s.publishMessage(ctx, c, "message.replaced", &next)
	return nil
}

// History returns a page of a conversation's messages, if account a may
// see it (store.MessageFilter: Before gives the newest first), and
// whether there are more in that direction.
func (s *Service) History(ctx context.Context, a tandem.Account, conversationID string, f store.MessageFilter) ([]*tandem.Message, bool, error) {
	if _, _, err := s.visible(ctx, a, conversationID); err != nil {
		return nil, false, err
	}
	if f.Before < 0 || f.After < 0 || (f.Before > 0 && f.After > 0) {
		return nil, false, tandem.Errorf(tandem.EInvalid, "give before or after (a sequence number), not both")
	}
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > store.MaxMessageLimit {
		return nil, false, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxMessageLimit)
	}
	f.Limit = min(limit+1, store.MaxMessageLimit)
	list, err := s.store.Messages(ctx, conversationID, f)
	if err != nil {
		return nil, false, err
	}
	more := len(list) > limit || (len(list) == store.MaxMessageLimit && limit == store.MaxMessageLimit)
	if len(list) > limit {
		list = list[:limit]
	}
	return list, more, nil
}

// Render returns messages as clients (forBot false) or bots see them.
func (s *Service) Render(ctx context.Context, msgs []*tandem.Message, forBot bool) []*botapi.Message {
	names := s.namer(ctx)
	out := make([]*botapi.Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, ToWire(m, names, forBot))
	}
	return out
}

// MarkRead moves account a's read mark in a conversation to seq; the
// other members' clients hear of it.
func (s *Service) MarkRead(ctx context.Context, a tandem.Account, conversationID string, seq int64) error {
	if seq < 0 {
		return tandem.Errorf(tandem.EInvalid, "seq must not be negative")
	}
	if _, _, err := s.member(ctx, a, conversationID); err != nil {
		return err
	}
	if err := s.store.MarkRead(ctx, conversationID, a, seq); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	m, err := s.store.Member(ctx, conversationID, a)
	if err != nil {
		return err
	}
	s.publish(ctx, conversationID, &Event{Type: "read", ConversationID: conversationID, Account: a.String(), Seq: m.LastRead}, route{})
	return nil
}

// Typing tells the other members that a is typing. It is not stored.
func (s *Service) Typing(ctx context.Context, a tandem.Account, conversationID string) error {
	if _, _, err := s.member(ctx, a, conversationID); err != nil {
		return err
	}
	if !s.typingRate.Allow(a.String() + "/" + conversationID) {
		return nil // the others were told a moment ago
	}
	s.publish(ctx, conversationID, &Event{Type: "typing", ConversationID: conversationID, Account: a.String(), Name: s.nameOf(ctx, a)},
		route{except: a})
	return nil
}

// Notice shows m to one member, to, and nobody else (a bot's answer to a
// button or command). It is not stored. m.ID, if set, names the message
// the notice is about.
func (s *Service) Notice(ctx context.Context, to tandem.Account, conversationID string, m *botapi.Message) {
	checked, err := FromWire(m)
	if err != nil {
		s.log.Warn("notice refused", "conversation", conversationID, "err", err)
		return
	}
	w := ToWire(checked, nil, false)
	s.publish(ctx, conversationID, &Event{Type: "notice", ConversationID: conversationID, MessageID: m.ID, Text: w.Text, Blocks: w.Blocks},
		route{to: to})
}
