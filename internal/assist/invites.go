package assist

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// InviteLink is a new invite as the agent sees it, once: only hashes are kept.
type InviteLink struct {
	ID        string    `json:"id"`
	Link      string    `json:"link"`
	Code      string    `json:"code"` // e.g. "K7PQ-4XM9"
	ExpiresAt time.Time `json:"expiresAt"`
}

// codeAlphabet leaves out look-alikes (0/O, 1/I/L) so a code read aloud
// survives; 8 symbols of 31 carry about 40 bits.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CreateInvite makes a single-use link and short code that join a person on
// site to an assist with agent. pageURL is where the link sends the person;
// empty means the site's first allowed origin.
func (s *Service) CreateInvite(ctx context.Context, agent *tandem.User, siteID, pageURL string, ttl time.Duration) (*InviteLink, error) {
	return s.createInvite(ctx, agent.ID, siteID, pageURL, ttl)
}

// createInvite makes an invite of agentID, or of no agent (a bot's).
func (s *Service) createInvite(ctx context.Context, agentID, siteID, pageURL string, ttl time.Duration) (*InviteLink, error) {
	site, err := s.store.SiteByID(ctx, siteID)
	if err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = s.cfg.InviteTTL
	}
	if ttl > 7*24*time.Hour {
		return nil, tandem.Errorf(tandem.EInvalid, "an invite may last at most 7 days")
	}
	target, err := inviteTarget(site, pageURL)
	if err != nil {
		return nil, err
	}
	token := randomToken(32)
	code := randomCode(8)
	now := s.cfg.Now()
	inv := &tandem.Invite{
		SiteID:    site.ID,
		AgentID:   agentID,
		TokenHash: hashSecret(token),
		CodeHash:  hashSecret(normalizeCode(code)),
		URL:       target,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	if err := s.store.CreateInvite(ctx, inv); err != nil {
		return nil, fmt.Errorf("create invite: %w", err)
	}
	if agentID != "" {
		s.audit(ctx, inv.ID, "agent:"+agentID, "invite.create", site.Name)
	}
	return &InviteLink{
		ID:        inv.ID,
		Link:      target + "#tandem-invite=" + token,
		Code:      code[:4] + "-" + code[4:],
		ExpiresAt: inv.ExpiresAt,
	}, nil
}

// inviteTarget checks that pageURL belongs to one of the site's origins.
func inviteTarget(site *tandem.Site, pageURL string) (string, error) {
	if pageURL == "" {
		for _, o := range site.AllowedOrigins {
			if o != "*" {
				return o + "/", nil
			}
		}
		return "", tandem.Errorf(tandem.EInvalid, "the site has no origin to send the person to; give a page URL")
	}
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", tandem.Errorf(tandem.EInvalid, "url must be an absolute http(s) URL")
	}
	if !site.AllowsOrigin(u.Scheme + "://" + u.Host) {
		return "", tandem.Errorf(tandem.EInvalid, "url is not on one of the site's allowed origins")
	}
	u.Fragment = ""
	return u.String(), nil
}

// RedeemRequest is a person opening an invite link or typing its code.
type RedeemRequest struct {
	HelpRequest
	Token string `json:"token"`
	Code  string `json:"code"`
}

// RedeemInvite uses an invite and starts a live assist with the agent who
// made it. Opening the link or typing the code is the person's consent.
// An invite the person redeems from their support conversation (a bot's
// invite button, say: the request carries the conversation) links the
// assist to it, and the invite's agent joins it; without one, an invited
// assist has no conversation.
func (s *Service) RedeemInvite(ctx context.Context, req RedeemRequest) (*Started, error) {
	if req.ConversationID != "" {
		// Checked first: a bad link changes nothing, the invite stays usable.
		if err := s.checkConversationLink(ctx, req.HelpRequest); err != nil {
			return nil, err
		}
	}
	st, err := s.redeemInvite(ctx, req)
	if err != nil || req.ConversationID == "" {
		return st, err
	}
	s.linkConversation(ctx, st, req.ConversationID)
	if st.ConversationID != "" && st.Assist.AgentID != "" {
		if err := s.cfg.Conversations.AgentAccepted(ctx, st.Assist.ID, st.Assist.AgentID); err != nil {
			s.log.Error("join the assist's conversation", "assist", st.Assist.ID, "agent", st.Assist.AgentID, "err", err)
		}
	}
	return st, nil
}

func (s *Service) redeemInvite(ctx context.Context, req RedeemRequest) (*Started, error) {
	if (req.Token == "") == (req.Code == "") {
		return nil, tandem.Errorf(tandem.EInvalid, "give either an invite token or a code")
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if s.draining.Load() {
		return nil, errDraining // another node takes it
	}
	site, err := s.SiteForOrigin(ctx, req.SiteKey, req.Origin)
	if err != nil {
		return nil, err
	}
	var tokenHash, codeHash string
	if req.Token != "" {
		tokenHash = hashSecret(req.Token)
	} else {
		codeHash = hashSecret(normalizeCode(req.Code))
	}
	now := s.cfg.Now()
	// Only this site's invites are looked at: a code tried on another site
	// is not found there and stays usable where it belongs.
	inv, err := s.store.LiveInvite(ctx, site.ID, tokenHash, codeHash, now)
	if err != nil {
		return nil, inviteError(err)
	}
	if inv.AgentID == "" {
		return s.redeemBotInvite(ctx, req, site, inv, now)
	}
	agent, err := s.store.UserByID(ctx, inv.AgentID)
	if err != nil {
		return nil, fmt.Errorf("invite's agent: %w", err)
	}
	text := s.promptText(agent)
	a := &tandem.Assist{
		ID: newAssistID(), SiteID: site.ID, State: tandem.AssistLive, PersonID: personID(req.PersonID),
		PageID: req.PageID, PageURL: req.URL, UserAgent: req.UserAgent, Viewport: req.Viewport,
		CreatedAt: now, StartedAt: now,
	}
	if err := s.takeLease(ctx, a.ID); err != nil {
		return nil, fmt.Errorf("start assist: %w", err)
	}
	// One step: the invite is used, the assist made and the consent recorded
	// together, or nothing is (another person won the invite meanwhile).
	err = s.store.RedeemInvite(ctx, &store.InviteRedemption{
		InviteID: inv.ID, Now: now, Assist: a,
		Consent: &tandem.Consent{PersonID: a.PersonID, PageURL: req.URL, Method: "invite", Allowed: true, Text: text, At: now},
	})
	if err != nil {
		s.releaseLease(a.ID)
		return nil, inviteError(err)
	}
	l := s.open(a, site)
	l.mu.Lock()
	l.agentName, l.prompt = agent.Name, text
	err = s.startLiveLocked(l)
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.audit(ctx, a.ID, "person:"+a.PersonID, "invite.redeem", inv.ID)
	s.log.Info("web assist started from an invite", "assist", a.ID, "site", site.ID, "agent", agent.ID, "invite", inv.ID)
	s.observe(Observer.AssistStarted)
	s.notifyQueue()
	return &Started{Assist: a, PersonToken: s.personToken(a.ID)}, nil
}

// inviteError turns the store's answer into words for the person.
func inviteError(err error) error {
	switch tandem.ErrorCode(err) {
	case tandem.ENotFound:
		return tandem.Errorf(tandem.ENotFound, "this invite does not exist; check the code")
	case tandem.EExpired:
		return tandem.Errorf(tandem.EExpired, "this invite has expired; ask for a new one")
	case tandem.EUsed:
		return tandem.Errorf(tandem.EUsed, "this invite was used already; ask for a new one")
	}
	return err
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomCode(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = codeAlphabet[randIntn(len(codeAlphabet))]
	}
	return string(b)
}

// randIntn returns a uniform integer in [0,n) from crypto/rand.
func randIntn(n int) int {
	var b [1]byte
	for {
		_, _ = rand.Read(b[:])
		if limit := 256 - 256%n; int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// normalizeCode accepts codes typed in lower case, with spaces or dashes.
func normalizeCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// personToken is the person's credential for one assist: an HMAC of its id,
// so nothing needs storing and any node with the secret can check it.
func (s *Service) personToken(assistID string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("person:" + assistID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) validPersonToken(assistID, token string) bool {
	return hmac.Equal([]byte(token), []byte(s.personToken(assistID)))
}
