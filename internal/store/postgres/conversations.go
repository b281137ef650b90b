package postgres

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// CreateConversation stores c and its first members in one transaction.
func (db *DB) CreateConversation(ctx context.Context, c *tandem.Conversation, members []*tandem.Member) error {
	cc := *c
	if err := store.CheckConversation(&cc); err != nil {
		return err
	}
	setIDAndTime(&cc.ID, &cc.CreatedAt)
	if cc.UpdatedAt.IsZero() {
		cc.UpdatedAt = cc.CreatedAt
	}
	cc.LastSeq, cc.LastMessageAt = 0, time.Time{}
	ms := make([]*tandem.Member, len(members))
	for i, m := range members {
		if m == nil {
			return tandem.Errorf(tandem.EInvalid, "a nil member")
		}
		mm := *m
		mm.Granted = slices.Clone(m.Granted)
		if mm.JoinedAt.IsZero() {
			mm.JoinedAt = cc.CreatedAt
		}
		ms[i] = &mm
	}
	if err := store.CheckNewMembers(&cc, ms); err != nil {
		return err
	}
	err := db.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO conversations (`+store.ConversationColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, NULL)`,
			cc.ID, string(cc.Kind), cc.Name, cc.AvatarURL, cc.Description, store.NullString(cc.SiteID), cc.AssistID, cc.Queued,
			cc.Summary, cc.CreatedBy.String(), toMillis(cc.CreatedAt), toMillis(cc.UpdatedAt))
		switch {
		case isForeignKey(err):
			return tandem.Errorf(tandem.ENotFound, "site %q not found", cc.SiteID)
		case isUnique(err):
			return tandem.Errorf(tandem.EConflict, "a conversation with id %q exists", cc.ID)
		case err != nil:
			return wrapErr(err, "create conversation")
		}
		for _, m := range ms {
			if err := insertMember(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	*c = cc
	for i, m := range members {
		*m = *ms[i]
	}
	return nil
}

// accountExists returns tandem.ENotFound when a is a user or bot that does
// not exist, and otherwise locks its row until tx ends, so that DeleteBot
// (which locks the bot first) cannot leave a membership behind. People
// exist as their support conversation does.
func accountExists(ctx context.Context, tx pgx.Tx, a tandem.Account) error {
	var q string
	switch a.Kind {
	case tandem.AccountUser:
		q = `SELECT 1 FROM users WHERE id = $1 FOR SHARE`
	case tandem.AccountBot:
		q = `SELECT 1 FROM bots WHERE id = $1 FOR SHARE`
	default:
		return nil
	}
	var one int
	err := tx.QueryRow(ctx, q, a.ID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return tandem.Errorf(tandem.ENotFound, "%s %q not found", a.Kind, a.ID)
	}
	if err != nil {
		return wrapErr(err, "look up %s", a)
	}
	return nil
}

// insertMember inserts m (checked) in tx.
func insertMember(ctx context.Context, tx pgx.Tx, m *tandem.Member) error {
	if err := accountExists(ctx, tx, m.Account); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO conversation_members (`+store.MemberColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.ConversationID, m.Account.String(), m.AddedBy.String(), store.EncodeScopes(m.Granted), m.LastRead, toMillis(m.JoinedAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "conversation %q not found", m.ConversationID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "%s is a member of conversation %s already", m.Account, m.ConversationID)
	case err != nil:
		return wrapErr(err, "add member")
	}
	return nil
}

// ConversationByID returns the conversation with the given id.
func (db *DB) ConversationByID(ctx context.Context, id string) (*tandem.Conversation, error) {
	return db.oneConversation(ctx, `WHERE id = $1`, id)
}

// ConversationForAssist returns the newest support conversation linked to
// the assist.
func (db *DB) ConversationForAssist(ctx context.Context, assistID string) (*tandem.Conversation, error) {
	if assistID == "" {
		return nil, tandem.Errorf(tandem.ENotFound, "no conversation for an empty assist id")
	}
	c, err := db.oneConversation(ctx, `WHERE assist_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, assistID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, tandem.Errorf(tandem.ENotFound, "no conversation for assist %q", assistID)
	}
	return c, err
}

// ConversationsForAssists maps assists to their support conversations in
// one query; of several conversations of one assist, the newest wins, as
// in ConversationForAssist.
func (db *DB) ConversationsForAssists(ctx context.Context, assistIDs []string) (map[string]string, error) {
	if err := store.CheckAssistIDs(assistIDs); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(assistIDs))
	if len(assistIDs) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT assist_id, id FROM conversations WHERE assist_id = ANY($1) ORDER BY created_at, id`, assistIDs)
	if err != nil {
		return nil, wrapErr(err, "conversations of assists")
	}
	defer rows.Close()
	for rows.Next() {
		var assist, id string
		if err := rows.Scan(&assist, &id); err != nil {
			return nil, wrapErr(err, "conversations of assists")
		}
		out[assist] = id // later rows are newer
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(err, "conversations of assists")
	}
	return out, nil
}

func (db *DB) oneConversation(ctx context.Context, where string, arg string) (*tandem.Conversation, error) {
	c, err := store.ScanConversation(db.pool.QueryRow(ctx, `SELECT `+store.ConversationColumns+` FROM conversations `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "conversation %q not found", arg)
	}
	if err != nil {
		return nil, wrapErr(err, "conversation")
	}
	return c, nil
}

// UpdateConversation writes c's name, avatar, description, assist, queued
// and summary and sets its UpdatedAt. Its kind and site do not change.
func (db *DB) UpdateConversation(ctx context.Context, c *tandem.Conversation) error {
	cc := *c
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var kind string
		var site *string
		err := tx.QueryRow(ctx, `SELECT kind, site_id FROM conversations WHERE id = $1`, cc.ID).Scan(&kind, &site)
		if errors.Is(err, pgx.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "conversation %q not found", cc.ID)
		}
		if err != nil {
			return wrapErr(err, "update conversation")
		}
		cc.Kind, cc.SiteID = tandem.ConversationKind(kind), ""
		if site != nil {
			cc.SiteID = *site
		}
		if err := store.CheckConversation(&cc); err != nil {
			return err
		}
		cc.UpdatedAt = now()
		_, err = tx.Exec(ctx, `UPDATE conversations SET name = $1, avatar_url = $2, description = $3, assist_id = $4, queued = $5,
			summary = $6, updated_at = $7 WHERE id = $8`,
			cc.Name, cc.AvatarURL, cc.Description, cc.AssistID, cc.Queued, cc.Summary, toMillis(cc.UpdatedAt), cc.ID)
		if err != nil {
			return wrapErr(err, "update conversation")
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.Name, c.UpdatedAt = cc.Name, cc.UpdatedAt
	return nil
}

// DeleteConversation deletes a conversation; its members, messages,
// attachments, hooks and deliveries go with it (foreign keys cascade).
func (db *DB) DeleteConversation(ctx context.Context, id string) error {
	res, err := db.pool.Exec(ctx, `DELETE FROM conversations WHERE id = $1`, id)
	if err != nil {
		return wrapErr(err, "delete conversation")
	}
	return affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "conversation %q not found", id) })
}

// ListConversations returns the conversations f selects, newest activity
// first, each with the account's unread count and its newest message: one
// query, the newest message joined on (conversation, last_seq).
func (db *DB) ListConversations(ctx context.Context, f store.ConversationFilter) ([]*store.ConversationSummary, error) {
	if err := store.CheckConversationFilter(f); err != nil {
		return nil, err
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var from string
	var where []string
	if len(f.SiteIDs) > 0 {
		from = `conversations c LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.account = ` + arg(f.Member.String())
		where = append(where, `c.site_id = ANY(`+arg(f.SiteIDs)+`)`)
	} else {
		from = `conversation_members m JOIN conversations c ON c.id = m.conversation_id`
		where = append(where, `m.account = `+arg(f.Member.String()))
	}
	if f.Queued {
		where = append(where, `c.queued`)
	}
	if f.After != "" {
		t, id, _ := store.ParseConversationCursor(f.After) // checked above
		where = append(where, `(COALESCE(c.last_message_at, c.created_at), c.id) < (`+arg(t.UnixMilli())+`, `+arg(id)+`)`)
	}
	q := `SELECT ` + store.Prefix("c", store.ConversationColumns) + `,
		CASE WHEN m.account IS NULL THEN 0 ELSE c.last_seq - m.last_read END, ` + store.NullMessageColumns("msg") + `
		FROM ` + from + `
		LEFT JOIN messages msg ON msg.conversation_id = c.id AND msg.seq = c.last_seq
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT ` + arg(store.Limit(f.Limit))
	out, err := queryRows(ctx, db.pool, scanSummary, q, args...)
	if err != nil {
		return nil, wrapErr(err, "list conversations")
	}
	return out, nil
}

func scanSummary(s pgx.Row) (*store.ConversationSummary, error) {
	var cr store.ConversationRow
	var mr store.MessageRow
	var sum store.ConversationSummary
	if err := s.Scan(slices.Concat(cr.Dest(), []any{&sum.Unread}, mr.Dest())...); err != nil {
		return nil, err
	}
	var err error
	if sum.Conversation, err = cr.Conversation(); err != nil {
		return nil, err
	}
	if sum.Last, err = mr.Message(); err != nil {
		return nil, err
	}
	sum.Cursor = store.ConversationCursor(sum.Conversation)
	return &sum, nil
}

// AddMember adds m to its conversation, setting JoinedAt when zero. A
// person joins only their own support conversation, and a direct
// conversation keeps its two members.
func (db *DB) AddMember(ctx context.Context, m *tandem.Member) error {
	mm := *m
	mm.Granted = slices.Clone(m.Granted)
	if err := store.CheckMember(&mm); err != nil {
		return err
	}
	if mm.JoinedAt.IsZero() {
		mm.JoinedAt = now()
	}
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var kind string
		err := tx.QueryRow(ctx, `SELECT kind FROM conversations WHERE id = $1`, mm.ConversationID).Scan(&kind)
		if errors.Is(err, pgx.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "conversation %q not found", mm.ConversationID)
		}
		if err != nil {
			return wrapErr(err, "add member")
		}
		c := &tandem.Conversation{ID: mm.ConversationID, Kind: tandem.ConversationKind(kind)}
		if err := store.CheckMemberFits(c, mm.Account); err != nil {
			return err
		}
		if c.Kind == tandem.ConversationDirect {
			return tandem.Errorf(tandem.EInvalid, "a direct conversation keeps its two members; start a group to add more")
		}
		return insertMember(ctx, tx, &mm)
	})
	if err != nil {
		return err
	}
	*m = mm
	return nil
}

// RemoveMember removes an account from a conversation, and a bot's hook
// there with it, in one transaction.
func (db *DB) RemoveMember(ctx context.Context, conversationID string, a tandem.Account) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM conversation_members WHERE conversation_id = $1 AND account = $2`, conversationID, a.String())
		if err != nil {
			return wrapErr(err, "remove member")
		}
		if err := affected(res, func() error { return notMember(conversationID, a) }); err != nil {
			return err
		}
		if a.Kind == tandem.AccountBot {
			if _, err := tx.Exec(ctx, `DELETE FROM hooks WHERE bot_id = $1 AND conversation_id = $2`, a.ID, conversationID); err != nil {
				return wrapErr(err, "remove member's hook")
			}
		}
		return nil
	})
}

func notMember(conversationID string, a tandem.Account) error {
	return tandem.Errorf(tandem.ENotFound, "%s is not a member of conversation %q", a, conversationID)
}

// Member returns an account's membership of a conversation.
func (db *DB) Member(ctx context.Context, conversationID string, a tandem.Account) (*tandem.Member, error) {
	m, err := store.ScanMember(db.pool.QueryRow(ctx, `SELECT `+store.MemberColumns+` FROM conversation_members
		WHERE conversation_id = $1 AND account = $2`, conversationID, a.String()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notMember(conversationID, a)
	}
	if err != nil {
		return nil, wrapErr(err, "member")
	}
	return m, nil
}

// Members returns the members of a conversation in joining order.
func (db *DB) Members(ctx context.Context, conversationID string) ([]*tandem.Member, error) {
	if err := db.conversationExists(ctx, conversationID); err != nil {
		return nil, err
	}
	ms, err := queryRows(ctx, db.pool, scanWith(store.ScanMember), `SELECT `+store.MemberColumns+` FROM conversation_members
		WHERE conversation_id = $1 ORDER BY joined_at, seq`, conversationID)
	if err != nil {
		return nil, wrapErr(err, "members")
	}
	return ms, nil
}

// MarkRead moves the member's LastRead forward to seq, capped at the
// conversation's LastSeq; one UPDATE, so it never moves back.
func (db *DB) MarkRead(ctx context.Context, conversationID string, a tandem.Account, seq int64) error {
	if seq < 0 {
		return tandem.Errorf(tandem.EInvalid, "read up to %d: a sequence number is not negative", seq)
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE conversation_members
			SET last_read = GREATEST(last_read, LEAST($1, (SELECT last_seq FROM conversations WHERE id = conversation_id)))
			WHERE conversation_id = $2 AND account = $3`, seq, conversationID, a.String())
		if err != nil {
			return wrapErr(err, "mark read")
		}
		return affected(res, func() error { return notMember(conversationID, a) })
	})
}

// conversationExists returns tandem.ENotFound when there is no
// conversation with id.
func (db *DB) conversationExists(ctx context.Context, id string) error {
	var one int
	err := db.pool.QueryRow(ctx, `SELECT 1 FROM conversations WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return tandem.Errorf(tandem.ENotFound, "conversation %q not found", id)
	}
	if err != nil {
		return wrapErr(err, "conversation %s", id)
	}
	return nil
}
