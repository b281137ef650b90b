package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
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
	_, err := db.pool.Exec(ctx, `INSERT INTO invites (`+inviteColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.SiteID, c.AgentID, c.TokenHash, c.CodeHash, c.URL,
		toMillis(c.CreatedAt), toMillis(c.ExpiresAt), toMillis(c.UsedAt), c.AssistID)
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "site %q not found", c.SiteID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "an invite with this id or token exists")
	case err != nil:
		return wrapErr(err, "create invite")
	}
	*inv = c
	return nil
}

// LiveInvite returns the invite of siteID with the given token or code hash
// that may be redeemed at t. Only the site's own invites are looked at.
func (db *DB) LiveInvite(ctx context.Context, siteID, tokenHash, codeHash string, t time.Time) (*tandem.Invite, error) {
	col, hash, err := inviteHash(tokenHash, codeHash)
	if err != nil {
		return nil, err
	}
	// The newest invite of the site with that hash decides: a code may repeat
	// over time, and only the newest can be live. The hash is never empty,
	// but the query says so, so that the partial index on col applies.
	inv, err := scanInvite(db.pool.QueryRow(ctx, `SELECT `+inviteColumns+` FROM invites
		WHERE `+col+` = $1 AND `+col+` <> '' AND site_id = $2 ORDER BY created_at DESC, seq DESC LIMIT 1`, hash, siteID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, tandem.Errorf(tandem.ENotFound, "invite not found")
	case err != nil:
		return nil, wrapErr(err, "live invite")
	}
	if err := redeemable(inv, t); err != nil {
		return nil, err
	}
	return inv, nil
}

// inviteHash returns the column and value to look an invite up by.
func inviteHash(tokenHash, codeHash string) (col, hash string, err error) {
	switch {
	case tokenHash != "" && codeHash != "":
		return "", "", tandem.Errorf(tandem.EInvalid, "give an invite's token or its code, not both")
	case tokenHash == "" && codeHash == "":
		return "", "", tandem.Errorf(tandem.EInvalid, "give an invite's token or its code")
	case codeHash != "":
		return "code_hash", codeHash, nil
	}
	return "token_hash", tokenHash, nil
}

// redeemable returns why inv cannot be redeemed at t, or nil.
func redeemable(inv *tandem.Invite, t time.Time) error {
	switch {
	case !inv.UsedAt.IsZero():
		return tandem.Errorf(tandem.EUsed, "this invite was used already")
	case !t.Before(inv.ExpiresAt):
		return tandem.Errorf(tandem.EExpired, "this invite has expired")
	}
	return nil
}

// RedeemInvite uses an invite, creates its assist and records the consent in
// one transaction. The conditional UPDATE is what makes it safe under
// concurrent callers: a second caller waits for the first's row lock, then
// finds the invite used and changes nothing.
func (db *DB) RedeemInvite(ctx context.Context, r *store.InviteRedemption) error {
	if r.Assist == nil || r.Consent == nil || r.InviteID == "" || r.Now.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "a redemption needs an invite, a time, an assist and a consent")
	}
	a, c := *r.Assist, *r.Consent
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var agent string
		at := r.Now.UnixMilli()
		err := tx.QueryRow(ctx, `UPDATE invites SET used_at = $1
			WHERE id = $2 AND site_id = $3 AND used_at IS NULL AND expires_at > $1 RETURNING agent_id`,
			at, r.InviteID, a.SiteID).Scan(&agent)
		if errors.Is(err, pgx.ErrNoRows) {
			inv, err := scanInvite(tx.QueryRow(ctx, `SELECT `+inviteColumns+` FROM invites WHERE id = $1 AND site_id = $2`, r.InviteID, a.SiteID))
			if errors.Is(err, pgx.ErrNoRows) {
				return tandem.Errorf(tandem.ENotFound, "invite not found")
			}
			if err != nil {
				return err
			}
			return redeemable(inv, r.Now)
		}
		if err != nil {
			return err
		}
		a.AgentID = agent
		if err := insertAssist(ctx, tx, &a); err != nil {
			return err
		}
		c.AssistID, c.AgentID = a.ID, agent
		if err := insertConsent(ctx, tx, &c); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE invites SET assist_id = $1 WHERE id = $2`, a.ID, r.InviteID)
		return err
	})
	if err != nil {
		if tandem.ErrorCode(err) != tandem.EInternal {
			return err
		}
		return wrapErr(err, "redeem invite")
	}
	*r.Assist, *r.Consent = a, c
	return nil
}

func scanInvite(r pgx.Row) (*tandem.Invite, error) {
	var inv tandem.Invite
	var created, expires, used *int64
	err := r.Scan(&inv.ID, &inv.SiteID, &inv.AgentID, &inv.TokenHash, &inv.CodeHash, &inv.URL,
		&created, &expires, &used, &inv.AssistID)
	if err != nil {
		return nil, err
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = fromMillis(created), fromMillis(expires), fromMillis(used)
	return &inv, nil
}
