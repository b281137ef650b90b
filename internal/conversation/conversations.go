package conversation

import (
	"context"
	"fmt"
	"slices"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Limits of a conversation's fields.
const (
	maxName        = 100
	maxDescription = 1000
	maxSummary     = 2000
)

// checkInfo checks the name, description and avatar of c, and cleans the
// name and description of invisible characters (Clean).
func checkInfo(c *tandem.Conversation) error {
	var err error
	if c.Name, err = cleanText("name", c.Name, maxName); err != nil {
		return err
	}
	if c.Description, err = cleanText("description", c.Description, maxDescription); err != nil {
		return err
	}
	if c.AvatarURL != "" {
		if err := checkURL("avatarUrl", c.AvatarURL, false); err != nil {
			return err
		}
	}
	return nil
}

// notFound is what a non-member learns of a conversation: nothing, not
// even that it exists.
func notFound() error {
	return tandem.Errorf(tandem.ENotFound, "no such conversation")
}

// Get returns a conversation. It checks no access: callers that act for an
// account check its membership (Members, or the store's Member).
func (s *Service) Get(ctx context.Context, id string) (*tandem.Conversation, error) {
	return s.store.ConversationByID(ctx, id)
}

// Members returns the members of a conversation, in joining order. It
// checks no access.
func (s *Service) Members(ctx context.Context, id string) ([]*tandem.Member, error) {
	return s.store.Members(ctx, id)
}

// ForAssists maps each of assistIDs that has a support conversation to
// its id, in one store call: what a listing of assists needs.
func (s *Service) ForAssists(ctx context.Context, assistIDs []string) (map[string]string, error) {
	return s.store.ConversationsForAssists(ctx, assistIDs)
}

// ForAssist returns the support conversation of an assist.
func (s *Service) ForAssist(ctx context.Context, assistID string) (*tandem.Conversation, error) {
	return s.store.ConversationForAssist(ctx, assistID)
}

// visible returns conversation id if account a may see it: as a member,
// or, for an agent, while it waits in the queue (agents look before they
// take). Otherwise ENotFound.
func (s *Service) visible(ctx context.Context, a tandem.Account, id string) (*tandem.Conversation, *tandem.Member, error) {
	c, err := s.store.ConversationByID(ctx, id)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, nil, notFound()
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := s.store.Member(ctx, id, a)
	switch {
	case err == nil:
		return c, m, nil
	case tandem.ErrorCode(err) != tandem.ENotFound:
		return nil, nil, err
	case a.Kind == tandem.AccountUser && c.Kind == tandem.ConversationSupport && c.Queued:
		return c, nil, nil
	}
	return nil, nil, notFound()
}

// member returns a's membership of conversation id, or ENotFound.
func (s *Service) member(ctx context.Context, a tandem.Account, id string) (*tandem.Conversation, *tandem.Member, error) {
	c, m, err := s.visible(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		return nil, nil, tandem.Errorf(tandem.EForbidden, "take the conversation first")
	}
	return c, m, nil
}

// Create starts a direct or group conversation by account by, who becomes
// its first member, with the given other members (users; a bot creating a
// conversation is its member with its own scopes granted). Bots are added
// afterwards with AddMember, which needs the adder's grant.
func (s *Service) Create(ctx context.Context, by tandem.Account, c *tandem.Conversation, members []tandem.Account) (*tandem.Conversation, error) {
	if by.Kind == tandem.AccountPerson {
		return nil, tandem.Errorf(tandem.EForbidden, "a person cannot start conversations")
	}
	accounts := []tandem.Account{by}
	for _, a := range members {
		if !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
	}
	switch c.Kind {
	case tandem.ConversationDirect:
		if len(accounts) != 2 {
			return nil, tandem.Errorf(tandem.EInvalid, "a direct conversation is between exactly two accounts")
		}
	case tandem.ConversationGroup:
		if c.Name == "" {
			return nil, tandem.Errorf(tandem.EInvalid, "a group conversation needs a name")
		}
	default:
		return nil, tandem.Errorf(tandem.EInvalid, "kind must be direct or group, not %q", c.Kind)
	}
	if err := checkInfo(c); err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	nc := &tandem.Conversation{
		ID: newID(), Kind: c.Kind, Name: c.Name, AvatarURL: c.AvatarURL, Description: c.Description,
		CreatedBy: by, CreatedAt: now, UpdatedAt: now,
	}
	var ms []*tandem.Member
	var creatorBot *tandem.Bot
	for i, a := range accounts {
		m := &tandem.Member{ConversationID: nc.ID, Account: a, JoinedAt: now}
		if i > 0 {
			m.AddedBy = by
		}
		switch a.Kind {
		case tandem.AccountUser:
			if _, err := s.store.UserByID(ctx, a.ID); err != nil {
				return nil, memberErr(a, err)
			}
		case tandem.AccountBot:
			if i > 0 {
				return nil, tandem.Errorf(tandem.EInvalid, "add bots with their granted scopes once the conversation exists (%s)", a)
			}
			b, err := s.store.BotByID(ctx, a.ID)
			if err != nil {
				return nil, memberErr(a, err)
			}
			creatorBot, m.Granted = b, slices.Clone(b.Scopes)
		default:
			return nil, tandem.Errorf(tandem.EInvalid, "%s cannot be a member of a %s conversation", a, c.Kind)
		}
		ms = append(ms, m)
	}
	if err := s.store.CreateConversation(ctx, nc, ms); err != nil {
		return nil, fmt.Errorf("create conversation: %w", err)
	}
	if creatorBot != nil {
		if _, err := s.hookMaker().CreateHook(ctx, creatorBot.ID, nc.ID); err != nil {
			s.log.Error("create the hook of a bot's conversation", "conversation", nc.ID, "bot", creatorBot.ID, "err", err)
		}
	}
	s.publishConversation(ctx, nc, route{membersChanged: true})
	return nc, nil
}

// memberErr says which member does not exist.
func memberErr(a tandem.Account, err error) error {
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return tandem.Errorf(tandem.EInvalid, "%s does not exist", a)
	}
	return err
}

func (s *Service) hookMaker() Hooks {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hooks
}

// Update writes the name, avatar and description of c (the rest of c is
// ignored) on behalf of member by.
func (s *Service) Update(ctx context.Context, by tandem.Account, c *tandem.Conversation) error {
	cur, _, err := s.member(ctx, by, c.ID)
	if err != nil {
		return err
	}
	if err := checkInfo(c); err != nil {
		return err
	}
	if cur.Kind == tandem.ConversationGroup && c.Name == "" {
		return tandem.Errorf(tandem.EInvalid, "a group conversation needs a name")
	}
	// A support conversation's name is what its site said its person is
	// (personName shows it as the person's name): a member renaming it
	// would put words in the person's mouth under another name. Agents
	// keep notes in its description.
	if cur.Kind == tandem.ConversationSupport && c.Name != cur.Name {
		return tandem.Errorf(tandem.EInvalid, "a support conversation is named after its person and cannot be renamed; change its description instead")
	}
	next := *cur
	next.Name, next.AvatarURL, next.Description = c.Name, c.AvatarURL, c.Description
	next.UpdatedAt = s.cfg.Now()
	if err := s.store.UpdateConversation(ctx, &next); err != nil {
		return fmt.Errorf("update conversation: %w", err)
	}
	*c = next
	s.publishConversation(ctx, &next, route{agents: next.Queued})
	return nil
}

// SetQueued puts a support conversation in the agents' queue (with what
// was said about it) or takes it out. A conversation an agent is in is
// not queued again (EConflict): the agent answers it.
func (s *Service) SetQueued(ctx context.Context, id string, queued bool, summary string) error {
	summary, err := cleanText("summary", summary, maxSummary)
	if err != nil {
		return err
	}
	c, err := s.store.ConversationByID(ctx, id)
	if err != nil {
		return err
	}
	if c.Kind != tandem.ConversationSupport {
		return tandem.Errorf(tandem.EInvalid, "only a support conversation waits in the queue")
	}
	if queued {
		if err := s.CheckNoAgent(ctx, id); err != nil {
			return err
		}
	}
	c.Queued = queued
	if queued || summary != "" {
		c.Summary = summary
	}
	c.UpdatedAt = s.cfg.Now()
	if err := s.store.UpdateConversation(ctx, c); err != nil {
		return fmt.Errorf("queue conversation: %w", err)
	}
	// Every agent hears of it: it enters or leaves their queue.
	s.publishConversation(ctx, c, route{agents: true})
	return nil
}

// CheckNoAgent returns EConflict if a user (an agent) is a member of
// conversation id: a conversation an agent took is not handed over to
// the queue again.
func (s *Service) CheckNoAgent(ctx context.Context, id string) error {
	members, err := s.store.Members(ctx, id)
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.Account.Kind == tandem.AccountUser {
			return tandem.Errorf(tandem.EConflict, "an agent is already in this conversation")
		}
	}
	return nil
}

// Take is an agent taking a queued support conversation: they become its
// member and it leaves the queue.
func (s *Service) Take(ctx context.Context, agent tandem.Account, id string) (*tandem.Conversation, error) {
	if agent.Kind != tandem.AccountUser {
		return nil, tandem.Errorf(tandem.EForbidden, "only agents take conversations")
	}
	c, err := s.store.ConversationByID(ctx, id)
	if tandem.ErrorCode(err) == tandem.ENotFound || (err == nil && c.Kind != tandem.ConversationSupport) {
		return nil, notFound() // agents see support conversations only
	}
	if err != nil {
		return nil, err
	}
	if !c.Queued {
		// Agents saw it in the queue: they may learn another took it.
		return nil, tandem.Errorf(tandem.EConflict, "this conversation is not waiting in the queue (another agent took it)")
	}
	if err := s.join(ctx, id, agent); err != nil {
		return nil, err
	}
	if err := s.SetQueued(ctx, id, false, ""); err != nil {
		return nil, err
	}
	return s.store.ConversationByID(ctx, id)
}

// join makes a user a member of a conversation, if not one already.
func (s *Service) join(ctx context.Context, id string, a tandem.Account) error {
	err := s.store.AddMember(ctx, &tandem.Member{ConversationID: id, Account: a, JoinedAt: s.cfg.Now()})
	if tandem.ErrorCode(err) == tandem.EConflict {
		return nil
	}
	if err != nil {
		return fmt.Errorf("join conversation: %w", err)
	}
	s.membersChanged(ctx, id)
	return nil
}

// ListOptions select a page of ListFor.
type ListOptions struct {
	// Queue lists the queued support conversations of every site (agents
	// only) instead of the caller's.
	Queue bool
	After string
	Limit int // 0 for 50
}

// ListFor lists the conversations of an account, newest first, with
// unread counts; next continues the listing ("" at the end).
func (s *Service) ListFor(ctx context.Context, a tandem.Account, o ListOptions) (list []*store.ConversationSummary, next string, err error) {
	limit := o.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > store.MaxConversationLimit {
		return nil, "", tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", store.MaxConversationLimit)
	}
	// One more than the page tells whether there is a next page.
	f := store.ConversationFilter{Member: a, After: o.After, Limit: min(limit+1, store.MaxConversationLimit)}
	if o.Queue {
		if a.Kind != tandem.AccountUser {
			return nil, "", tandem.Errorf(tandem.EForbidden, "only agents see the queue")
		}
		sites, err := s.store.ListSites(ctx)
		if err != nil {
			return nil, "", err
		}
		f.Member, f.Queued = tandem.Account{}, true
		for _, site := range sites {
			f.SiteIDs = append(f.SiteIDs, site.ID)
		}
		if len(f.SiteIDs) == 0 {
			return []*store.ConversationSummary{}, "", nil
		}
	}
	list, err = s.store.ListConversations(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if len(list) > limit || (len(list) == store.MaxConversationLimit && len(list) > 0) {
		list = list[:limit]
		next = list[len(list)-1].Cursor
	}
	return list, next, nil
}
