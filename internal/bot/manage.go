package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/store"
)

// validCommand is a command's name, typed after a slash.
var validCommand = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// maxCommands bounds the commands of one bot.
const maxCommands = 50

// CommandsOf lists a bot's commands, for its owner.
func (s *Service) CommandsOf(ctx context.Context, by *tandem.User, botID string) ([]*tandem.BotCommand, error) {
	if _, err := s.owned(ctx, by, botID); err != nil {
		return nil, err
	}
	return s.store.BotCommands(ctx, botID)
}

// AddCommand adds a slash command to a bot.
func (s *Service) AddCommand(ctx context.Context, by *tandem.User, botID string, c *tandem.BotCommand) error {
	if _, err := s.owned(ctx, by, botID); err != nil {
		return err
	}
	if utf8.ValidString(c.Description) && utf8.ValidString(c.Hint) {
		c.Description, c.Hint = conversation.Clean(c.Description), conversation.Clean(c.Hint)
	}
	switch {
	case !validCommand.MatchString(c.Name):
		return tandem.Errorf(tandem.EInvalid, "a command's name is 1 to 32 of a-z, 0-9, _ and - (without the slash): %q is not", c.Name)
	case len(c.Description) > 200 || !utf8.ValidString(c.Description):
		return tandem.Errorf(tandem.EInvalid, "description is at most 200 bytes of UTF-8")
	case len(c.Hint) > 100 || !utf8.ValidString(c.Hint):
		return tandem.Errorf(tandem.EInvalid, "hint is at most 100 bytes of UTF-8")
	}
	if err := checkURL("url", c.URL, true); err != nil {
		return err
	}
	existing, err := s.store.BotCommands(ctx, botID)
	if err != nil {
		return fmt.Errorf("read commands: %w", err)
	}
	if len(existing) >= maxCommands {
		return tandem.Errorf(tandem.EInvalid, "a bot has at most %d commands", maxCommands)
	}
	c.ID, c.BotID, c.CreatedAt = "", botID, s.cfg.Now()
	if err := s.store.CreateBotCommand(ctx, c); err != nil {
		if tandem.ErrorCode(err) == tandem.EConflict {
			return tandem.Errorf(tandem.EConflict, "the bot has a command /%s already", c.Name)
		}
		return fmt.Errorf("add command: %w", err)
	}
	return nil
}

// DeleteCommand deletes one of a bot's commands.
func (s *Service) DeleteCommand(ctx context.Context, by *tandem.User, botID, commandID string) error {
	if _, err := s.owned(ctx, by, botID); err != nil {
		return err
	}
	cmds, err := s.store.BotCommands(ctx, botID)
	if err != nil {
		return fmt.Errorf("read commands: %w", err)
	}
	for _, c := range cmds {
		if c.ID == commandID {
			return s.store.DeleteBotCommand(ctx, c.ID)
		}
	}
	return tandem.Errorf(tandem.ENotFound, "the bot has no such command")
}

// HookInfo is a bot's incoming webhook in one conversation.
type HookInfo struct {
	Hook         *tandem.Hook
	Conversation *tandem.Conversation
	URL          string
}

// HookURL is where tools post to write in the hook's conversation as its
// bot. Its token is derived from the hook's id, so it can be shown again.
func (s *Service) HookURL(h *tandem.Hook) string {
	return s.cfg.PublicURL + "/hooks/" + conversation.HookToken(s.cfg.Secret, h.ID)
}

// NewHook returns the hook of a bot in a conversation, ready to store.
func (s *Service) NewHook(botID, conversationID string) *tandem.Hook {
	h := &tandem.Hook{ID: newID(), BotID: botID, ConversationID: conversationID, CreatedAt: s.cfg.Now()}
	h.TokenHash = auth.HashToken(conversation.HookToken(s.cfg.Secret, h.ID))
	return h
}

// EnsureHook returns the bot's hook in a conversation, made if it has none.
func (s *Service) EnsureHook(ctx context.Context, botID, conversationID string) (*tandem.Hook, error) {
	h, err := s.store.HookFor(ctx, botID, conversationID)
	if tandem.ErrorCode(err) != tandem.ENotFound {
		return h, err
	}
	h = s.NewHook(botID, conversationID)
	if err := s.store.CreateHook(ctx, h); err != nil {
		return nil, fmt.Errorf("create hook: %w", err)
	}
	return h, nil
}

// Hooks lists the conversations of a bot with their webhook URLs.
func (s *Service) Hooks(ctx context.Context, by *tandem.User, botID string) ([]HookInfo, error) {
	if _, err := s.owned(ctx, by, botID); err != nil {
		return nil, err
	}
	hooks, err := s.store.HooksForBot(ctx, botID)
	if err != nil {
		return nil, fmt.Errorf("list hooks: %w", err)
	}
	out := make([]HookInfo, 0, len(hooks))
	for _, h := range hooks {
		c, err := s.store.ConversationByID(ctx, h.ConversationID)
		if err != nil {
			return nil, fmt.Errorf("read hook's conversation: %w", err)
		}
		out = append(out, HookInfo{Hook: h, Conversation: c, URL: s.HookURL(h)})
	}
	return out, nil
}

// DeleteHook deletes a bot's hook, which removes the bot from that
// conversation.
func (s *Service) DeleteHook(ctx context.Context, by *tandem.User, botID, hookID string) error {
	if _, err := s.owned(ctx, by, botID); err != nil {
		return err
	}
	hooks, err := s.store.HooksForBot(ctx, botID)
	if err != nil {
		return fmt.Errorf("list hooks: %w", err)
	}
	for _, h := range hooks {
		if h.ID == hookID {
			return s.store.DeleteHook(ctx, h.ID)
		}
	}
	return tandem.Errorf(tandem.ENotFound, "the bot has no such hook")
}

// Deliveries lists a bot's deliveries, newest first, in the given states
// (none: all).
func (s *Service) Deliveries(ctx context.Context, by *tandem.User, botID string, states []tandem.DeliveryState, limit int) ([]*tandem.Delivery, error) {
	if _, err := s.owned(ctx, by, botID); err != nil {
		return nil, err
	}
	for _, st := range states {
		switch st {
		case tandem.DeliveryPending, tandem.DeliveryDelivered, tandem.DeliveryDead:
		default:
			return nil, tandem.Errorf(tandem.EInvalid, "state %q is not pending, delivered or dead", st)
		}
	}
	if limit < 0 || limit > 200 {
		return nil, tandem.Errorf(tandem.EInvalid, "limit is 1 to 200")
	}
	return s.store.ListDeliveries(ctx, store.DeliveryFilter{BotID: botID, States: states, Limit: limit})
}

// Delivery returns one of a bot's deliveries with its attempts.
func (s *Service) Delivery(ctx context.Context, by *tandem.User, botID, id string) (*tandem.Delivery, []*tandem.DeliveryAttempt, error) {
	if _, err := s.owned(ctx, by, botID); err != nil {
		return nil, nil, err
	}
	d, err := s.store.DeliveryByID(ctx, id)
	if err == nil && d.BotID != botID {
		err = tandem.Errorf(tandem.ENotFound, "the bot has no such delivery")
	}
	if err != nil {
		return nil, nil, err
	}
	attempts, err := s.store.DeliveryAttempts(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("read attempts: %w", err)
	}
	return d, attempts, nil
}

// Retry sends a dead delivery again, as a new delivery of the same event
// (a new id: the dead one stays in the log as it ended). It returns the
// new delivery.
func (s *Service) Retry(ctx context.Context, by *tandem.User, botID, id string) (*tandem.Delivery, error) {
	d, _, err := s.Delivery(ctx, by, botID, id)
	if err != nil {
		return nil, err
	}
	if d.State != tandem.DeliveryDead {
		return nil, tandem.Errorf(tandem.EConflict, "only a dead delivery can be retried; this one is %s", d.State)
	}
	b, err := s.store.BotByID(ctx, botID)
	if err != nil {
		return nil, err
	}
	if b.TokenHash == "" {
		return nil, tandem.Errorf(tandem.EConflict, "the bot's token is revoked: it gets no deliveries")
	}
	// What a delivery carries is a conversation's: a bot that has left it
	// is sent nothing of it any more, as for new events.
	if _, err := s.store.Member(ctx, d.ConversationID, botAccount(b)); tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, tandem.Errorf(tandem.EConflict, "the bot is no longer in the delivery's conversation: it gets nothing of it")
	} else if err != nil {
		return nil, fmt.Errorf("read membership: %w", err)
	}
	var ev map[string]any
	if err := json.Unmarshal(d.Payload, &ev); err != nil {
		return nil, fmt.Errorf("read delivery payload: %w", err)
	}
	now := s.cfg.Now()
	next := &tandem.Delivery{ID: newID(), BotID: d.BotID, Kind: d.Kind, ConversationID: d.ConversationID, MessageID: d.MessageID,
		URL: d.URL, State: tandem.DeliveryPending, NextAttemptAt: now, CreatedAt: now}
	ev["id"] = next.ID
	if next.Payload, err = json.Marshal(ev); err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	if err := s.store.EnqueueDeliveries(ctx, []*tandem.Delivery{next}); err != nil {
		return nil, fmt.Errorf("enqueue retry: %w", err)
	}
	return next, nil
}

// CreateHook makes the hook of a bot added to a conversation (the
// conversation service calls it).
func (s *Service) CreateHook(ctx context.Context, botID, conversationID string) (*tandem.Hook, error) {
	return s.EnsureHook(ctx, botID, conversationID)
}
