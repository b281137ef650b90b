package bot

import (
	"cmp"
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/conversation"
)

// defaultInviteLabel labels an invite button whose bot gave no text.
const defaultInviteLabel = "Share my screen with support"

// maxLabel bounds a button's label, as conversation messages do.
const maxLabel = 75

// InviteResult is an invite a bot made and posted.
type InviteResult struct {
	Link    *assist.InviteLink
	Message *tandem.Message
}

// audit records a bot's action on an assist (or, before there is one, on
// the invite or conversation it concerns), naming the token that did it.
func (s *Service) audit(ctx context.Context, p *place, sessionID, action, detail string) {
	e := &tandem.AuditEntry{SessionID: sessionID, Actor: "bot:" + p.bot.ID, Action: action,
		Detail: "token " + p.bot.TokenID + "; bot " + p.bot.Name, At: s.cfg.Now()}
	if detail != "" {
		e.Detail += "; " + detail
	}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.Error("audit a bot's action", "bot", p.bot.ID, "session", sessionID, "action", action, "err", err)
	}
}

// AssistOf returns the assist of the conversation, for a bot with
// assist:read; nil when the conversation has none.
func (s *Service) AssistOf(ctx context.Context, b *tandem.Bot, conversationID string) (*botapi.AssistStatus, error) {
	p, err := s.enter(ctx, b, conversationID)
	if err != nil {
		return nil, err
	}
	if err := p.need(tandem.ScopeAssistRead); err != nil {
		return nil, err
	}
	if p.conv.AssistID == "" {
		return nil, nil
	}
	a, err := s.store.AssistByID(ctx, p.conv.AssistID)
	if err != nil {
		return nil, fmt.Errorf("read assist: %w", err)
	}
	s.audit(ctx, p, a.ID, "bot.read", "")
	return &botapi.AssistStatus{ID: a.ID, State: string(a.State), PageURL: a.PageURL, AgentID: a.AgentID}, nil
}

// supportOnly refuses assist instructions outside support conversations.
func supportOnly(p *place) *refusal {
	if p.conv.Kind != tandem.ConversationSupport || p.conv.SiteID == "" {
		return refuse(tandem.Errorf(tandem.EInvalid, "assist instructions work in support conversations only"))
	}
	return nil
}

// prepareAssist checks an instruction on the conversation's assist.
func (s *Service) prepareAssist(ctx context.Context, p *place, in *botapi.Instruction) (step, *refusal) {
	if s.assist == nil {
		return nil, refuse(errUnavailable)
	}
	var sc tandem.Scope
	switch in.Type {
	case botapi.Invite:
		sc = tandem.ScopeAssistInvite
	case botapi.Handover:
		sc = tandem.ScopeAssistHandover
	default:
		sc = tandem.ScopeAssistEnd
	}
	if !p.may(sc) {
		return nil, refuseScope(sc)
	}
	if r := supportOnly(p); r != nil {
		return nil, r
	}
	var current *tandem.Assist
	if p.conv.AssistID != "" {
		a, err := s.store.AssistByID(ctx, p.conv.AssistID)
		if err != nil {
			return nil, refuse(fmt.Errorf("read assist: %w", err))
		}
		current = a
	}
	live := current != nil && current.State != tandem.AssistEnded
	switch in.Type {
	case botapi.Invite:
		label := defaultInviteLabel
		if in.Message != nil && conversation.Clean(in.Message.Text) != "" {
			label = in.Message.Text
		}
		if len(label) > maxLabel || !utf8.ValidString(label) {
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "the invite's label (message.text) is at most %d bytes", maxLabel))
		}
		if live && current.State != tandem.AssistWaiting {
			return nil, refuse(tandem.Errorf(tandem.EConflict, "the person is with an agent already (the assist is %s)", current.State))
		}
		page := ""
		if current != nil {
			page = current.PageURL
		}
		return func(ctx context.Context) (any, error) { return s.invite(ctx, p, label, page) }, nil
	case botapi.Handover:
		if len(in.Summary) > maxSummary || !utf8.ValidString(in.Summary) {
			return nil, refuse(tandem.Errorf(tandem.EInvalid, "summary is at most %d bytes of UTF-8", maxSummary))
		}
		// An agent took it already: back in the queue, it would wait for
		// another agent while one is answering.
		if err := s.convs.CheckNoAgent(ctx, p.conv.ID); err != nil {
			return nil, refuse(err)
		}
		return func(ctx context.Context) (any, error) {
			if err := s.convs.SetQueued(ctx, p.conv.ID, true, in.Summary); err != nil {
				return nil, err
			}
			s.audit(ctx, p, cmp.Or(p.conv.AssistID, p.conv.ID), "bot.handover", "summary "+clip(in.Summary, 200))
			return s.store.ConversationByID(ctx, p.conv.ID)
		}, nil
	default:
		if !live {
			return nil, refuse(tandem.Errorf(tandem.EConflict, "the conversation has no assist going on"))
		}
		return func(ctx context.Context) (any, error) {
			s.audit(ctx, p, current.ID, "bot.end", "")
			return s.assist.EndAs(ctx, "bot:"+p.bot.ID, p.bot.Name, current.ID)
		}, nil
	}
}

// invite makes an invite to the conversation's site and posts it as a link
// button. The person who opens it asks for help: a waiting assist, in the
// agents' queue.
func (s *Service) invite(ctx context.Context, p *place, label, pageURL string) (*InviteResult, error) {
	link, err := s.assist.CreateBotInvite(ctx, p.conv.SiteID, pageURL)
	if tandem.ErrorCode(err) == tandem.EInvalid && pageURL != "" {
		// The page the person was on may be off the site's origins now;
		// the site's own address will do.
		link, err = s.assist.CreateBotInvite(ctx, p.conv.SiteID, "")
	}
	if err != nil {
		return nil, fmt.Errorf("create invite: %w", err)
	}
	s.audit(ctx, p, cmp.Or(p.conv.AssistID, link.ID), "bot.invite", "invite "+link.ID)
	m, err := s.convs.PostAs(ctx, botAccount(p.bot), p.conv.ID, &botapi.Message{
		Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: label, URL: link.Link, Style: "primary"}}}},
	}, "")
	if err != nil {
		return nil, err
	}
	return &InviteResult{Link: link, Message: m}, nil
}

// clip shortens s to at most n bytes, on a rune boundary, for logs.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
