package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// CreateShareLink stores l, setting its ID and CreatedAt when empty.
func (db *DB) CreateShareLink(ctx context.Context, l *store.ShareLink) error {
	c := *l
	setIDAndTime(&c.ID, &c.CreatedAt)
	if err := store.CheckShareLink(&c); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO share_links (`+store.ShareLinkColumns+`) VALUES (`+marks(11)+`)`, store.ShareLinkArgs(&c)...)
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "user %q not found", c.CreatedBy)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "a share link with that id or token exists")
	case err != nil:
		return fmt.Errorf("create share link: %w", err)
	}
	*l = c
	return nil
}

// ShareLinkByID returns the link with the given id, or ENotFound.
func (db *DB) ShareLinkByID(ctx context.Context, id string) (*store.ShareLink, error) {
	return db.shareLink(ctx, `id = ?`, id)
}

// ShareLinkByToken returns the link whose token hashes to tokenHash, or
// ENotFound.
func (db *DB) ShareLinkByToken(ctx context.Context, tokenHash string) (*store.ShareLink, error) {
	return db.shareLink(ctx, `token_hash = ?`, tokenHash)
}

func (db *DB) shareLink(ctx context.Context, where, arg string) (*store.ShareLink, error) {
	l, err := store.ScanShareLink(db.r.QueryRowContext(ctx, `SELECT `+store.ShareLinkColumns+` FROM share_links WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no such share link")
	}
	if err != nil {
		return nil, fmt.Errorf("read share link: %w", err)
	}
	return l, nil
}

// ListShareLinks returns createdBy's links ("" for everyone's), newest
// first.
func (db *DB) ListShareLinks(ctx context.Context, createdBy string, limit int) ([]*store.ShareLink, error) {
	limit, err := store.ShareLimit(limit)
	if err != nil {
		return nil, err
	}
	ls, err := queryRows(ctx, db.r, store.ScanShareLink, `SELECT `+store.ShareLinkColumns+` FROM share_links
		WHERE (? = '' OR created_by = ?) ORDER BY created_at DESC, id DESC LIMIT ?`, createdBy, createdBy, limit)
	if err != nil {
		return nil, fmt.Errorf("list share links: %w", err)
	}
	return ls, nil
}

// RevokeShareLink marks the link revoked at at, once.
func (db *DB) RevokeShareLink(ctx context.Context, id string, at time.Time) error {
	if err := store.CheckNow(at, "revoking a link"); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `UPDATE share_links SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, toMillis(at), id)
	if err != nil {
		return fmt.Errorf("revoke share link: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "no such share link") })
}

// UseShareLink counts one use of the link at at.
func (db *DB) UseShareLink(ctx context.Context, id string, at time.Time) error {
	if err := store.CheckNow(at, "using a link"); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `UPDATE share_links SET uses = uses + 1, last_used_at = ? WHERE id = ?`, toMillis(at), id)
	if err != nil {
		return fmt.Errorf("use share link: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "no such share link") })
}
