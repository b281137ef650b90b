package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
)

const inviteColumns = `id, site_id, agent_id, token_hash, code_hash, url, created_at, expires_at, used_at, assist_id`

// CreateInvite inserts inv, setting its ID and CreatedAt when empty. It needs
// a token hash or a code hash and an expiry; an unknown site is
// tandem.ENotFound and a token hash in use is tandem.EConflict.
func (db *DB) CreateInvite(ctx context.Context, inv *tandem.Invite) error {
	if inv.TokenHash == "" && inv.CodeHash == "" {
		return tandem.Errorf(tandem.EInvalid, "an invite needs a token hash or a code hash")
	}
	if inv.ExpiresAt.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "an invite needs an expiry")
	}
	c := *inv
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := db.w.ExecContext(ctx, `INSERT INTO invites (`+inviteColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.SiteID, c.AgentID, c.TokenHash, c.CodeHash, c.URL,
		toMillis(c.CreatedAt), toMillis(c.ExpiresAt), toMillis(c.UsedAt), c.AssistID)
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "site %q not found", c.SiteID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "an invite with this id or token exists")
	case err != nil:
		return fmt.Errorf("create invite: %w", err)
	}
	*inv = c
	return nil
}

// UseInvite marks the live invite with the given token hash or code hash as
// used at t and returns it. The single conditional UPDATE is what makes it
// safe under concurrent callers: only one of them changes the row. After a
// miss, the newest invite with that hash tells which error to give.
func (db *DB) UseInvite(ctx context.Context, tokenHash, codeHash string, t time.Time) (*tandem.Invite, error) {
	col, hash := "token_hash", tokenHash
	switch {
	case tokenHash != "" && codeHash != "":
		return nil, tandem.Errorf(tandem.EInvalid, "give an invite's token or its code, not both")
	case tokenHash == "" && codeHash == "":
		return nil, tandem.Errorf(tandem.EInvalid, "give an invite's token or its code")
	case codeHash != "":
		col, hash = "code_hash", codeHash
	}
	at := t.UnixMilli()
	use, newest := inviteQueries(col)
	var inv *tandem.Invite
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		inv, err = scanInvite(tx.QueryRowContext(ctx, use, at, hash, at))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var used sql.NullInt64
		err = tx.QueryRowContext(ctx, newest, hash).Scan(&used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return tandem.Errorf(tandem.ENotFound, "invite not found")
		case err != nil:
			return err
		case used.Valid:
			return tandem.Errorf(tandem.EUsed, "this invite was used already")
		default:
			return tandem.Errorf(tandem.EExpired, "this invite has expired")
		}
	})
	if err != nil {
		if tandem.ErrorCode(err) != tandem.EInternal {
			return nil, err
		}
		return nil, fmt.Errorf("use invite: %w", err)
	}
	return inv, nil
}

// inviteQueries returns UseInvite's queries for the hash column col: use
// marks the newest live invite with a hash (args: now, hash, now) used and
// returns it; newest reads the used_at of the newest invite with a hash.
// The hash is never empty, but both say so, for without that SQLite cannot
// use the partial index on col and reads every invite ever made.
func inviteQueries(col string) (use, newest string) {
	match := col + ` = ? AND ` + col + ` <> ''`
	use = `UPDATE invites SET used_at = ?
		WHERE id = (SELECT id FROM invites WHERE ` + match + ` AND used_at IS NULL AND expires_at > ?
		            ORDER BY created_at DESC, rowid DESC LIMIT 1)
		RETURNING ` + inviteColumns
	newest = `SELECT used_at FROM invites WHERE ` + match + ` ORDER BY created_at DESC, rowid DESC LIMIT 1`
	return use, newest
}

// SetInviteAssist records which assist a used invite created.
func (db *DB) SetInviteAssist(ctx context.Context, inviteID, assistID string) error {
	res, err := db.w.ExecContext(ctx, `UPDATE invites SET assist_id = ? WHERE id = ?`, assistID, inviteID)
	if err != nil {
		return fmt.Errorf("set invite assist: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "invite %q not found", inviteID) })
}

func scanInvite(s scanner) (*tandem.Invite, error) {
	var inv tandem.Invite
	var created, expires, used sql.NullInt64
	err := s.Scan(&inv.ID, &inv.SiteID, &inv.AgentID, &inv.TokenHash, &inv.CodeHash, &inv.URL,
		&created, &expires, &used, &inv.AssistID)
	if err != nil {
		return nil, err
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = fromMillis(created), fromMillis(expires), fromMillis(used)
	return &inv, nil
}
