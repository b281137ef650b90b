package conversation

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// Limits of a message.
const (
	MaxText        = 8000 // bytes of a message's text
	MaxAttachments = 10
	MaxBlocks      = 50
	maxBlockText   = 3000 // as Slack's section text
	maxFields      = 10
	maxButtons     = 25
	maxLabel       = 75
	maxURL         = 2000
	maxButtonValue = 2000
	maxClientID    = 64
)

// FromWire checks a message as the API carries it (a bot's answer, an
// incoming webhook, a client) and returns it as stored, without author,
// ids or times. Callback buttons without an id get one ("b1", "b2", …);
// attachments are named by id only (Attachments[i].ID), resolved when
// posted.
func FromWire(w *botapi.Message) (*tandem.Message, error) {
	if w == nil {
		return nil, tandem.Errorf(tandem.EInvalid, "a message is required")
	}
	text, err := cleanText("text", w.Text, MaxText)
	if err != nil {
		return nil, err
	}
	m := &tandem.Message{Text: text}
	if len(w.Blocks) > MaxBlocks {
		return nil, tandem.Errorf(tandem.EInvalid, "a message has at most %d blocks, not %d", MaxBlocks, len(w.Blocks))
	}
	if len(w.Attachments) > MaxAttachments {
		return nil, tandem.Errorf(tandem.EInvalid, "a message has at most %d attachments, not %d", MaxAttachments, len(w.Attachments))
	}
	// The ids a sender chose are kept; the others get ids none of them has.
	ids := map[string]bool{}
	for _, b := range w.Blocks {
		for _, btn := range b.Buttons {
			if btn.ID == "" {
				continue
			}
			if ids[btn.ID] || len(btn.ID) > 64 {
				return nil, tandem.Errorf(tandem.EInvalid, "button id %q is too long or used twice in the message", btn.ID)
			}
			ids[btn.ID] = true
		}
	}
	n := 0
	for i, wb := range w.Blocks {
		b, err := blockFromWire(wb, ids, &n)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", i, err)
		}
		m.Blocks = append(m.Blocks, b)
	}
	for _, a := range w.Attachments {
		if a.ID == "" {
			return nil, tandem.Errorf(tandem.EInvalid, "an attachment is named by its id")
		}
		m.Attachments = append(m.Attachments, tandem.Attachment{ID: a.ID})
	}
	if m.Text == "" && len(m.Blocks) == 0 && len(m.Attachments) == 0 {
		return nil, tandem.Errorf(tandem.EInvalid, "a message needs text, blocks or attachments")
	}
	return m, nil
}

// cleanText checks s as checkText does and returns it without invisible
// characters (Clean).
func cleanText(what, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", tandem.Errorf(tandem.EInvalid, "%s must be UTF-8", what)
	}
	s = Clean(s)
	return s, checkText(what, s, max)
}

func checkText(what, s string, max int) error {
	if len(s) > max {
		return tandem.Errorf(tandem.ETooLarge, "%s is at most %d bytes, not %d", what, max, len(s))
	}
	if !utf8.ValidString(s) {
		return tandem.Errorf(tandem.EInvalid, "%s must be UTF-8", what)
	}
	return nil
}

func checkURL(what, s string, httpsOnly bool) error {
	if len(s) > maxURL {
		return tandem.Errorf(tandem.EInvalid, "%s is at most %d bytes", what, maxURL)
	}
	u, err := url.Parse(s)
	ok := err == nil && u.Host != "" && (u.Scheme == "https" || (!httpsOnly && u.Scheme == "http"))
	if !ok {
		if httpsOnly {
			return tandem.Errorf(tandem.EInvalid, "%s must be an https URL", what)
		}
		return tandem.Errorf(tandem.EInvalid, "%s must be an http(s) URL", what)
	}
	return nil
}

func blockFromWire(w botapi.Block, ids map[string]bool, n *int) (tandem.Block, error) {
	b := tandem.Block{Kind: tandem.BlockKind(w.Type), ImageURL: w.ImageURL}
	var err error
	if b.Text, err = cleanText("text", w.Text, maxBlockText); err != nil {
		return b, err
	}
	if b.AltText, err = cleanText("altText", w.AltText, maxLabel*4); err != nil {
		return b, err
	}
	if len(w.Fields) > maxFields {
		return b, tandem.Errorf(tandem.EInvalid, "a block has at most %d fields", maxFields)
	}
	for _, f := range w.Fields {
		f, err := cleanText("a field", f, maxBlockText)
		if err != nil {
			return b, err
		}
		b.Fields = append(b.Fields, f)
	}
	switch b.Kind {
	case tandem.BlockSection, tandem.BlockContext:
		if b.Text == "" && len(b.Fields) == 0 {
			return b, tandem.Errorf(tandem.EInvalid, "a %s block needs text or fields", b.Kind)
		}
	case tandem.BlockHeader:
		if b.Text == "" {
			return b, tandem.Errorf(tandem.EInvalid, "a header block needs text")
		}
	case tandem.BlockDivider:
	case tandem.BlockImage:
		if err := checkURL("imageUrl", w.ImageURL, true); err != nil {
			return b, err
		}
	case tandem.BlockActions:
		if len(w.Buttons) == 0 || len(w.Buttons) > maxButtons {
			return b, tandem.Errorf(tandem.EInvalid, "an actions block has 1 to %d buttons", maxButtons)
		}
	default:
		return b, tandem.Errorf(tandem.EInvalid, "unknown block type %q (section, header, divider, context, image or actions)", w.Type)
	}
	if b.Kind != tandem.BlockImage && w.ImageURL != "" {
		return b, tandem.Errorf(tandem.EInvalid, "only an image block has imageUrl")
	}
	if b.Kind != tandem.BlockActions && len(w.Buttons) > 0 {
		return b, tandem.Errorf(tandem.EInvalid, "only an actions block has buttons")
	}
	for _, wb := range w.Buttons {
		btn, err := buttonFromWire(wb, ids, n)
		if err != nil {
			return b, err
		}
		b.Buttons = append(b.Buttons, btn)
	}
	return b, nil
}

func buttonFromWire(w botapi.Button, ids map[string]bool, n *int) (tandem.Button, error) {
	btn := tandem.Button{ID: w.ID, URL: w.URL, ActionID: w.ActionID, Value: w.Value, Style: w.Style}
	label, err := cleanText("a button's label", w.Label, maxLabel)
	if err != nil {
		return btn, err
	}
	if label == "" {
		return btn, tandem.Errorf(tandem.EInvalid, "a button needs a label")
	}
	btn.Label = label
	switch w.Style {
	case "", "primary", "danger":
	default:
		return btn, tandem.Errorf(tandem.EInvalid, "a button's style is primary, danger or none, not %q", w.Style)
	}
	switch {
	case w.URL != "" && w.ActionID == "" && w.Value == "":
		btn.Kind = tandem.ButtonLink
		if err := checkURL("a button's url", w.URL, false); err != nil {
			return btn, err
		}
	case w.URL == "" && w.ActionID != "":
		btn.Kind = tandem.ButtonCallback
		if err := checkText("a button's actionId", w.ActionID, 255); err != nil {
			return btn, err
		}
		if err := checkText("a button's value", w.Value, maxButtonValue); err != nil {
			return btn, err
		}
	default:
		return btn, tandem.Errorf(tandem.EInvalid, "a button has either a url (a link) or an actionId (a callback)")
	}
	if btn.ID == "" {
		for btn.ID == "" || ids[btn.ID] {
			*n++
			btn.ID = "b" + strconv.Itoa(*n)
		}
		ids[btn.ID] = true
	}
	return btn, nil
}

// Names gives accounts their display names.
type Names func(tandem.Account) string

// ToWire is a stored message as the API carries it. For clients (forBot
// false) callback buttons lose their action id and value, which only the
// server and the bot see.
func ToWire(m *tandem.Message, name Names, forBot bool) *botapi.Message {
	w := &botapi.Message{
		ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Text: m.Text,
		CreatedAt: timePtr(m.CreatedAt), EditedAt: timePtr(m.EditedAt),
	}
	if !m.Author.IsZero() {
		w.Author = &botapi.Ref{Account: m.Author.String()}
		if name != nil {
			w.Author.Name = name(m.Author)
		}
	}
	for _, a := range m.Mentions {
		w.Mentions = append(w.Mentions, a.String())
	}
	for _, b := range m.Blocks {
		wb := botapi.Block{Type: string(b.Kind), Text: b.Text, Fields: b.Fields, ImageURL: b.ImageURL, AltText: b.AltText}
		for _, btn := range b.Buttons {
			wbtn := botapi.Button{ID: btn.ID, Label: btn.Label, URL: btn.URL, Style: btn.Style}
			if forBot {
				wbtn.ActionID, wbtn.Value = btn.ActionID, btn.Value
			}
			wb.Buttons = append(wb.Buttons, wbtn)
		}
		w.Blocks = append(w.Blocks, wb)
	}
	for _, a := range m.Attachments {
		w.Attachments = append(w.Attachments, botapi.Attachment{
			ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, Width: a.Width, Height: a.Height,
		})
	}
	return w
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// WireConversation is a conversation as a bot sees it.
func WireConversation(c *tandem.Conversation) botapi.Conversation {
	return botapi.Conversation{
		ID: c.ID, Kind: string(c.Kind), Name: c.Name, AvatarURL: c.AvatarURL, Description: c.Description,
		SiteID: c.SiteID, AssistID: c.AssistID, Queued: c.Queued, Summary: c.Summary,
	}
}

// ConversationJSON is a conversation as clients see it: the bot's view
// with its times and newest sequence number.
type ConversationJSON struct {
	botapi.Conversation
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	LastSeq       int64      `json:"lastSeq"`
	LastMessageAt *time.Time `json:"lastMessageAt,omitempty"`
}

// JSON returns c as clients see it.
func JSON(c *tandem.Conversation) *ConversationJSON {
	return &ConversationJSON{
		Conversation: WireConversation(c), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		LastSeq: c.LastSeq, LastMessageAt: timePtr(c.LastMessageAt),
	}
}
