// Package admin is what admins do to agents, sites and the audit log: the
// rules behind both the console's administration screens (through the HTTP
// API) and the CLI. Every change is checked before anything is written and
// is written to the audit log, under the target's id ("user:ID",
// "site:ID") with the admin as the actor.
package admin

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Store is what administration reads and writes.
type Store interface {
	ListUsers(ctx context.Context) ([]*tandem.User, error)
	UserByID(ctx context.Context, id string) (*tandem.User, error)
	CreateUser(ctx context.Context, u *tandem.User) error
	UpdateUser(ctx context.Context, u *tandem.User) error
	AddUserKey(ctx context.Context, userID, authorizedKey string) error
	UserKeys(ctx context.Context, userID string) ([]string, error)
	RemoveUserKey(ctx context.Context, userID, fingerprint string) error
	CreateUserInvite(ctx context.Context, inv *store.UserInvite) error
	RedeemUserInvite(ctx context.Context, tokenHash, passwordHash string, now time.Time) (*tandem.User, error)
	ListSites(ctx context.Context) ([]*tandem.Site, error)
	SiteByID(ctx context.Context, id string) (*tandem.Site, error)
	CreateSite(ctx context.Context, s *tandem.Site) error
	UpdateSite(ctx context.Context, s *tandem.Site) error
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
	ListAudit(ctx context.Context, f store.AuditFilter) ([]*tandem.AuditEntry, error)
}

// Actions written to the audit log.
const (
	ActionInvite     = "admin.user.invite"
	ActionRedeem     = "admin.user.redeem"
	ActionRole       = "admin.user.role"
	ActionDisable    = "admin.user.disable"
	ActionEnable     = "admin.user.enable"
	ActionKeyAdd     = "admin.user.key.add"
	ActionKeyRemove  = "admin.user.key.remove"
	ActionSiteCreate = "admin.site.create"
	ActionSiteUpdate = "admin.site.update"
)

// DefaultInviteTTL is how long an agent's invite can be redeemed.
const DefaultInviteTTL = 72 * time.Hour

// Config configures a Service.
type Config struct {
	Store Store
	// InviteTTL is how long invites last (DefaultInviteTTL when zero).
	InviteTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
}

// Service administers agents and sites.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = DefaultInviteTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}
}

// RequireAdmin returns EForbidden unless u is an admin.
func RequireAdmin(u *tandem.User) error {
	if u == nil || u.Role != tandem.RoleAdmin {
		return tandem.Errorf(tandem.EForbidden, "only admins may do this")
	}
	return nil
}

// audit writes what an admin did. The change is made already, so a
// failure to record it is an error the caller reports (the admin retries
// knowing the change stands) rather than one that is swallowed.
func (s *Service) audit(ctx context.Context, by *tandem.User, target, action, detail string) error {
	actor := "system"
	if by != nil {
		actor = "agent:" + by.ID
	}
	e := &tandem.AuditEntry{SessionID: target, Actor: actor, Action: action, Detail: detail, At: s.cfg.Now()}
	if err := s.cfg.Store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s of %s: %w", action, target, err)
	}
	return nil
}

// Audit lists the audit log, newest first, as f selects.
func (s *Service) Audit(ctx context.Context, f store.AuditFilter) ([]*tandem.AuditEntry, error) {
	return s.cfg.Store.ListAudit(ctx, f)
}
