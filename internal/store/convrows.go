package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
)

// Both backends keep conversations, members, messages, bots and deliveries
// in the same columns, with lists as JSON text; what is here reads and
// writes those columns the same way for both, so that a copy between them
// carries rows that mean the same. Rows scan with database/sql types,
// which both drivers fill.

// Scanner is a row to scan: *sql.Row, *sql.Rows, pgx.Row.
type Scanner interface {
	Scan(dest ...any) error
}

// ConversationCursor returns the cursor that continues a listing after c:
// its last activity (newest message, else creation) in milliseconds and
// its id.
func ConversationCursor(c *tandem.Conversation) string {
	return strconv.FormatInt(ConversationActivity(c).UnixMilli(), 10) + "." + c.ID
}

// ConversationActivity is when c last saw activity: its newest message, or
// its creation when it has none. Listings are newest activity first.
func ConversationActivity(c *tandem.Conversation) time.Time {
	if !c.LastMessageAt.IsZero() {
		return c.LastMessageAt
	}
	return c.CreatedAt
}

// ParseConversationCursor returns the activity and id a ConversationCursor
// names, or tandem.EInvalid.
func ParseConversationCursor(s string) (time.Time, string, error) {
	return ParseAssistCursor(s)
}

// Prefix returns the comma-separated columns cols, each prefixed with p
// and a dot, for queries that join tables.
func Prefix(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Millis converts t to unix milliseconds, and the zero time to NULL.
func Millis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// NullString is s, or NULL when s is empty.
func NullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// accountOrZero reads an account column: "" is nobody.
func accountOrZero(s string) (tandem.Account, error) {
	if s == "" {
		return tandem.Account{}, nil
	}
	return tandem.ParseAccount(s)
}

// mustJSON is json.Marshal of values that always marshal (slices of
// strings and plain structs).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return string(b)
}

// EncodeAccounts is the JSON of accounts in text form ("[]" for none).
func EncodeAccounts(as []tandem.Account) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return mustJSON(out)
}

func decodeAccounts(s string) ([]tandem.Account, error) {
	var texts []string
	if err := json.Unmarshal([]byte(s), &texts); err != nil {
		return nil, err
	}
	var out []tandem.Account
	for _, t := range texts {
		a, err := tandem.ParseAccount(t)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// EncodeScopes is the JSON of scopes ("[]" for none).
func EncodeScopes(scopes []tandem.Scope) string {
	if scopes == nil {
		scopes = []tandem.Scope{}
	}
	return mustJSON(scopes)
}

func decodeScopes(s string) ([]tandem.Scope, error) {
	var out []tandem.Scope
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// The stored forms of blocks and attachments: their own JSON names, so
// that renaming a Go field does not change what is stored.
type blockJSON struct {
	Kind     string       `json:"kind"`
	Text     string       `json:"text,omitempty"`
	Fields   []string     `json:"fields,omitempty"`
	ImageURL string       `json:"imageUrl,omitempty"`
	AltText  string       `json:"altText,omitempty"`
	Buttons  []buttonJSON `json:"buttons,omitempty"`
}

type buttonJSON struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Label    string `json:"label,omitempty"`
	URL      string `json:"url,omitempty"`
	ActionID string `json:"actionId,omitempty"`
	Value    string `json:"value,omitempty"`
	Style    string `json:"style,omitempty"`
}

type attachmentJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	BlobKey     string `json:"blobKey"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
}

// EncodeBlocks is the stored JSON of blocks ("[]" for none).
func EncodeBlocks(blocks []tandem.Block) string {
	out := make([]blockJSON, len(blocks))
	for i, b := range blocks {
		out[i] = blockJSON{Kind: string(b.Kind), Text: b.Text, Fields: b.Fields, ImageURL: b.ImageURL, AltText: b.AltText}
		for _, btn := range b.Buttons {
			out[i].Buttons = append(out[i].Buttons, buttonJSON{ID: btn.ID, Kind: string(btn.Kind), Label: btn.Label, URL: btn.URL,
				ActionID: btn.ActionID, Value: btn.Value, Style: btn.Style})
		}
	}
	return mustJSON(out)
}

func decodeBlocks(s string) ([]tandem.Block, error) {
	var in []blockJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	var out []tandem.Block
	for _, b := range in {
		blk := tandem.Block{Kind: tandem.BlockKind(b.Kind), Text: b.Text, Fields: b.Fields, ImageURL: b.ImageURL, AltText: b.AltText}
		for _, btn := range b.Buttons {
			blk.Buttons = append(blk.Buttons, tandem.Button{ID: btn.ID, Kind: tandem.ButtonKind(btn.Kind), Label: btn.Label, URL: btn.URL,
				ActionID: btn.ActionID, Value: btn.Value, Style: btn.Style})
		}
		out = append(out, blk)
	}
	return out, nil
}

// EncodeAttachments is the stored JSON of a message's attachments ("[]"
// for none).
func EncodeAttachments(as []tandem.Attachment) string {
	out := make([]attachmentJSON, len(as))
	for i, a := range as {
		out[i] = attachmentJSON(a)
	}
	return mustJSON(out)
}

func decodeAttachments(s string) ([]tandem.Attachment, error) {
	var in []attachmentJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	var out []tandem.Attachment
	for _, a := range in {
		out = append(out, tandem.Attachment(a))
	}
	return out, nil
}

// ConversationColumns are the columns a ConversationRow scans, in order.
const ConversationColumns = `id, kind, name, avatar_url, description, site_id, assist_id, queued, summary, created_by,
	created_at, updated_at, last_seq, last_message_at`

// ConversationRow scans the ConversationColumns of a row.
type ConversationRow struct {
	c                        tandem.Conversation
	kind, createdBy          string
	siteID                   sql.NullString
	created, updated, lastAt sql.NullInt64
}

// Dest returns the scan destinations, in ConversationColumns order.
func (r *ConversationRow) Dest() []any {
	return []any{&r.c.ID, &r.kind, &r.c.Name, &r.c.AvatarURL, &r.c.Description, &r.siteID, &r.c.AssistID, &r.c.Queued,
		&r.c.Summary, &r.createdBy, &r.created, &r.updated, &r.c.LastSeq, &r.lastAt}
}

// Conversation returns the conversation scanned.
func (r *ConversationRow) Conversation() (*tandem.Conversation, error) {
	c := r.c
	c.Kind, c.SiteID = tandem.ConversationKind(r.kind), r.siteID.String
	by, err := accountOrZero(r.createdBy)
	if err != nil {
		return nil, fmt.Errorf("conversation %s: created by: %w", c.ID, err)
	}
	c.CreatedBy = by
	c.CreatedAt, c.UpdatedAt, c.LastMessageAt = fromMillis(r.created), fromMillis(r.updated), fromMillis(r.lastAt)
	return &c, nil
}

// ScanConversation scans one row of ConversationColumns.
func ScanConversation(s Scanner) (*tandem.Conversation, error) {
	var r ConversationRow
	if err := s.Scan(r.Dest()...); err != nil {
		return nil, err
	}
	return r.Conversation()
}

// MemberColumns are the columns ScanMember reads, in order.
const MemberColumns = `conversation_id, account, added_by, granted, last_read, joined_at`

// ScanMember scans one row of MemberColumns.
func ScanMember(s Scanner) (*tandem.Member, error) {
	var m tandem.Member
	var account, addedBy, granted string
	var joined sql.NullInt64
	if err := s.Scan(&m.ConversationID, &account, &addedBy, &granted, &m.LastRead, &joined); err != nil {
		return nil, err
	}
	var err error
	if m.Account, err = tandem.ParseAccount(account); err != nil {
		return nil, fmt.Errorf("member of %s: %w", m.ConversationID, err)
	}
	if m.AddedBy, err = accountOrZero(addedBy); err != nil {
		return nil, fmt.Errorf("member of %s: added by: %w", m.ConversationID, err)
	}
	if m.Granted, err = decodeScopes(granted); err != nil {
		return nil, fmt.Errorf("member of %s: granted: %w", m.ConversationID, err)
	}
	m.JoinedAt = fromMillis(joined)
	return &m, nil
}

// MessageColumns are the columns a MessageRow scans, in order.
const MessageColumns = `id, conversation_id, seq, author, client_id, text, mentions, blocks, attachments, created_at, edited_at`

// NullMessageColumns are MessageColumns of the table aliased p in an outer
// join, with NULLs (no message) read as empty values: a MessageRow then
// scans a message with an empty ID.
func NullMessageColumns(p string) string {
	return `COALESCE(` + p + `.id, ''), COALESCE(` + p + `.conversation_id, ''), COALESCE(` + p + `.seq, 0), COALESCE(` + p + `.author, ''),
		COALESCE(` + p + `.client_id, ''), COALESCE(` + p + `.text, ''), COALESCE(` + p + `.mentions, '[]'), COALESCE(` + p + `.blocks, '[]'),
		COALESCE(` + p + `.attachments, '[]'), ` + p + `.created_at, ` + p + `.edited_at`
}

// MessageRow scans the MessageColumns of a row.
type MessageRow struct {
	m                                     tandem.Message
	author, mentions, blocks, attachments string
	created, edited                       sql.NullInt64
}

// Dest returns the scan destinations, in MessageColumns order.
func (r *MessageRow) Dest() []any {
	return []any{&r.m.ID, &r.m.ConversationID, &r.m.Seq, &r.author, &r.m.ClientID, &r.m.Text, &r.mentions, &r.blocks,
		&r.attachments, &r.created, &r.edited}
}

// Message returns the message scanned, or nil when the row had none (an
// outer join that found no message).
func (r *MessageRow) Message() (*tandem.Message, error) {
	if r.m.ID == "" {
		return nil, nil
	}
	m := r.m
	var err error
	if m.Author, err = accountOrZero(r.author); err != nil {
		return nil, fmt.Errorf("message %s: author: %w", m.ID, err)
	}
	if m.Mentions, err = decodeAccounts(r.mentions); err != nil {
		return nil, fmt.Errorf("message %s: mentions: %w", m.ID, err)
	}
	if m.Blocks, err = decodeBlocks(r.blocks); err != nil {
		return nil, fmt.Errorf("message %s: blocks: %w", m.ID, err)
	}
	if m.Attachments, err = decodeAttachments(r.attachments); err != nil {
		return nil, fmt.Errorf("message %s: attachments: %w", m.ID, err)
	}
	m.CreatedAt, m.EditedAt = fromMillis(r.created), fromMillis(r.edited)
	return &m, nil
}

// ScanMessage scans one row of MessageColumns.
func ScanMessage(s Scanner) (*tandem.Message, error) {
	var r MessageRow
	if err := s.Scan(r.Dest()...); err != nil {
		return nil, err
	}
	return r.Message()
}

// AttachmentColumns are the columns ScanAttachment reads, in order.
const AttachmentColumns = `id, name, content_type, size, blob_key, width, height`

// ScanAttachment scans one row of AttachmentColumns.
func ScanAttachment(s Scanner) (*tandem.Attachment, error) {
	var a tandem.Attachment
	if err := s.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.BlobKey, &a.Width, &a.Height); err != nil {
		return nil, err
	}
	return &a, nil
}

// BotColumns are the columns ScanBot reads, in order.
const BotColumns = `id, owner_id, name, avatar_url, description, url, interface_url, scopes, token_hash, token_id,
	signing_secret, recommended, created_at`

// ScanBot scans one row of BotColumns.
func ScanBot(s Scanner) (*tandem.Bot, error) {
	var b tandem.Bot
	var scopes string
	var created sql.NullInt64
	if err := s.Scan(&b.ID, &b.OwnerID, &b.Name, &b.AvatarURL, &b.Description, &b.URL, &b.InterfaceURL, &scopes, &b.TokenHash,
		&b.TokenID, &b.SigningSecret, &b.Recommended, &created); err != nil {
		return nil, err
	}
	var err error
	if b.Scopes, err = decodeScopes(scopes); err != nil {
		return nil, fmt.Errorf("bot %s: scopes: %w", b.ID, err)
	}
	b.CreatedAt = fromMillis(created)
	return &b, nil
}

// BotCommandColumns are the columns ScanBotCommand reads, in order.
const BotCommandColumns = `id, bot_id, name, description, hint, url, created_at`

// ScanBotCommand scans one row of BotCommandColumns.
func ScanBotCommand(s Scanner) (*tandem.BotCommand, error) {
	var c tandem.BotCommand
	var created sql.NullInt64
	if err := s.Scan(&c.ID, &c.BotID, &c.Name, &c.Description, &c.Hint, &c.URL, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = fromMillis(created)
	return &c, nil
}

// HookColumns are the columns ScanHook reads, in order.
const HookColumns = `id, bot_id, conversation_id, token_hash, created_at`

// ScanHook scans one row of HookColumns.
func ScanHook(s Scanner) (*tandem.Hook, error) {
	var h tandem.Hook
	var created sql.NullInt64
	if err := s.Scan(&h.ID, &h.BotID, &h.ConversationID, &h.TokenHash, &created); err != nil {
		return nil, err
	}
	h.CreatedAt = fromMillis(created)
	return &h, nil
}

// DeliveryColumns are the columns ScanDelivery reads, in order.
const DeliveryColumns = `id, bot_id, kind, conversation_id, message_id, url, payload, state, attempts, next_attempt_at,
	last_status, last_error, created_at, done_at`

// ScanDelivery scans one row of DeliveryColumns.
func ScanDelivery(s Scanner) (*tandem.Delivery, error) {
	var d tandem.Delivery
	var kind, state string
	var next, created, done sql.NullInt64
	if err := s.Scan(&d.ID, &d.BotID, &kind, &d.ConversationID, &d.MessageID, &d.URL, &d.Payload, &state, &d.Attempts, &next,
		&d.LastStatus, &d.LastError, &created, &done); err != nil {
		return nil, err
	}
	d.Kind, d.State = tandem.DeliveryKind(kind), tandem.DeliveryState(state)
	d.NextAttemptAt, d.CreatedAt, d.DoneAt = fromMillis(next), fromMillis(created), fromMillis(done)
	return &d, nil
}

// DeliveryAttemptColumns are the columns ScanDeliveryAttempt reads.
const DeliveryAttemptColumns = `delivery_id, n, at, status, error, duration_ms`

// ScanDeliveryAttempt scans one row of DeliveryAttemptColumns.
func ScanDeliveryAttempt(s Scanner) (*tandem.DeliveryAttempt, error) {
	var a tandem.DeliveryAttempt
	var at sql.NullInt64
	var ms int64
	if err := s.Scan(&a.DeliveryID, &a.N, &at, &a.Status, &a.Error, &ms); err != nil {
		return nil, err
	}
	a.At, a.Duration = fromMillis(at), time.Duration(ms)*time.Millisecond
	return &a, nil
}
