package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// CreateBot stores b, setting its ID and CreatedAt when empty.
func (db *DB) CreateBot(ctx context.Context, b *tandem.Bot) error {
	c := *b
	c.Scopes = slices.Clone(b.Scopes)
	if err := store.CheckBot(&c); err != nil {
		return err
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := db.w.ExecContext(ctx, `INSERT INTO bots (`+store.BotColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.OwnerID, c.Name, c.AvatarURL, c.Description, c.URL, c.InterfaceURL, store.EncodeScopes(c.Scopes), c.TokenHash,
		c.TokenID, c.SigningSecret, c.Recommended, toMillis(c.CreatedAt))
	if isUnique(err) {
		return tandem.Errorf(tandem.EConflict, "a bot named %q exists (or one with its id or token)", c.Name)
	}
	if err != nil {
		return fmt.Errorf("create bot: %w", err)
	}
	*b = c
	return nil
}

// BotByID returns the bot with the given id.
func (db *DB) BotByID(ctx context.Context, id string) (*tandem.Bot, error) {
	return db.oneBot(ctx, "id = ?", id, tandem.Errorf(tandem.ENotFound, "bot %q not found", id))
}

// BotByName returns the bot with the given name.
func (db *DB) BotByName(ctx context.Context, name string) (*tandem.Bot, error) {
	return db.oneBot(ctx, "name = ?", name, tandem.Errorf(tandem.ENotFound, "no bot named %q", name))
}

// BotByTokenHash returns the bot whose current token hashes to hash; a
// revoked token (an empty hash) finds none.
func (db *DB) BotByTokenHash(ctx context.Context, hash string) (*tandem.Bot, error) {
	if hash == "" {
		return nil, tandem.Errorf(tandem.ENotFound, "no bot has that token")
	}
	return db.oneBot(ctx, "token_hash = ? AND token_hash <> ''", hash, tandem.Errorf(tandem.ENotFound, "no bot has that token"))
}

// oneBot returns the bot where (a condition on value) holds, or
// notFound.
func (db *DB) oneBot(ctx context.Context, where, value string, notFound error) (*tandem.Bot, error) {
	b, err := store.ScanBot(db.r.QueryRowContext(ctx, `SELECT `+store.BotColumns+` FROM bots WHERE `+where, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("bot by %s: %w", where, err)
	}
	return b, nil
}

// ListBots returns the bots f selects, by name.
func (db *DB) ListBots(ctx context.Context, f store.BotFilter) ([]*tandem.Bot, error) {
	var where []string
	var args []any
	if f.OwnerID != "" {
		where = append(where, `owner_id = ?`)
		args = append(args, f.OwnerID)
	}
	if f.Recommended {
		where = append(where, `recommended = 1`)
	}
	if !f.Member.IsZero() {
		if err := store.CheckAccount(f.Member, "member"); err != nil {
			return nil, err
		}
		where = append(where, `'bot:' || id IN (SELECT bm.account FROM conversation_members me
			JOIN conversation_members bm ON bm.conversation_id = me.conversation_id WHERE me.account = ?)`)
		args = append(args, f.Member.String())
	}
	q := `SELECT ` + store.BotColumns + ` FROM bots`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	bs, err := queryRows(ctx, db.r, store.ScanBot, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list bots: %w", err)
	}
	return bs, nil
}

// UpdateBot writes every field of b but its ID, OwnerID and CreatedAt.
func (db *DB) UpdateBot(ctx context.Context, b *tandem.Bot) error {
	c := *b
	c.Scopes = slices.Clone(b.Scopes)
	return db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT owner_id FROM bots WHERE id = ?`, c.ID).Scan(&c.OwnerID)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "bot %q not found", c.ID)
		}
		if err != nil {
			return fmt.Errorf("update bot: %w", err)
		}
		if err := store.CheckBot(&c); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE bots SET name = ?, avatar_url = ?, description = ?, url = ?, interface_url = ?, scopes = ?,
			token_hash = ?, token_id = ?, signing_secret = ?, recommended = ? WHERE id = ?`,
			c.Name, c.AvatarURL, c.Description, c.URL, c.InterfaceURL, store.EncodeScopes(c.Scopes), c.TokenHash, c.TokenID,
			c.SigningSecret, c.Recommended, c.ID)
		if isUnique(err) {
			return tandem.Errorf(tandem.EConflict, "a bot named %q exists (or one with its token)", c.Name)
		}
		if err != nil {
			return fmt.Errorf("update bot: %w", err)
		}
		b.Scopes = c.Scopes
		return nil
	})
}

// DeleteBot deletes a bot, its memberships and its being any site's
// triage bot, in one transaction; its commands, hooks and deliveries go
// with it (foreign keys cascade).
func (db *DB) DeleteBot(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_members WHERE account = ?`, "bot:"+id); err != nil {
			return fmt.Errorf("delete bot's memberships: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET triage_bot_id = '' WHERE triage_bot_id = ?`, id); err != nil {
			return fmt.Errorf("delete bot from sites: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM bots WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete bot: %w", err)
		}
		return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "bot %q not found", id) })
	})
}

// CreateBotCommand stores c, setting its ID and CreatedAt when empty.
func (db *DB) CreateBotCommand(ctx context.Context, c *tandem.BotCommand) error {
	cc := *c
	if err := store.CheckBotCommand(&cc); err != nil {
		return err
	}
	setIDAndTime(&cc.ID, &cc.CreatedAt)
	_, err := db.w.ExecContext(ctx, `INSERT INTO bot_commands (`+store.BotCommandColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		cc.ID, cc.BotID, cc.Name, cc.Description, cc.Hint, cc.URL, toMillis(cc.CreatedAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "bot %q not found", cc.BotID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "the bot has a command /%s already", cc.Name)
	case err != nil:
		return fmt.Errorf("create command: %w", err)
	}
	*c = cc
	return nil
}

// BotCommands returns a bot's commands by name.
func (db *DB) BotCommands(ctx context.Context, botID string) ([]*tandem.BotCommand, error) {
	if _, err := db.BotByID(ctx, botID); err != nil {
		return nil, err
	}
	cs, err := queryRows(ctx, db.r, store.ScanBotCommand, `SELECT `+store.BotCommandColumns+` FROM bot_commands
		WHERE bot_id = ? ORDER BY name`, botID)
	if err != nil {
		return nil, fmt.Errorf("bot commands: %w", err)
	}
	return cs, nil
}

// DeleteBotCommand deletes a command.
func (db *DB) DeleteBotCommand(ctx context.Context, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM bot_commands WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete command: %w", err)
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "command %q not found", id) })
}

// CreateHook stores h, setting its ID and CreatedAt when empty.
func (db *DB) CreateHook(ctx context.Context, h *tandem.Hook) error {
	c := *h
	if err := store.CheckHook(&c); err != nil {
		return err
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := db.w.ExecContext(ctx, `INSERT INTO hooks (`+store.HookColumns+`) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.BotID, c.ConversationID, c.TokenHash, toMillis(c.CreatedAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "bot %q or conversation %q not found", c.BotID, c.ConversationID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "the bot has a hook in conversation %s already (or the token is in use)", c.ConversationID)
	case err != nil:
		return fmt.Errorf("create hook: %w", err)
	}
	*h = c
	return nil
}

// HookByTokenHash returns the hook whose token hashes to hash.
func (db *DB) HookByTokenHash(ctx context.Context, hash string) (*tandem.Hook, error) {
	if hash == "" {
		return nil, tandem.Errorf(tandem.ENotFound, "no hook has that token")
	}
	return db.oneHook(ctx, `token_hash = ?`, []any{hash}, "no hook has that token")
}

// HookFor returns the bot's hook in the conversation.
func (db *DB) HookFor(ctx context.Context, botID, conversationID string) (*tandem.Hook, error) {
	return db.oneHook(ctx, `bot_id = ? AND conversation_id = ?`, []any{botID, conversationID},
		fmt.Sprintf("bot %q has no hook in conversation %q", botID, conversationID))
}

func (db *DB) oneHook(ctx context.Context, where string, args []any, notFound string) (*tandem.Hook, error) {
	h, err := store.ScanHook(db.r.QueryRowContext(ctx, `SELECT `+store.HookColumns+` FROM hooks WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "%s", notFound)
	}
	if err != nil {
		return nil, fmt.Errorf("hook: %w", err)
	}
	return h, nil
}

// HooksForBot returns a bot's hooks, oldest first.
func (db *DB) HooksForBot(ctx context.Context, botID string) ([]*tandem.Hook, error) {
	if _, err := db.BotByID(ctx, botID); err != nil {
		return nil, err
	}
	hs, err := queryRows(ctx, db.r, store.ScanHook, `SELECT `+store.HookColumns+` FROM hooks WHERE bot_id = ?
		ORDER BY created_at, id`, botID)
	if err != nil {
		return nil, fmt.Errorf("hooks for bot: %w", err)
	}
	return hs, nil
}

// DeleteHook deletes a hook and removes its bot from its conversation, in
// one transaction.
func (db *DB) DeleteHook(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var botID, conversationID string
		err := tx.QueryRowContext(ctx, `DELETE FROM hooks WHERE id = ? RETURNING bot_id, conversation_id`, id).Scan(&botID, &conversationID)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "hook %q not found", id)
		}
		if err != nil {
			return fmt.Errorf("delete hook: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_members WHERE conversation_id = ? AND account = ?`,
			conversationID, "bot:"+botID); err != nil {
			return fmt.Errorf("delete hook's member: %w", err)
		}
		return nil
	})
}
