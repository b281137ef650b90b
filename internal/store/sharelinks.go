package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/tandemhq/tandem"
)

// Kinds of what a share link shares (ShareLink.Kind).
const (
	ShareAssist   = "assist"   // the replay of an ended assist
	ShareTerminal = "terminal" // the replay of an ended terminal session
	ShareVideo    = "video"    // a video export (its job's id)
)

// MaxShareLinks is the most links ListShareLinks returns at once.
const MaxShareLinks = 500

// ShareLink is a link that lets its holder watch one recording, read-only,
// until it expires or is revoked. Only the hash of its token is kept.
type ShareLink struct {
	ID        string
	Kind      string // ShareAssist, ShareTerminal or ShareVideo
	SubjectID string // the assist, terminal session or export job shared
	CreatedBy string // the user who made the link
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero while not revoked
	// NeedsAccount says that only signed-in console users may open the
	// link; otherwise anyone who holds it may.
	NeedsAccount bool
	TokenHash    string
	LastUsedAt   time.Time // zero until first opened
	Uses         int64
}

// ShareLinks are the share links of recordings.
type ShareLinks interface {
	// CreateShareLink stores l, setting ID and CreatedAt when empty;
	// ENotFound for a missing creator, EConflict for a token hash in use.
	CreateShareLink(ctx context.Context, l *ShareLink) error
	ShareLinkByID(ctx context.Context, id string) (*ShareLink, error)
	// ShareLinkByToken returns the link whose token has the given hash,
	// revoked or expired ones too (the caller says why it is refused).
	ShareLinkByToken(ctx context.Context, tokenHash string) (*ShareLink, error)
	// ListShareLinks returns the links createdBy made ("" for everyone's),
	// newest first, at most limit (0: MaxShareLinks).
	ListShareLinks(ctx context.Context, createdBy string, limit int) ([]*ShareLink, error)
	// RevokeShareLink marks the link revoked at at; revoking a revoked
	// link keeps the first time. ENotFound for no such link.
	RevokeShareLink(ctx context.Context, id string, at time.Time) error
	// UseShareLink counts one use of the link at at.
	UseShareLink(ctx context.Context, id string, at time.Time) error
}

// ShareLinkColumns are the columns ShareLinkArgs writes and ScanShareLink
// reads, in order.
const ShareLinkColumns = `id, kind, subject_id, created_by, created_at, expires_at, revoked_at, needs_account, token_hash, last_used_at, uses`

// ShareLinkArgs returns l's values in ShareLinkColumns order.
func ShareLinkArgs(l *ShareLink) []any {
	return []any{l.ID, l.Kind, l.SubjectID, l.CreatedBy, Millis(l.CreatedAt), Millis(l.ExpiresAt), Millis(l.RevokedAt),
		l.NeedsAccount, l.TokenHash, Millis(l.LastUsedAt), l.Uses}
}

// ScanShareLink scans one row of ShareLinkColumns.
func ScanShareLink(s Scanner) (*ShareLink, error) {
	var l ShareLink
	var created, expires, revoked, used sql.NullInt64
	if err := s.Scan(&l.ID, &l.Kind, &l.SubjectID, &l.CreatedBy, &created, &expires, &revoked, &l.NeedsAccount,
		&l.TokenHash, &used, &l.Uses); err != nil {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt, l.RevokedAt, l.LastUsedAt = fromMillis(created), fromMillis(expires), fromMillis(revoked), fromMillis(used)
	return &l, nil
}

// CheckShareLink validates a new link: its kind, ids, token hash and
// expiry, and that it is neither revoked nor used yet.
func CheckShareLink(l *ShareLink) error {
	switch l.Kind {
	case ShareAssist, ShareTerminal, ShareVideo:
	default:
		return tandem.Errorf(tandem.EInvalid, "a share link shares an assist, a terminal session or a video, not %q", l.Kind)
	}
	if err := checkID(l.ID, "share link"); err != nil {
		return err
	}
	if err := checkID(l.SubjectID, "the shared "+l.Kind); err != nil {
		return err
	}
	if err := checkID(l.CreatedBy, "user"); err != nil {
		return err
	}
	if err := checkHash(l.TokenHash, "the link's token hash"); err != nil {
		return err
	}
	if !l.RevokedAt.IsZero() || !l.LastUsedAt.IsZero() || l.Uses != 0 {
		return tandem.Errorf(tandem.EInvalid, "a new share link is neither revoked nor used")
	}
	return checkExpiry(l.CreatedAt, l.ExpiresAt, "a share link")
}

// ShareLimit returns limit, or MaxShareLinks for 0, or EInvalid.
func ShareLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return MaxShareLinks, nil
	case limit < 0 || limit > MaxShareLinks:
		return 0, tandem.Errorf(tandem.EInvalid, "a listing of share links holds 1 to %d", MaxShareLinks)
	}
	return limit, nil
}
