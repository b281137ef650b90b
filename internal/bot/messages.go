package bot

import (
	"fmt"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// Limits of a message a bot sends (the conversation service checks them
// again; they are here so that an answer is refused whole, before any of it
// is applied).
const (
	MaxText    = 8000
	MaxBlocks  = 50
	maxButtons = 25
	maxLabel   = 75
	maxField   = 2000
	maxValue   = 2000
)

var blockKinds = map[string]tandem.BlockKind{
	"section": tandem.BlockSection, "header": tandem.BlockHeader, "divider": tandem.BlockDivider,
	"context": tandem.BlockContext, "image": tandem.BlockImage, "actions": tandem.BlockActions,
}

// checkMessage checks a message a bot wants posted. Attachments are not
// posted by bots through answers (they upload with the API).
func checkMessage(m *botapi.Message) error {
	switch {
	case m == nil:
		return tandem.Errorf(tandem.EInvalid, "message is required")
	case m.Text == "" && len(m.Blocks) == 0:
		return tandem.Errorf(tandem.EInvalid, "a message needs text or blocks")
	case len(m.Text) > MaxText || !utf8.ValidString(m.Text):
		return tandem.Errorf(tandem.EInvalid, "text is at most %d bytes of UTF-8", MaxText)
	case len(m.Blocks) > MaxBlocks:
		return tandem.Errorf(tandem.EInvalid, "a message has at most %d blocks", MaxBlocks)
	case len(m.Attachments) > 0:
		return tandem.Errorf(tandem.EInvalid, "attachments cannot be given in an answer; upload them through the bot API")
	}
	ids := map[string]bool{}
	for i, b := range m.Blocks {
		if err := checkBlock(b, ids); err != nil {
			return tandem.Errorf(tandem.EInvalid, "block %d: %s", i, tandem.ErrorMessage(err))
		}
	}
	return nil
}

func checkBlock(b botapi.Block, ids map[string]bool) error {
	kind, ok := blockKinds[b.Type]
	if !ok {
		return tandem.Errorf(tandem.EInvalid, "type %q is not one of section, header, divider, context, image, actions", b.Type)
	}
	if len(b.Text) > MaxText || !utf8.ValidString(b.Text) || len(b.AltText) > maxField || len(b.Fields) > 10 {
		return tandem.Errorf(tandem.EInvalid, "a field is too long")
	}
	for _, f := range b.Fields {
		if len(f) > maxField || !utf8.ValidString(f) {
			return tandem.Errorf(tandem.EInvalid, "a field is over %d bytes", maxField)
		}
	}
	switch kind {
	case tandem.BlockImage:
		if u, err := url.Parse(b.ImageURL); err != nil || u.Scheme != "https" || u.Host == "" || len(b.ImageURL) > maxURL {
			return tandem.Errorf(tandem.EInvalid, "an image needs an https imageUrl")
		}
	case tandem.BlockActions:
		if len(b.Buttons) == 0 || len(b.Buttons) > maxButtons {
			return tandem.Errorf(tandem.EInvalid, "an actions block has 1 to %d buttons", maxButtons)
		}
		for j, bt := range b.Buttons {
			if err := checkButton(bt, ids); err != nil {
				return tandem.Errorf(tandem.EInvalid, "button %d: %s", j, tandem.ErrorMessage(err))
			}
		}
	}
	if kind != tandem.BlockActions && len(b.Buttons) > 0 {
		return tandem.Errorf(tandem.EInvalid, "only actions blocks have buttons")
	}
	return nil
}

func checkButton(bt botapi.Button, ids map[string]bool) error {
	switch {
	case bt.Label == "" || len(bt.Label) > maxLabel || !utf8.ValidString(bt.Label):
		return tandem.Errorf(tandem.EInvalid, "label is 1 to %d bytes", maxLabel)
	case bt.Style != "" && bt.Style != "primary" && bt.Style != "danger":
		return tandem.Errorf(tandem.EInvalid, "style is primary, danger or empty")
	case (bt.URL == "") == (bt.ActionID == ""):
		return tandem.Errorf(tandem.EInvalid, "a button has a url (link) or an actionId (callback), not both")
	case len(bt.ActionID) > 255 || len(bt.Value) > maxValue || len(bt.ID) > 255:
		return tandem.Errorf(tandem.EInvalid, "actionId, id or value is too long")
	}
	if bt.URL != "" {
		if err := checkURL("url", bt.URL, false); err != nil {
			return err
		}
	}
	if bt.ID != "" {
		if ids[bt.ID] {
			return tandem.Errorf(tandem.EInvalid, "id %q is used twice in the message", bt.ID)
		}
		ids[bt.ID] = true
	}
	return nil
}

// blocksOf converts the blocks of a checked message, giving each button
// without an id one ("b1", "b2", … skipping those the bot named).
func blocksOf(m *botapi.Message) []tandem.Block {
	taken := map[string]bool{}
	for _, b := range m.Blocks {
		for _, bt := range b.Buttons {
			if bt.ID != "" {
				taken[bt.ID] = true
			}
		}
	}
	n := 0
	nextID := func() string {
		for {
			n++
			if id := "b" + strconv.Itoa(n); !taken[id] {
				return id
			}
		}
	}
	out := make([]tandem.Block, 0, len(m.Blocks))
	for _, b := range m.Blocks {
		tb := tandem.Block{Kind: blockKinds[b.Type], Text: b.Text, Fields: b.Fields, ImageURL: b.ImageURL, AltText: b.AltText}
		for _, bt := range b.Buttons {
			t := tandem.Button{ID: bt.ID, Label: bt.Label, URL: bt.URL, ActionID: bt.ActionID, Value: bt.Value, Style: bt.Style, Kind: tandem.ButtonLink}
			if t.ID == "" {
				t.ID = nextID()
			}
			if bt.ActionID != "" {
				t.Kind = tandem.ButtonCallback
			}
			tb.Buttons = append(tb.Buttons, t)
		}
		out = append(out, tb)
	}
	return out
}

// ClientView is a message as members' clients see it: a callback button
// shows only its id, label and style (its action and value stay on the
// server).
func ClientView(m *tandem.Message, author *botapi.Ref) *botapi.Message {
	out := &botapi.Message{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Author: author, Text: m.Text}
	for _, a := range m.Mentions {
		out.Mentions = append(out.Mentions, a.String())
	}
	out.Blocks = viewBlocks(m.Blocks, false)
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, botapi.Attachment{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
			Width: a.Width, Height: a.Height,
			URL: fmt.Sprintf("/api/v1/conversations/%s/attachments/%s", url.PathEscape(m.ConversationID), url.PathEscape(a.ID))})
	}
	if !m.CreatedAt.IsZero() {
		t := m.CreatedAt
		out.CreatedAt = &t
	}
	if !m.EditedAt.IsZero() {
		t := m.EditedAt
		out.EditedAt = &t
	}
	return out
}

// BotView is a message as its bot sees it: its own buttons with their
// actions and values.
func BotView(m *tandem.Message, author *botapi.Ref, own bool) *botapi.Message {
	out := ClientView(m, author)
	if own {
		out.Blocks = viewBlocks(m.Blocks, true)
	}
	return out
}

func viewBlocks(blocks []tandem.Block, full bool) []botapi.Block {
	var out []botapi.Block
	for _, b := range blocks {
		ob := botapi.Block{Type: string(b.Kind), Text: b.Text, Fields: b.Fields, ImageURL: b.ImageURL, AltText: b.AltText}
		for _, bt := range b.Buttons {
			v := botapi.Button{ID: bt.ID, Label: bt.Label, URL: bt.URL, Style: bt.Style}
			if full {
				v.ActionID, v.Value = bt.ActionID, bt.Value
			}
			ob.Buttons = append(ob.Buttons, v)
		}
		out = append(out, ob)
	}
	return out
}

// findButton returns the button id of m.
func findButton(m *tandem.Message, id string) (tandem.Button, bool) {
	for _, b := range m.Blocks {
		for _, bt := range b.Buttons {
			if bt.ID == id {
				return bt, true
			}
		}
	}
	return tandem.Button{}, false
}
