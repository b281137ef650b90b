package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// errExisting rolls back a PostMessage that found the message it was
// asked to store already stored.
var errExisting = errors.New("stored already")

// checkNewMessage validates what PostMessage is given and returns copies
// to write, with the defaults filled in.
func checkNewMessage(nm *store.NewMessage) (*tandem.Message, []*tandem.Delivery, error) {
	if nm == nil || nm.Message == nil {
		return nil, nil, tandem.Errorf(tandem.EInvalid, "no message to post")
	}
	m := *nm.Message
	m.Mentions, m.Attachments = slices.Clone(m.Mentions), slices.Clone(m.Attachments)
	if err := store.CheckMessage(&m); err != nil {
		return nil, nil, err
	}
	if m.ID == "" {
		m.ID = newID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	m.EditedAt = time.Time{}
	ds := make([]*tandem.Delivery, len(nm.Deliveries))
	for i, d := range nm.Deliveries {
		if d == nil {
			return nil, nil, tandem.Errorf(tandem.EInvalid, "a nil delivery")
		}
		dd := *d
		if dd.ConversationID == "" {
			dd.ConversationID = m.ConversationID
		}
		if dd.ConversationID != m.ConversationID {
			return nil, nil, tandem.Errorf(tandem.EInvalid, "a delivery of a message is in the message's conversation")
		}
		dd.MessageID = m.ID
		if err := store.CheckDelivery(&dd); err != nil {
			return nil, nil, err
		}
		ds[i] = &dd
	}
	return &m, ds, nil
}

// PostMessage stores a message with the next Seq of its conversation, marks
// its attachments and writes its deliveries, in one write transaction
// (which holds the database's write lock, so posters are serialised).
func (db *DB) PostMessage(ctx context.Context, nm *store.NewMessage) (bool, error) {
	m, ds, err := checkNewMessage(nm)
	if err != nil {
		return false, err
	}
	var stored *tandem.Message
	err = db.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $1 WHERE id = $2
			RETURNING last_seq`, toMillis(m.CreatedAt), m.ConversationID).Scan(&m.Seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "conversation %q not found", m.ConversationID)
		}
		if err != nil {
			return wrapErr(err, "post message")
		}
		if m.ClientID != "" {
			stored, err = store.ScanMessage(tx.QueryRow(ctx, `SELECT `+store.MessageColumns+` FROM messages
				WHERE conversation_id = $1 AND author = $2 AND client_id = $3 AND client_id <> ''`, m.ConversationID, m.Author.String(), m.ClientID))
			if err == nil {
				return errExisting
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return wrapErr(err, "post message")
			}
		}
		if err := authorRead(ctx, tx, m); err != nil {
			return err
		}
		if err := carryAttachments(ctx, tx, m, false); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO messages (`+store.MessageColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			m.ID, m.ConversationID, m.Seq, m.Author.String(), m.ClientID, m.Text, store.EncodeAccounts(m.Mentions),
			store.EncodeBlocks(m.Blocks), store.EncodeAttachments(m.Attachments), toMillis(m.CreatedAt), toMillis(m.EditedAt))
		if isUnique(err) {
			return tandem.Errorf(tandem.EConflict, "a message with id %q exists", m.ID)
		}
		if err != nil {
			return wrapErr(err, "post message")
		}
		for _, d := range ds {
			if err := insertDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errExisting) {
		nm.Message = stored
		return false, nil
	}
	if err != nil {
		return false, err
	}
	*nm.Message = *m
	for i, d := range nm.Deliveries {
		*d = *ds[i]
	}
	return true, nil
}

// authorRead moves the author's LastRead to m (an author has read what
// they wrote), and is the membership check of a post: a statement that
// finds no member row refuses it with tandem.EForbidden.
func authorRead(ctx context.Context, tx pgx.Tx, m *tandem.Message) error {
	tag, err := tx.Exec(ctx, `UPDATE conversation_members SET last_read = greatest(last_read, $1)
		WHERE conversation_id = $2 AND account = $3`, m.Seq, m.ConversationID, m.Author.String())
	if err != nil {
		return wrapErr(err, "mark the author's message read")
	}
	if tag.RowsAffected() == 0 {
		return tandem.Errorf(tandem.EForbidden, "%s is not a member of conversation %s", m.Author, m.ConversationID)
	}
	return nil
}

// memberIn returns tandem.EForbidden unless a is a member of the
// conversation.
func memberIn(ctx context.Context, tx pgx.Tx, conversationID string, a tandem.Account) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND account = $2`,
		conversationID, a.String()).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return tandem.Errorf(tandem.EForbidden, "%s is not a member of conversation %s", a, conversationID)
	}
	if err != nil {
		return wrapErr(err, "membership")
	}
	return nil
}

// carryAttachments marks m's attachments as carried by m, and replaces
// them in m with what was stored when they were uploaded. Each must have
// been uploaded to m's conversation by m's author and be carried by no
// other message (by none at all unless replacing, when m may carry it
// already).
func carryAttachments(ctx context.Context, tx pgx.Tx, m *tandem.Message, replacing bool) error {
	for i, a := range m.Attachments {
		again := ""
		if replacing {
			again = m.ID
		}
		got, err := store.ScanAttachment(tx.QueryRow(ctx, `UPDATE attachments SET message_id = $1
			WHERE id = $2 AND conversation_id = $3 AND uploader = $4 AND message_id IN ('', $5)
			RETURNING `+store.AttachmentColumns, m.ID, a.ID, m.ConversationID, m.Author.String(), again))
		if errors.Is(err, pgx.ErrNoRows) {
			return tandem.Errorf(tandem.EInvalid, "attachment %s is not a file %s uploaded to this conversation, or another message carries it", a.ID, m.Author)
		}
		if err != nil {
			return wrapErr(err, "attach %s", a.ID)
		}
		m.Attachments[i] = *got
	}
	return nil
}

// MessageByID returns the message with the given id.
func (db *DB) MessageByID(ctx context.Context, id string) (*tandem.Message, error) {
	m, err := store.ScanMessage(db.pool.QueryRow(ctx, `SELECT `+store.MessageColumns+` FROM messages WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "message %q not found", id)
	}
	if err != nil {
		return nil, wrapErr(err, "message by id")
	}
	return m, nil
}

// Messages returns a page of a conversation's history: before a seq newest
// first (from the newest when f is empty), or after one oldest first.
func (db *DB) Messages(ctx context.Context, conversationID string, f store.MessageFilter) ([]*tandem.Message, error) {
	if err := store.CheckMessageFilter(f); err != nil {
		return nil, err
	}
	if err := db.conversationExists(ctx, conversationID); err != nil {
		return nil, err
	}
	q := `SELECT ` + store.MessageColumns + ` FROM messages WHERE conversation_id = $1`
	args := []any{conversationID}
	switch {
	case f.After > 0:
		q += ` AND seq > $2 ORDER BY seq LIMIT $3`
		args = append(args, f.After)
	case f.Before > 0:
		q += ` AND seq < $2 ORDER BY seq DESC LIMIT $3`
		args = append(args, f.Before)
	default:
		q += ` ORDER BY seq DESC LIMIT $2`
	}
	ms, err := queryRows(ctx, db.pool, scanWith(store.ScanMessage), q, append(args, store.Limit(f.Limit))...)
	if err != nil {
		return nil, wrapErr(err, "messages")
	}
	return ms, nil
}

// CreateAttachment records a file uploaded to a conversation by one of its
// members, before a message carries it.
func (db *DB) CreateAttachment(ctx context.Context, conversationID string, uploader tandem.Account, a *tandem.Attachment) error {
	if err := store.CheckAccount(uploader, "uploader"); err != nil {
		return err
	}
	c := *a
	if err := store.CheckAttachment(&c); err != nil {
		return err
	}
	created := now()
	setIDAndTime(&c.ID, &created)
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := db.conversationIn(ctx, tx, conversationID); err != nil {
			return err
		}
		if err := memberIn(ctx, tx, conversationID, uploader); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO attachments (id, conversation_id, uploader, message_id, name, content_type, size, blob_key,
			width, height, created_at) VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, conversationID, uploader.String(), c.Name, c.ContentType, c.Size, c.BlobKey, c.Width, c.Height, toMillis(created))
		if isUnique(err) {
			return tandem.Errorf(tandem.EConflict, "an attachment with id %q exists", c.ID)
		}
		if err != nil {
			return wrapErr(err, "create attachment")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*a = c
	return nil
}

// conversationIn returns tandem.ENotFound when tx sees no conversation id.
func (db *DB) conversationIn(ctx context.Context, tx pgx.Tx, id string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM conversations WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return tandem.Errorf(tandem.ENotFound, "conversation %q not found", id)
	}
	if err != nil {
		return wrapErr(err, "conversation %s", id)
	}
	return nil
}

// AttachmentByID returns an uploaded file, its conversation, who uploaded
// it and the message that carries it ("" while none does).
func (db *DB) AttachmentByID(ctx context.Context, id string) (*tandem.Attachment, string, tandem.Account, string, error) {
	var conversationID, uploader, messageID string
	a, err := store.ScanAttachment(scanFunc(func(dest ...any) error {
		return db.pool.QueryRow(ctx, `SELECT `+store.AttachmentColumns+`, conversation_id, uploader, message_id
			FROM attachments WHERE id = $1`, id).Scan(append(dest, &conversationID, &uploader, &messageID)...)
	}))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", tandem.Account{}, "", tandem.Errorf(tandem.ENotFound, "attachment %q not found", id)
	}
	if err != nil {
		return nil, "", tandem.Account{}, "", wrapErr(err, "attachment by id")
	}
	by, err := tandem.ParseAccount(uploader)
	if err != nil {
		return nil, "", tandem.Account{}, "", wrapErr(err, "attachment %s: uploader", id)
	}
	return a, conversationID, by, messageID, nil
}

// scanFunc is a scanner made of a function.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// ReplaceMessage writes m's text, blocks and attachments and sets its
// EditedAt, if m's author wrote the stored message.
func (db *DB) ReplaceMessage(ctx context.Context, m *tandem.Message) error {
	mm := *m
	mm.Attachments = slices.Clone(m.Attachments)
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var author, conversationID string
		err := tx.QueryRow(ctx, `SELECT author, conversation_id FROM messages WHERE id = $1`, mm.ID).Scan(&author, &conversationID)
		if errors.Is(err, pgx.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "message %q not found", mm.ID)
		}
		if err != nil {
			return wrapErr(err, "replace message")
		}
		if author != mm.Author.String() {
			return tandem.Errorf(tandem.EForbidden, "only its author replaces a message")
		}
		mm.ConversationID = conversationID
		if err := store.CheckMessage(&mm); err != nil {
			return err
		}
		if mm.EditedAt.IsZero() {
			mm.EditedAt = now()
		}
		if err := carryAttachments(ctx, tx, &mm, true); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE messages SET text = $1, blocks = $2, attachments = $3, edited_at = $4 WHERE id = $5`,
			mm.Text, store.EncodeBlocks(mm.Blocks), store.EncodeAttachments(mm.Attachments), toMillis(mm.EditedAt), mm.ID)
		if err != nil {
			return wrapErr(err, "replace message")
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.ConversationID, m.EditedAt, m.Attachments = mm.ConversationID, mm.EditedAt, mm.Attachments
	return nil
}
