package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/conversation"
)

// Limits of an answer.
const (
	MaxInstructions = 20
	maxName         = 100
	maxSummary      = 2000
	maxNewMembers   = 50
)

// step applies one checked instruction and returns what it made (a
// message, a conversation, an invite), for the bot API to answer with.
type step func(ctx context.Context) (any, error)

// refusal is why an instruction cannot be applied: a missing scope, or
// anything else wrong with it.
type refusal struct {
	scope tandem.Scope
	err   error
}

func refuse(err error) *refusal { return &refusal{err: err} }

func refuseScope(sc tandem.Scope) *refusal { return &refusal{scope: sc, err: missing(sc)} }

// RefusedError is the error of an answer that was refused whole: nothing of
// it was applied.
type RefusedError struct {
	Refused []botapi.Refused
	// limited is the ERateLimited error when the answer's posts were over
	// the bot's rate: the bot API answers it as 429, not 403.
	limited error
}

func (e *RefusedError) Error() string {
	parts := make([]string, len(e.Refused))
	for i, r := range e.Refused {
		parts[i] = fmt.Sprintf("%d %s: %s", r.Index, r.Type, r.Reason)
	}
	return "instructions refused, none applied: " + strings.Join(parts, "; ")
}

// origin is the event an answer answers: who caused it and, for a button,
// which message it was on. Nil for calls of the bot API.
type origin struct {
	d    *tandem.Delivery
	from tandem.Account
	ev   botapi.Event
}

func originOf(d *tandem.Delivery) *origin {
	o := &origin{d: d}
	if err := json.Unmarshal(d.Payload, &o.ev); err == nil {
		o.from, _ = tandem.ParseAccount(o.ev.From.Account)
	}
	return o
}

// Apply carries out a bot's answer to delivery d (the webhook worker calls
// it with the body of a 2xx response). Every instruction is checked first;
// if any is refused, none is applied and the bot is sent an EventRefused
// listing why. Answers of a bot that was deleted, revoked or removed from
// the conversation meanwhile are dropped.
func (s *Service) Apply(ctx context.Context, d *tandem.Delivery, a *botapi.Answer) error {
	if s == nil || a == nil || len(a.Instructions) == 0 {
		// No bots here (a server without them hands a nil *Service to the
		// webhook workers): nothing to apply.
		return nil
	}
	b, err := s.store.BotByID(ctx, d.BotID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read bot: %w", err)
	}
	if b.TokenHash == "" {
		s.log.Info("answer of a revoked bot dropped", "bot", b.ID, "delivery", d.ID)
		return nil
	}
	p, err := s.enter(ctx, b, d.ConversationID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		s.log.Info("answer of a bot no longer in the conversation dropped", "bot", b.ID, "delivery", d.ID)
		return nil
	}
	if err != nil {
		return err
	}
	o := originOf(d)
	_, err = s.apply(ctx, p, o, a.Instructions)
	var refused *RefusedError
	if errors.As(err, &refused) {
		s.log.Info("bot answer refused", "bot", b.ID, "delivery", d.ID, "refused", len(refused.Refused))
		if o.ev.Type == botapi.EventRefused {
			// A refused answer to a refusal is not answered again: a bot
			// that keeps getting it wrong must not loop with Tandem.
			return nil
		}
		return s.sendRefusal(ctx, p, o, refused)
	}
	return err
}

// sendRefusal tells the bot which instructions of its answer to o were
// refused.
func (s *Service) sendRefusal(ctx context.Context, p *place, o *origin, r *RefusedError) error {
	from := o.ev.From
	if from.Account == "" {
		from = botRef(p.bot)
	}
	d, err := s.delivery(ctx, o.d.Kind, p, p.bot.URL, o.d.MessageID, &botapi.Event{
		Type: botapi.EventRefused, From: from, Refused: &botapi.Refusal{DeliveryID: o.d.ID, Refused: r.Refused},
	})
	if err != nil {
		return err
	}
	if err := s.store.EnqueueDeliveries(ctx, []*tandem.Delivery{d}); err != nil {
		return fmt.Errorf("enqueue refusal: %w", err)
	}
	return nil
}

// Instruct applies instructions a bot sends through the bot API, as Apply
// does with an answer: all of them or, with a *RefusedError, none. Notice
// and replace answer events only, so they are refused here.
func (s *Service) Instruct(ctx context.Context, b *tandem.Bot, conversationID string, list []botapi.Instruction) (int, error) {
	p, err := s.enter(ctx, b, conversationID)
	if err != nil {
		return 0, err
	}
	if _, err := s.apply(ctx, p, nil, list); err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) && refused.limited != nil {
			return 0, refused.limited
		}
		return 0, err
	}
	return len(list), nil
}

// apply checks every instruction, then applies them in order. A failure
// while applying (the store, a race) stops there; the error says so.
func (s *Service) apply(ctx context.Context, p *place, o *origin, list []botapi.Instruction) ([]any, error) {
	if len(list) > MaxInstructions {
		// Refused whole, as any answer Tandem will not apply, so that the
		// bot that sent it hears why rather than nothing.
		return nil, &RefusedError{Refused: []botapi.Refused{{Index: MaxInstructions, Type: string(list[MaxInstructions].Type),
			Reason: fmt.Sprintf("an answer has at most %d instructions, not %d", MaxInstructions, len(list))}}}
	}
	if s.convs == nil {
		return nil, errUnavailable
	}
	var refused []botapi.Refused
	steps := make([]step, 0, len(list))
	// Each account is added once per answer: the second add_member of the
	// same user passes the checks (they are not a member yet) but would
	// fail after the first applied, leaving the answer half done.
	adding := map[tandem.Account]bool{}
	for i := range list {
		st, r := s.prepare(ctx, p, o, &list[i])
		if r == nil && list[i].Type == botapi.AddMember {
			a, _ := s.userAccount(ctx, list[i].Account)
			if adding[a] {
				r = refuse(tandem.Errorf(tandem.EInvalid, "%s is added by an earlier instruction of this answer", list[i].Account))
			}
			adding[a] = true
		}
		if r != nil {
			refused = append(refused, botapi.Refused{Index: i, Type: string(list[i].Type), Reason: tandem.ErrorMessage(r.err), Scope: string(r.scope)})
			continue
		}
		steps = append(steps, st)
	}
	if len(refused) > 0 {
		return nil, &RefusedError{Refused: refused}
	}
	// The rate limit is checked for every post at once, before any is
	// made: checked post by post, an answer could be cut halfway.
	ctx, err := s.reservePosts(ctx, p, list)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(steps))
	for i, st := range steps {
		v, err := st(ctx)
		if err != nil {
			return out, fmt.Errorf("instruction %d (%s): %w", i, list[i].Type, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// prepare checks one instruction in place p and returns what applies it.
func (s *Service) prepare(ctx context.Context, p *place, o *origin, in *botapi.Instruction) (step, *refusal) {
	me := botAccount(p.bot)
	switch in.Type {
	case botapi.Post:
		if !p.may(tandem.ScopeMessagesWrite) {
			return nil, refuseScope(tandem.ScopeMessagesWrite)
		}
		if err := checkMessage(in.Message); err != nil {
			return nil, refuse(err)
		}
		m := *in.Message
		return func(ctx context.Context) (any, error) {
			return s.convs.PostAs(ctx, me, p.conv.ID, &m, "")
		}, nil

	case botapi.Rename, botapi.SetAvatar, botapi.SetDescription:
		return s.prepareInfo(p, in)

	case botapi.AddMember:
		if !p.may(tandem.ScopeMembersWrite) {
			return nil, refuseScope(tandem.ScopeMembersWrite)
		}
		if p.conv.Kind == tandem.ConversationDirect {
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "a direct conversation keeps its two members"))
		}
		a, err := s.userAccount(ctx, in.Account)
		if err != nil {
			return nil, refuse(err)
		}
		if _, err := s.store.Member(ctx, p.conv.ID, a); err == nil {
			return nil, refuse(tandem.Errorf(tandem.EConflict, "%s is a member already", in.Account))
		}
		return func(ctx context.Context) (any, error) {
			m := &tandem.Member{ConversationID: p.conv.ID, Account: a}
			return m, s.convs.AddMember(ctx, me, m)
		}, nil

	case botapi.CreateConversation:
		return s.prepareCreate(ctx, p, in)

	case botapi.Notice:
		// By the event, not the delivery's kind: a refusal sent about an
		// action is no action to answer.
		if o == nil || (o.ev.Type != botapi.EventAction && o.ev.Type != botapi.EventCommand) || o.from.IsZero() {
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "a notice answers a button or a command only"))
		}
		if err := checkMessage(in.Message); err != nil {
			return nil, refuse(err)
		}
		m := *in.Message
		if o.ev.Type == botapi.EventAction {
			m.ID = o.d.MessageID
		}
		return func(ctx context.Context) (any, error) {
			s.convs.Notice(ctx, o.from, p.conv.ID, &m)
			return nil, nil
		}, nil

	case botapi.Replace:
		if o == nil || o.ev.Type != botapi.EventAction || o.d.MessageID == "" {
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "replace answers a button press only (use PUT …/messages/{id} otherwise)"))
		}
		return s.prepareReplace(ctx, p, o.d.MessageID, in.Message)

	case botapi.Invite, botapi.Handover, botapi.EndAssist:
		return s.prepareAssist(ctx, p, in)
	}
	return nil, refuse(tandem.Errorf(tandem.EInvalid, "unknown instruction type %q", in.Type))
}

// prepareInfo checks a change of the conversation's name, avatar or
// description. Each step reads the conversation afresh, so that steps of
// one answer build on each other.
func (s *Service) prepareInfo(p *place, in *botapi.Instruction) (step, *refusal) {
	if !p.may(tandem.ScopeConversationsWrite) {
		return nil, refuseScope(tandem.ScopeConversationsWrite)
	}
	var set func(c *tandem.Conversation)
	switch in.Type {
	case botapi.Rename:
		switch {
		case p.conv.Kind == tandem.ConversationDirect:
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "a direct conversation has no name"))
		case p.conv.Kind == tandem.ConversationSupport:
			// A support conversation's name is who its person is: the
			// members see the person's messages under it. A bot renaming
			// it would put words in someone else's name.
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "a support conversation is named after its person; a bot cannot rename it"))
		case strings.TrimSpace(conversation.Clean(in.Name)) == "" || len(in.Name) > maxName || !utf8.ValidString(in.Name):
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "name is 1 to %d bytes of UTF-8, not only invisible characters", maxName))
		}
		set = func(c *tandem.Conversation) { c.Name = in.Name }
	case botapi.SetAvatar:
		if err := checkURL("avatarUrl", in.AvatarURL, true); err != nil {
			return nil, refuse(err)
		}
		set = func(c *tandem.Conversation) { c.AvatarURL = in.AvatarURL }
	default:
		if len(in.Description) > maxDescription || !utf8.ValidString(in.Description) {
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "description is at most %d bytes of UTF-8", maxDescription))
		}
		set = func(c *tandem.Conversation) { c.Description = in.Description }
	}
	return func(ctx context.Context) (any, error) {
		c, err := s.store.ConversationByID(ctx, p.conv.ID)
		if err != nil {
			return nil, err
		}
		set(c)
		if err := s.convs.Update(ctx, botAccount(p.bot), c); err != nil {
			return nil, err
		}
		return c, nil
	}, nil
}

// userAccount reads a user given as "user:ID" or an email address. Bots
// cannot add bots (only a person can authorise another bot's scopes) nor
// people (a person belongs to their support conversation only).
func (s *Service) userAccount(ctx context.Context, ref string) (tandem.Account, error) {
	if strings.Contains(ref, "@") && !strings.Contains(ref, ":") {
		u, err := s.store.UserByEmail(ctx, ref)
		if err != nil {
			return tandem.Account{}, tandem.Errorf(tandem.EInvalid, "no user has the email %q", ref)
		}
		return tandem.Account{Kind: tandem.AccountUser, ID: u.ID}, nil
	}
	a, err := tandem.ParseAccount(ref)
	if err != nil {
		return a, err
	}
	if a.Kind != tandem.AccountUser {
		return a, tandem.Errorf(tandem.EInvalid, "a bot may add users only (user:ID or an email), not %s", ref)
	}
	if _, err := s.store.UserByID(ctx, a.ID); err != nil {
		return a, tandem.Errorf(tandem.EInvalid, "%s does not exist", ref)
	}
	return a, nil
}

func (s *Service) prepareCreate(ctx context.Context, p *place, in *botapi.Instruction) (step, *refusal) {
	if !p.may(tandem.ScopeConversationsCreate) {
		return nil, refuseScope(tandem.ScopeConversationsCreate)
	}
	switch {
	case strings.TrimSpace(conversation.Clean(in.Name)) == "" || len(in.Name) > maxName || !utf8.ValidString(in.Name):
		return nil, refuse(tandem.Errorf(tandem.EInvalid, "a new conversation needs a name of 1 to %d bytes, not only invisible characters", maxName))
	case len(in.Description) > maxDescription || !utf8.ValidString(in.Description):
		return nil, refuse(tandem.Errorf(tandem.EInvalid, "description is at most %d bytes of UTF-8", maxDescription))
	case len(in.Members) > maxNewMembers:
		return nil, refuse(tandem.Errorf(tandem.EInvalid, "at most %d members", maxNewMembers))
	}
	if in.AvatarURL != "" {
		if err := checkURL("avatarUrl", in.AvatarURL, false); err != nil {
			return nil, refuse(err)
		}
	}
	// Starting a conversation with others in it is adding them: without
	// members:write a bot could put any user in a room with it, which it
	// may not do anywhere else.
	if len(in.Members) > 0 && !p.may(tandem.ScopeMembersWrite) {
		return nil, refuseScope(tandem.ScopeMembersWrite)
	}
	var members []tandem.Account
	for _, ref := range in.Members {
		a, err := s.userAccount(ctx, ref)
		if err != nil {
			return nil, refuse(err)
		}
		members = append(members, a)
	}
	var first *botapi.Message
	if in.Message != nil {
		if !p.may(tandem.ScopeMessagesWrite) {
			return nil, refuseScope(tandem.ScopeMessagesWrite)
		}
		if err := checkMessage(in.Message); err != nil {
			return nil, refuse(err)
		}
		m := *in.Message
		first = &m
	}
	return func(ctx context.Context) (any, error) {
		me := botAccount(p.bot)
		c, err := s.convs.Create(ctx, me, &tandem.Conversation{Kind: tandem.ConversationGroup, Name: in.Name, Description: in.Description,
			AvatarURL: in.AvatarURL}, members)
		if err != nil {
			return nil, err
		}
		if first != nil {
			if _, err := s.convs.PostAs(ctx, me, c.ID, first, ""); err != nil {
				return c, err
			}
		}
		return c, nil
	}, nil
}

// prepareReplace checks the replacement of one of the bot's own messages.
func (s *Service) prepareReplace(ctx context.Context, p *place, messageID string, m *botapi.Message) (step, *refusal) {
	if !p.may(tandem.ScopeMessagesWrite) {
		return nil, refuseScope(tandem.ScopeMessagesWrite)
	}
	if err := checkMessage(m); err != nil {
		return nil, refuse(err)
	}
	stored, err := s.store.MessageByID(ctx, messageID)
	if err != nil || stored.ConversationID != p.conv.ID {
		return nil, refuse(tandem.Errorf(tandem.ENotFound, "no such message in this conversation"))
	}
	me := botAccount(p.bot)
	if stored.Author != me {
		return nil, refuse(tandem.Errorf(tandem.EForbidden, "a bot replaces its own messages only"))
	}
	next := &tandem.Message{ID: stored.ID, ConversationID: stored.ConversationID, Author: me, Text: m.Text, Blocks: blocksOf(m)}
	return func(ctx context.Context) (any, error) {
		if err := s.convs.Replace(ctx, me, next); err != nil {
			return nil, err
		}
		return next, nil
	}, nil
}

// reservePosts reserves the posts list makes in the conversation of p
// (post and invite instructions; a new conversation's first message is in
// another conversation, whose limit is untouched). Over the bot's rate,
// the answer is refused whole: each of its posts is listed as refused with
// a reason that starts "rate_limited".
func (s *Service) reservePosts(ctx context.Context, p *place, list []botapi.Instruction) (context.Context, error) {
	n := 0
	for _, in := range list {
		if in.Type == botapi.Post || in.Type == botapi.Invite {
			n++
		}
	}
	if n == 0 {
		return ctx, nil
	}
	rctx, err := s.convs.ReservePosts(ctx, botAccount(p.bot), p.conv.ID, n)
	if tandem.ErrorCode(err) == tandem.ERateLimited {
		r := &RefusedError{limited: err}
		for i, in := range list {
			if in.Type == botapi.Post || in.Type == botapi.Invite {
				r.Refused = append(r.Refused, botapi.Refused{Index: i, Type: string(in.Type),
					Reason: tandem.ERateLimited + ": " + tandem.ErrorMessage(err)})
			}
		}
		return nil, r
	}
	return rctx, err
}
