package assist

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Bots offer people help with invites of their own: an invite with no
// agent. Opening it is asking for help, as a help request is: it makes a
// waiting assist that every agent's queue shows, and the agent who accepts
// asks the person's consent as for any request.

// botInviteText is the consent record of a bot's invite: the person asked
// for help; no one may see the page until they allow an agent.
const botInviteText = "asked for help through an invite; an agent asks to see the page before anyone does"

// consentBotInvite is the method of that record.
const consentBotInvite = "bot-invite"

// CreateBotInvite makes a single-use invite to siteID with no agent (see
// above). pageURL is where the link sends the person; empty means the
// site's first allowed origin.
func (s *Service) CreateBotInvite(ctx context.Context, siteID, pageURL string) (*InviteLink, error) {
	return s.createInvite(ctx, "", siteID, pageURL, 0)
}

// redeemBotInvite uses an invite of a bot: the invite is used and a
// waiting assist made in one step.
func (s *Service) redeemBotInvite(ctx context.Context, req RedeemRequest, site *tandem.Site, inv *tandem.Invite, now time.Time) (*Started, error) {
	a := &tandem.Assist{
		ID: newAssistID(), SiteID: site.ID, State: tandem.AssistWaiting, PersonID: personID(req.PersonID),
		PageID: req.PageID, PageURL: req.URL, UserAgent: req.UserAgent, Viewport: req.Viewport, CreatedAt: now,
	}
	if err := s.takeLease(ctx, a.ID); err != nil {
		return nil, fmt.Errorf("start assist: %w", err)
	}
	err := s.store.RedeemInvite(ctx, &store.InviteRedemption{
		InviteID: inv.ID, Now: now, Assist: a,
		Consent: &tandem.Consent{PersonID: a.PersonID, PageURL: req.URL, Method: consentBotInvite, Text: botInviteText, At: now},
	})
	if err != nil {
		s.releaseLease(a.ID)
		return nil, inviteError(err)
	}
	s.open(a, site)
	s.audit(ctx, a.ID, "person:"+a.PersonID, "invite.redeem", inv.ID)
	s.log.Info("web assist requested from a bot's invite", "assist", a.ID, "site", site.ID, "invite", inv.ID)
	s.notifyQueue()
	return &Started{Assist: a, PersonToken: s.personToken(a.ID)}, nil
}

// EndAs ends an assist on behalf of someone other than an agent: actor is
// who it is in the audit log ("bot:ID"), name how the person is told.
func (s *Service) EndAs(ctx context.Context, actor, name, id string) (*tandem.Assist, error) {
	if _, err := s.liveAssist(ctx, id); err != nil {
		return nil, err
	}
	return s.end(ctx, actor, id, "ended by "+name, closeEnded)
}
