// Package store declares the interface to Tandem's durable state: users,
// sites, login sessions, assists, consent, invites, pages, terminal sessions,
// the audit log, conversations, bots, the outbox of requests owed to bots, and
// the passport (single sign-on). Backends live in sub-packages (store/sqlite, later
// store/postgres) and are checked by the shared suite in store/storetest.
//
// Capabilities do not import this package's Store whole: each declares the
// few methods it needs as a small interface of its own, and the wiring in
// cmd/tandem hands them the backend.
package store

import (
	"context"
	"time"

	"github.com/tandemhq/tandem"
)

// Store is everything a backend provides. Every method that is given an id
// that does not exist returns a *tandem.Error with code tandem.ENotFound;
// creating something whose unique field exists returns tandem.EConflict.
type Store interface {
	Users
	Sites
	LoginSessions
	Assists
	Invites
	Audit
	Terminals
	Leases
	Recordings
	Secrets
	Conversations
	Bots
	Outbox
	Passport
	ConsoleCodes
	ShareLinks
	VideoExports
	Availability
	Copier
	Pinger
	Close() error
}

// Users are the accounts of agents and admins.
type Users interface {
	CreateUser(ctx context.Context, u *tandem.User) error // sets ID and CreatedAt when empty
	UserByID(ctx context.Context, id string) (*tandem.User, error)
	UserByEmail(ctx context.Context, email string) (*tandem.User, error)
	ListUsers(ctx context.Context) ([]*tandem.User, error)
	DeleteUser(ctx context.Context, id string) error
	// AddUserKey registers an SSH public key (authorized_keys line) for a user,
	// so that agents can join terminal sessions with their own key.
	AddUserKey(ctx context.Context, userID, authorizedKey string) error
	UserKeys(ctx context.Context, userID string) ([]string, error)
	// UserByKeyFingerprint finds the user owning a key by its SHA256 fingerprint.
	UserByKeyFingerprint(ctx context.Context, fingerprint string) (*tandem.User, error)
	// UpdateUser writes u's name, role and DisabledAt (after CheckUser).
	// Disabling a user deletes their login sessions in the same step, so
	// that they are signed out at once.
	UpdateUser(ctx context.Context, u *tandem.User) error
	// RemoveUserKey removes the key with the given SHA256 fingerprint from
	// a user; ENotFound when the user has no such key.
	RemoveUserKey(ctx context.Context, userID, fingerprint string) error
	// CreateUserInvite stores an invite to set the password of a user.
	CreateUserInvite(ctx context.Context, inv *UserInvite) error
	// RedeemUserInvite is one atomic step: the invite with tokenHash, if
	// unexpired at now, is deleted and its user's password hash set to
	// passwordHash. ENotFound for no such invite (or one used before),
	// EExpired when now is past its ExpiresAt.
	RedeemUserInvite(ctx context.Context, tokenHash, passwordHash string, now time.Time) (*tandem.User, error)
}

// UserInvite lets a new user set their password once. Only the token's
// hash is kept.
type UserInvite struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Sites are the web properties that embed the SDK.
type Sites interface {
	CreateSite(ctx context.Context, s *tandem.Site) error // sets ID, Key and CreatedAt when empty
	SiteByID(ctx context.Context, id string) (*tandem.Site, error)
	SiteByKey(ctx context.Context, key string) (*tandem.Site, error)
	ListSites(ctx context.Context) ([]*tandem.Site, error)
	UpdateSite(ctx context.Context, s *tandem.Site) error
	DeleteSite(ctx context.Context, id string) error
}

// LoginSession is a signed-in console session. Only the token's hash is kept.
type LoginSession struct {
	TokenHash string
	UserID    string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// LoginSessions are the console's cookie sessions.
type LoginSessions interface {
	CreateLoginSession(ctx context.Context, s *LoginSession) error
	LoginSessionByHash(ctx context.Context, tokenHash string) (*LoginSession, error)
	DeleteLoginSession(ctx context.Context, tokenHash string) error
	DeleteExpiredLoginSessions(ctx context.Context, now time.Time) error
}

// AssistFilter selects assists for ListAssists and CountAssists. Zero fields
// match all.
type AssistFilter struct {
	States []tandem.AssistState
	SiteID string
	// Oldest lists the oldest first; the default is the newest first.
	Oldest bool
	// After continues a listing in the same order after the assist that
	// this cursor (AssistCursor) names; "" starts at the beginning.
	After string
	Limit int // 0 means a backend default (100); at most MaxAssistLimit
}

// Assists are web assistance sessions with their consent records and pages.
type Assists interface {
	CreateAssist(ctx context.Context, a *tandem.Assist) error // sets ID and CreatedAt when empty
	// CreateWaitingAssist creates a, whose state must be waiting (or empty),
	// unless its site already has max or more waiting assists: then nothing
	// is written and the error is tandem.EUnavailable. The count and the
	// insert are one atomic step (a backend serialises them per site), so
	// that requests racing on any number of servers cannot pass max together.
	CreateWaitingAssist(ctx context.Context, a *tandem.Assist, max int) error
	AssistByID(ctx context.Context, id string) (*tandem.Assist, error)
	// UpdateAssist writes every mutable field of a (state, agent, times,
	// reason, viewport) if, and only if, the stored state is still from: a
	// compare-and-set, so that of two writers that both saw from (two agents
	// accepting at once, on one server or two) exactly one moves the assist
	// on and the other gets tandem.EConflict with nothing changed. The move
	// from → a.State must be one CheckTransition allows (else EInvalid).
	UpdateAssist(ctx context.Context, a *tandem.Assist, from tandem.AssistState) error
	// ListAssists returns the assists f selects, newest first (or oldest
	// first), ties in CreatedAt broken by ID, so that paging with After
	// returns each assist once.
	ListAssists(ctx context.Context, f AssistFilter) ([]*tandem.Assist, error)
	// CountAssists returns how many assists f selects, by state; a state with
	// none is absent. After, Oldest and Limit do not apply.
	CountAssists(ctx context.Context, f AssistFilter) (map[tandem.AssistState]int, error)
	RecordConsent(ctx context.Context, c *tandem.Consent) error
	ConsentsFor(ctx context.Context, assistID string) ([]*tandem.Consent, error)
	// AddPage records a page visited in an assist; a repeat of the same
	// (assist, page id, hash) is ignored.
	AddPage(ctx context.Context, p *tandem.Page) error
	PagesFor(ctx context.Context, assistID string) ([]*tandem.Page, error) // in time order
}

// InviteRedemption is what RedeemInvite does in one step.
type InviteRedemption struct {
	InviteID string
	Now      time.Time
	// Assist is created on the invite's site with the invite's agent (its
	// SiteID must be the invite's; AgentID is set from the invite), as
	// CreateAssist creates it.
	Assist *tandem.Assist
	// Consent is recorded for the new assist (AssistID and AgentID are set).
	Consent *tandem.Consent
}

// Invites are one-time links and codes. Every lookup is scoped to a site: an
// invite made for one site does not exist for another.
type Invites interface {
	CreateInvite(ctx context.Context, inv *tandem.Invite) error // sets ID and CreatedAt when empty
	// LiveInvite returns the invite of siteID with the given token hash or
	// code hash (one of them set) that may be redeemed at now, changing
	// nothing. It returns tandem.ENotFound for no such invite on that site,
	// tandem.EExpired when now is past its ExpiresAt and tandem.EUsed when
	// it was used before.
	LiveInvite(ctx context.Context, siteID, tokenHash, codeHash string, now time.Time) (*tandem.Invite, error)
	// RedeemInvite is one atomic step: the invite r.InviteID, if it belongs
	// to r.Assist.SiteID and is unused and unexpired at r.Now, is marked used
	// and linked to r.Assist, which is created, and r.Consent is recorded.
	// All of it happens or none of it: when the invite cannot be redeemed
	// (another caller won it, it expired, or it is another site's) the error
	// is LiveInvite's, and when a write fails nothing is left behind.
	RedeemInvite(ctx context.Context, r *InviteRedemption) error
}

// Audit is the append-only log of what was done to a session.
type Audit interface {
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error                  // sets ID, and At when zero
	AuditFor(ctx context.Context, sessionID string) ([]*tandem.AuditEntry, error) // in time order
	// AuditForSessions returns the entries with the given action (such as
	// "join") of many sessions at once, by session id, each session's in
	// time order; a session with none is not in the map. It is one query,
	// for listings that would otherwise read each session's whole log. At
	// most MaxAuditSessions ids (see CheckAuditForSessions).
	AuditForSessions(ctx context.Context, sessionIDs []string, action string) (map[string][]*tandem.AuditEntry, error)
	// ListAudit returns the entries f selects, newest first (by ID).
	ListAudit(ctx context.Context, f AuditFilter) ([]*tandem.AuditEntry, error)
}

// AuditFilter selects entries for ListAudit. Zero fields match all.
type AuditFilter struct {
	Actor     string
	Action    string
	SessionID string
	// Before continues a listing after the entry with this ID (the last of
	// the previous page); 0 starts with the newest.
	Before int64
	Limit  int // 1 to MaxAuditLimit; 0 means MaxAuditLimit
}

// MaxAuditLimit is the most entries one ListAudit returns.
const MaxAuditLimit = 200

// AuditLimit is f's limit as backends apply it, or EInvalid.
func (f AuditFilter) AuditLimit() (int, error) {
	switch {
	case f.Limit == 0:
		return MaxAuditLimit, nil
	case f.Limit < 0 || f.Limit > MaxAuditLimit:
		return 0, tandem.Errorf(tandem.EInvalid, "limit must be 1 to %d", MaxAuditLimit)
	}
	return f.Limit, nil
}

// Terminal is one terminal-assistance session (a host sharing its terminal).
type Terminal struct {
	ID          string
	HostKey     string // the host's public key, authorized_keys form; cleared when the session ends
	HostName    string
	Command     string
	ReadOnly    bool
	Approve     bool
	CreatedAt   time.Time
	EndedAt     time.Time
	EndReason   string
	RecordingID string
	// RecordInput says whether what helpers type is recorded and kept in
	// the audit log (the host opted in); otherwise only its size is.
	RecordInput bool
}

// Terminals are terminal-assistance sessions.
type Terminals interface {
	CreateTerminal(ctx context.Context, t *Terminal) error
	TerminalByID(ctx context.Context, id string) (*Terminal, error)
	// EndTerminal marks the session ended and deletes the host's registered key.
	EndTerminal(ctx context.Context, id, reason string, at time.Time) error
	ListTerminals(ctx context.Context, liveOnly bool, limit int) ([]*Terminal, error) // newest first
	// EndLiveTerminals ends every session not ended yet, as EndTerminal
	// does, and returns their ids: at start, sessions that a previous run
	// left live lost their host with that process.
	EndLiveTerminals(ctx context.Context, reason string, at time.Time) ([]string, error)
}
