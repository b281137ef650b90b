// Package sharelink lets an agent share the replay of an ended assist or
// terminal session, or a done video export, through a link that expires: read-only, revocable, and
// audited on every view. The link carries a random token (TokenPrefix…);
// only its SHA-256 is stored, so the store cannot hand a link out again.
package sharelink

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/store"
)

// TokenPrefix starts every link token, so that a token found in a log or a
// chat says what it is.
const TokenPrefix = "tsl_"

// tokenChars is the length of a token after its prefix: rand.Text's 26
// base32 characters (130 bits).
const tokenChars = 26

// Expiry bounds of a link, and the expiry of one made without saying.
const (
	MinTTL     = time.Hour
	MaxTTL     = 30 * 24 * time.Hour
	DefaultTTL = 7 * 24 * time.Hour
)

// Audit actions on the shared assist's or session's log.
const (
	ActionCreate  = "share.create"
	ActionRevoke  = "share.revoke"
	ActionView    = "share.view"
	ActionRefused = "share.refused"
)

// notValid is what a visitor learns of a link that cannot be opened,
// whatever the reason: the reason goes to the audit log, not to whoever
// holds the link.
func notValid() error {
	return tandem.Errorf(tandem.ENotFound, "this link is not valid: it may have expired or been revoked")
}

// Store is what the service needs of the store.
type Store interface {
	store.ShareLinks
	AssistByID(ctx context.Context, id string) (*tandem.Assist, error)
	TerminalByID(ctx context.Context, id string) (*store.Terminal, error)
	VideoExportByID(ctx context.Context, id string) (*store.VideoExport, error)
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
}

// Config configures a Service.
type Config struct {
	Store  Store
	Now    func() time.Time // time.Now when nil; tests set a fake clock
	Logger *slog.Logger
}

// Service makes, lists, revokes and resolves share links.
type Service struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: c.Store, now: c.Now, log: c.Logger}
}

// CreateRequest is what an agent asks for when sharing.
type CreateRequest struct {
	Kind      string // store.ShareAssist, store.ShareTerminal or store.ShareVideo
	SubjectID string
	// TTL is how long the link works, MinTTL to MaxTTL; 0 is DefaultTTL.
	TTL time.Duration
	// NeedsAccount limits the link to signed-in console users.
	NeedsAccount bool
}

// Create makes a link for by and returns it with its token, which is not
// kept and cannot be had again. Only ended assists and sessions are
// shared, a live one's recording not being complete, and only done videos.
func (s *Service) Create(ctx context.Context, by *tandem.User, req CreateRequest) (*store.ShareLink, string, error) {
	ttl := req.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < MinTTL || ttl > MaxTTL {
		return nil, "", tandem.Errorf(tandem.EInvalid, "a link expires after 1 hour to 30 days, not %s", ttl)
	}
	if err := s.checkEnded(ctx, req.Kind, req.SubjectID); err != nil {
		return nil, "", err
	}
	if err := s.checkVideo(ctx, req.Kind, req.SubjectID); err != nil {
		return nil, "", err
	}
	token := TokenPrefix + strings.ToLower(rand.Text())
	now := s.now().UTC().Truncate(time.Millisecond)
	l := &store.ShareLink{Kind: req.Kind, SubjectID: req.SubjectID, CreatedBy: by.ID, CreatedAt: now, ExpiresAt: now.Add(ttl),
		NeedsAccount: req.NeedsAccount, TokenHash: auth.HashToken(token)}
	if err := s.store.CreateShareLink(ctx, l); err != nil {
		return nil, "", fmt.Errorf("create share link: %w", err)
	}
	who := "anyone with the link"
	if l.NeedsAccount {
		who = "console users"
	}
	s.audit(ctx, l, "agent:"+by.ID, ActionCreate, fmt.Sprintf("link %s for %s until %s", l.ID, who, l.ExpiresAt.Format(time.RFC3339)))
	return l, token, nil
}

// checkEnded returns nil when the subject exists and has ended.
func (s *Service) checkEnded(ctx context.Context, kind, id string) error {
	switch kind {
	case store.ShareAssist:
		a, err := s.store.AssistByID(ctx, id)
		if err != nil {
			return err
		}
		if a.State != tandem.AssistEnded {
			return tandem.Errorf(tandem.EConflict, "the assist is still %s; its replay can be shared once it ends", a.State)
		}
	case store.ShareTerminal:
		t, err := s.store.TerminalByID(ctx, id)
		if err != nil {
			return err
		}
		if t.EndedAt.IsZero() {
			return tandem.Errorf(tandem.EConflict, "the terminal session is still live; its replay can be shared once it ends")
		}
		if t.RecordingID == "" {
			return tandem.Errorf(tandem.EConflict, "the terminal session has no recording to share")
		}
	case store.ShareVideo:
		// checkVideo decides.
	default:
		return tandem.Errorf(tandem.EInvalid, "only the replays of assists and terminal sessions and videos are shared here, not %q", kind)
	}
	return nil
}

// checkVideo returns nil unless kind is a video whose export is missing
// or not done: a link shares a video that exists, and opens only while
// it does (a deleted export's link is not valid any more).
func (s *Service) checkVideo(ctx context.Context, kind, id string) error {
	if kind != store.ShareVideo {
		return nil
	}
	v, err := s.store.VideoExportByID(ctx, id)
	if err != nil {
		return err
	}
	if v.State != store.VideoDone {
		return tandem.Errorf(tandem.EConflict, "video export %s is %s: a video can be shared once it is done", id, v.State)
	}
	return nil
}

// List returns the links u made, or everyone's for an admin, newest first.
func (s *Service) List(ctx context.Context, u *tandem.User) ([]*store.ShareLink, error) {
	by := u.ID
	if u.Role == tandem.RoleAdmin {
		by = ""
	}
	return s.store.ListShareLinks(ctx, by, 0)
}

// Revoke ends a link at once. An agent revokes their own links, an admin
// anyone's; another agent's link is ENotFound, as if it did not exist.
func (s *Service) Revoke(ctx context.Context, u *tandem.User, id string) (*store.ShareLink, error) {
	l, err := s.store.ShareLinkByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if l.CreatedBy != u.ID && u.Role != tandem.RoleAdmin {
		return nil, tandem.Errorf(tandem.ENotFound, "no such share link")
	}
	at := s.now().UTC().Truncate(time.Millisecond)
	if err := s.store.RevokeShareLink(ctx, id, at); err != nil {
		return nil, fmt.Errorf("revoke share link: %w", err)
	}
	if l.RevokedAt.IsZero() {
		l.RevokedAt = at
		s.audit(ctx, l, "agent:"+u.ID, ActionRevoke, "link "+l.ID)
	}
	return l, nil
}

// Visitor is who opens a link: a signed-in console user, or nobody known,
// and the address the request came from (netx.ClientAddr).
type Visitor struct {
	User *tandem.User // nil when not signed in
	Addr string
}

// actor names v in the audit log.
func (v Visitor) actor(l *store.ShareLink) string {
	if v.User != nil {
		return "agent:" + v.User.ID
	}
	return "link:" + l.ID
}

// Resolve returns the link token opens for v. A token that is malformed,
// unknown, expired or revoked is one error, "this link is not valid"
// (ENotFound), whose reason goes to the audit log; a link for console users
// opened by a visitor who is not signed in is EUnauthorized, so that they
// can be sent to sign in and back. Every use is counted (view says it is a
// view, audited; the recording fetched by a page already shown is not
// another one, and its refusal is not audited again).
func (s *Service) Resolve(ctx context.Context, token string, v Visitor, view bool) (*store.ShareLink, error) {
	if !WellFormed(token) {
		return nil, notValid()
	}
	l, err := s.store.ShareLinkByToken(ctx, auth.HashToken(token))
	if tandem.ErrorCode(err) == tandem.ENotFound {
		s.log.Info("share link refused: unknown token", "addr", v.Addr)
		return nil, notValid()
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case !l.RevokedAt.IsZero():
		s.refuse(ctx, l, v, view, "revoked")
		return nil, notValid()
	case !now.Before(l.ExpiresAt):
		s.refuse(ctx, l, v, view, "expired")
		return nil, notValid()
	case l.NeedsAccount && v.User == nil:
		return nil, tandem.Errorf(tandem.EUnauthorized, "this link is for console users: sign in to open it")
	}
	if err := s.checkVideo(ctx, l.Kind, l.SubjectID); tandem.ErrorCode(err) == tandem.ENotFound || tandem.ErrorCode(err) == tandem.EConflict {
		s.refuse(ctx, l, v, view, "video gone")
		return nil, notValid()
	} else if err != nil {
		return nil, err
	}
	if view {
		if err := s.store.UseShareLink(ctx, l.ID, now.UTC().Truncate(time.Millisecond)); err != nil {
			return nil, fmt.Errorf("count a use of share link: %w", err)
		}
		// A view that cannot be audited is not shown.
		if err := s.audit(ctx, l, v.actor(l), ActionView, "link "+l.ID+" from "+v.Addr); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// refuse audits a known link that could not be opened, and why: once per
// page opened (view), not again for the recording the page then asks for.
func (s *Service) refuse(ctx context.Context, l *store.ShareLink, v Visitor, view bool, why string) {
	if view {
		s.audit(ctx, l, v.actor(l), ActionRefused, "link "+l.ID+" "+why+", from "+v.Addr)
	}
}

// audit appends to the shared subject's log, the record of who saw what
// (a video's: the log of the assist or session it shows). A failure is
// logged and returned: a view refuses then, while a link made or revoked
// stays so.
func (s *Service) audit(ctx context.Context, l *store.ShareLink, actor, action, detail string) error {
	subject := l.SubjectID
	if l.Kind == store.ShareVideo {
		detail = "video " + l.SubjectID + ": " + detail
		if v, err := s.store.VideoExportByID(ctx, l.SubjectID); err == nil {
			subject = v.SubjectID
		}
	}
	e := &tandem.AuditEntry{SessionID: subject, Actor: actor, Action: action, Detail: detail, At: s.now().UTC()}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.Error("share link audit failed", "link", l.ID, "action", action, "err", err)
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// WellFormed reports whether token has the shape of a link token, so that
// anything else is refused before it reaches the store.
func WellFormed(token string) bool {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || len(rest) != tokenChars {
		return false
	}
	for _, c := range rest {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// Now is the service's clock, by which a link is expired or not.
func (s *Service) Now() time.Time { return s.now() }
