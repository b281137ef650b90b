package conversation

import (
	"context"
	"fmt"
	"strings"

	"github.com/tandemhq/tandem"
)

// maxPersonID bounds the id a site gives its person.
const maxPersonID = 256

// OpenSupport opens a support conversation for a person on a page of the
// site siteKey, whose origin the site must allow (the SDK's chat panel,
// before any assist). It returns the conversation and the person's token.
func (s *Service) OpenSupport(ctx context.Context, siteKey, origin, personID string) (*tandem.Conversation, string, error) {
	if siteKey == "" {
		return nil, "", tandem.Errorf(tandem.EInvalid, "siteKey is required")
	}
	personID, err := cleanText("personId", personID, maxPersonID)
	if err != nil {
		return nil, "", err
	}
	personID = strings.TrimSpace(personID)
	site, err := s.store.SiteByKey(ctx, siteKey)
	if err != nil {
		return nil, "", err
	}
	if !site.AllowsOrigin(origin) {
		return nil, "", tandem.Errorf(tandem.ENotAllowed, "origin %q is not allowed for this site", origin)
	}
	c, err := s.createSupport(ctx, site, personID, "")
	if err != nil {
		return nil, "", err
	}
	return c, s.PersonToken(c.ID), nil
}

// createSupport stores a support conversation of site with its person as
// member, linked to assistID if set. With a triage bot, the bot is a
// member too (with every scope it asks for: the admin who named it
// authorised them) and the conversation waits for it, not in the queue;
// without, it is queued at once.
func (s *Service) createSupport(ctx context.Context, site *tandem.Site, personID, assistID string) (*tandem.Conversation, error) {
	now := s.cfg.Now()
	c := &tandem.Conversation{
		ID: newID(), Kind: tandem.ConversationSupport, SiteID: site.ID, AssistID: assistID, CreatedAt: now, UpdatedAt: now,
	}
	if identified(personID) {
		c.Name = personID
	}
	person := tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}
	c.CreatedBy = person
	members := []*tandem.Member{{ConversationID: c.ID, Account: person, JoinedAt: now}}
	var triage *tandem.Bot
	if site.TriageBotID != "" {
		b, err := s.store.BotByID(ctx, site.TriageBotID)
		switch {
		case err == nil:
			triage = b
			members = append(members, &tandem.Member{
				ConversationID: c.ID, Account: tandem.Account{Kind: tandem.AccountBot, ID: b.ID}, Granted: dedupe(b.Scopes), JoinedAt: now,
			})
		case tandem.ErrorCode(err) == tandem.ENotFound:
			s.log.Warn("the site's triage bot is gone; queueing its conversations", "site", site.ID, "bot", site.TriageBotID)
		default:
			return nil, err
		}
	}
	c.Queued = triage == nil
	if err := s.store.CreateConversation(ctx, c, members); err != nil {
		return nil, fmt.Errorf("create support conversation: %w", err)
	}
	if triage != nil {
		if _, err := s.hookMaker().CreateHook(ctx, triage.ID, c.ID); err != nil {
			s.log.Error("create the triage bot's hook", "conversation", c.ID, "bot", triage.ID, "err", err)
		}
	}
	s.publishConversation(ctx, c, route{membersChanged: true, agents: c.Queued})
	return c, nil
}

// CheckLink reports whether a help request of site siteID may link its
// assist to support conversation conversationID: token must be its
// person's, and it must be of that site. It changes nothing: the assist
// service calls it before it creates the assist.
func (s *Service) CheckLink(ctx context.Context, siteID, conversationID, token string) error {
	if !s.CheckPersonToken(conversationID, token) {
		return tandem.Errorf(tandem.EUnauthorized, "conversationToken is not valid for this conversation")
	}
	c, err := s.store.ConversationByID(ctx, conversationID)
	if err != nil {
		return err
	}
	if c.Kind != tandem.ConversationSupport || c.SiteID != siteID {
		return tandem.Errorf(tandem.EInvalid, "this conversation is not one of this site's")
	}
	return nil
}

// LinkAssist gives a new assist its support conversation: conversationID
// (checked before with CheckLink) now shows it, or, when "", a new one is
// opened for it. It returns the conversation's id and person token.
func (s *Service) LinkAssist(ctx context.Context, a *tandem.Assist, conversationID string) (id, token string, err error) {
	if conversationID == "" {
		site, err := s.store.SiteByID(ctx, a.SiteID)
		if err != nil {
			return "", "", err
		}
		c, err := s.createSupport(ctx, site, a.PersonID, a.ID)
		if err != nil {
			return "", "", err
		}
		return c.ID, s.PersonToken(c.ID), nil
	}
	c, err := s.store.ConversationByID(ctx, conversationID)
	if err != nil {
		return "", "", err
	}
	c.AssistID, c.UpdatedAt = a.ID, s.cfg.Now()
	if err := s.store.UpdateConversation(ctx, c); err != nil {
		return "", "", fmt.Errorf("link assist: %w", err)
	}
	s.publishConversation(ctx, c, route{agents: c.Queued})
	return c.ID, s.PersonToken(c.ID), nil
}

// AgentAccepted makes the agent who accepted an assist a member of its
// conversation, which leaves the queue.
func (s *Service) AgentAccepted(ctx context.Context, assistID, agentID string) error {
	c, err := s.store.ConversationForAssist(ctx, assistID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil // an assist from before conversations
	}
	if err != nil {
		return err
	}
	if err := s.join(ctx, c.ID, tandem.Account{Kind: tandem.AccountUser, ID: agentID}); err != nil {
		return err
	}
	if c.Queued {
		return s.SetQueued(ctx, c.ID, false, "")
	}
	return nil
}

// CheckOrigin refuses a browser page of an origin that the site of
// support conversation conversationID does not allow. A request without
// an Origin (not from a browser) passes: the token is the credential.
func (s *Service) CheckOrigin(ctx context.Context, conversationID, origin string) error {
	if origin == "" {
		return nil
	}
	c, err := s.store.ConversationByID(ctx, conversationID)
	if err != nil {
		return err
	}
	site, err := s.store.SiteByID(ctx, c.SiteID)
	if err != nil {
		return err
	}
	if !site.AllowsOrigin(origin) {
		return tandem.Errorf(tandem.ENotAllowed, "origin %q is not allowed for this site", origin)
	}
	return nil
}
