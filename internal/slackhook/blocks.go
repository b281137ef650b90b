package slackhook

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem/botapi"
)

// Slack's Block Kit bounds, checked as Slack does (in characters), and
// Tandem's, which are in bytes where they are stricter: a text longer than
// a block holds is split over several sections; what cannot be split is
// refused.
const (
	maxSectionText  = 3000
	maxMarkdownText = 12000
	maxFields       = 10
	maxFieldText    = 2000
	maxHeaderText   = 150
	maxContextElems = 10
	maxActionElems  = 25
	maxButtonText   = 75 // bytes
	maxURL          = 2000
	maxActionID     = 255
	maxValue        = 2000
	maxAltText      = 2000
	maxBlockBytes   = 3000 // a block's text, in Tandem
	maxAltBytes     = 300  // an image's alt text, in Tandem; longer ones are cut
)

// block is one Block Kit block, with the fields of the kinds Tandem
// shows. Unknown fields (block_id, accessory, ...) are ignored.
type block struct {
	Type     string            `json:"type"`
	Text     *textObject       `json:"text"`
	Fields   []textObject      `json:"fields"`
	Elements []json.RawMessage `json:"elements"`
	ImageURL string            `json:"image_url"`
	AltText  string            `json:"alt_text"`
	Title    *textObject       `json:"title"`
}

// textObject is a composition text object: {"type":"mrkdwn"|"plain_text",
// "text":"..."}. Its text is kept as written (mrkdwn included).
type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// element is an element of a context or actions block: a text object, an
// image, a button, or something else Tandem does not show (selects,
// date pickers, ...).
type element struct {
	Type     string          `json:"type"`
	Text     json.RawMessage `json:"text"` // a string (context text) or a text object (button)
	URL      string          `json:"url"`
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	Style    string          `json:"style"`
	ImageURL string          `json:"image_url"`
	AltText  string          `json:"alt_text"`
}

// parseBlocks reads Block Kit blocks; where names them in errors
// ("blocks", "attachments[2].blocks").
func parseBlocks(raw []json.RawMessage, where string) ([]botapi.Block, error) {
	var out []botapi.Block
	for i, r := range raw {
		path := fmt.Sprintf("%s[%d]", where, i)
		var b block
		if md, ok := markdownBlock(r); ok {
			if md == "" || runes(md) > maxMarkdownText {
				return nil, fail(ErrInvalidBlocks, "%s: a markdown block's text is empty or longer than %d characters", path, maxMarkdownText)
			}
			out = append(out, sections(md, nil)...)
			continue
		}
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, fail(ErrInvalidBlocks, "%s is not a block: %v", path, err)
		}
		got, err := b.convert(path)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// markdownBlock reads Slack's markdown block, whose text is a string
// rather than a text object; it becomes a section.
func markdownBlock(raw json.RawMessage) (string, bool) {
	var md struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &md) != nil || md.Type != "markdown" {
		return "", false
	}
	return md.Text, true
}

// convert turns b into Tandem's blocks: usually one; several sections for
// a text longer than a block holds; none for blocks that show nothing in
// Tandem (an input, a file, an actions block of selects only).
func (b *block) convert(path string) ([]botapi.Block, error) {
	switch b.Type {
	case "section":
		if b.Text == nil && len(b.Fields) == 0 {
			return nil, fail(ErrInvalidBlocks, "%s: a section needs text or fields", path)
		}
		var text string
		if b.Text != nil {
			if err := checkText(*b.Text, maxSectionText, path+".text"); err != nil {
				return nil, err
			}
			text = b.Text.Text
		}
		if len(b.Fields) > maxFields {
			return nil, fail(ErrInvalidBlocks, "%s: %d fields; at most %d", path, len(b.Fields), maxFields)
		}
		var fields []string
		for j, f := range b.Fields {
			if err := checkText(f, maxFieldText, fmt.Sprintf("%s.fields[%d]", path, j)); err != nil {
				return nil, err
			}
			if len(f.Text) > maxBlockBytes {
				return nil, fail(ErrInvalidBlocks, "%s.fields[%d] is longer than %d bytes", path, j, maxBlockBytes)
			}
			fields = append(fields, f.Text)
		}
		return sections(text, fields), nil
	case "header":
		if b.Text == nil {
			return nil, fail(ErrInvalidBlocks, "%s: a header needs text", path)
		}
		if err := checkText(*b.Text, maxHeaderText, path+".text"); err != nil {
			return nil, err
		}
		return []botapi.Block{{Type: "header", Text: b.Text.Text}}, nil
	case "divider":
		return []botapi.Block{{Type: "divider"}}, nil
	case "image":
		if runes(b.AltText) > maxAltText {
			return nil, fail(ErrInvalidBlocks, "%s.alt_text is longer than %d characters", path, maxAltText)
		}
		var title string
		if b.Title != nil {
			title = b.Title.Text
		}
		img, err := image(b.ImageURL, b.AltText, title, path+".image_url")
		if err != nil {
			return nil, err
		}
		return []botapi.Block{img}, nil
	case "context":
		return b.context(path)
	case "actions":
		return b.actions(path)
	case "rich_text":
		return sections(strings.TrimSpace(richText(b.Elements)), nil), nil
	case "input", "file", "video", "call", "table":
		return nil, nil // known to Slack, nothing Tandem shows
	case "":
		return nil, fail(ErrInvalidBlocks, "%s has no type", path)
	}
	return nil, fail(ErrInvalidBlocks, "%s: unknown block type %q", path, b.Type)
}

func (b *block) context(path string) ([]botapi.Block, error) {
	if len(b.Elements) == 0 {
		return nil, fail(ErrInvalidBlocks, "%s: a context needs elements", path)
	}
	if len(b.Elements) > maxContextElems {
		return nil, fail(ErrInvalidBlocks, "%s: %d elements; at most %d", path, len(b.Elements), maxContextElems)
	}
	out := &botapi.Block{Type: "context"}
	for j, raw := range b.Elements {
		epath := fmt.Sprintf("%s.elements[%d]", path, j)
		var e element
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fail(ErrInvalidBlocks, "%s is not an element: %v", epath, err)
		}
		switch e.Type {
		case "mrkdwn", "plain_text":
			var s string
			if err := json.Unmarshal(e.Text, &s); err != nil {
				return nil, fail(ErrInvalidBlocks, "%s.text is not a string", epath)
			}
			if len(s) > maxBlockBytes {
				return nil, fail(ErrInvalidBlocks, "%s.text is longer than %d bytes", epath, maxBlockBytes)
			}
			out.Fields = append(out.Fields, s)
		case "image":
			// A context's small icon: its alt text says what it is.
			if e.AltText != "" {
				out.Fields = append(out.Fields, clip(e.AltText, maxBlockBytes))
			}
		default:
			return nil, fail(ErrInvalidBlocks, "%s: a context holds text and images, not %q", epath, e.Type)
		}
	}
	if len(out.Fields) == 0 {
		return nil, nil
	}
	return []botapi.Block{*out}, nil
}

func (b *block) actions(path string) ([]botapi.Block, error) {
	if len(b.Elements) == 0 {
		return nil, fail(ErrInvalidBlocks, "%s: actions need elements", path)
	}
	if len(b.Elements) > maxActionElems {
		return nil, fail(ErrInvalidBlocks, "%s: %d elements; at most %d", path, len(b.Elements), maxActionElems)
	}
	out := &botapi.Block{Type: "actions"}
	for j, raw := range b.Elements {
		epath := fmt.Sprintf("%s.elements[%d]", path, j)
		var e element
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fail(ErrInvalidBlocks, "%s is not an element: %v", epath, err)
		}
		if e.Type == "" {
			return nil, fail(ErrInvalidBlocks, "%s has no type", epath)
		}
		if e.Type != "button" {
			continue // selects, date pickers, ...: not shown in Tandem
		}
		var label textObject
		if err := json.Unmarshal(e.Text, &label); err != nil {
			return nil, fail(ErrInvalidBlocks, "%s: a button needs a text object", epath)
		}
		btn, err := button(label.Text, e.URL, e.ActionID, e.Value, e.Style, epath)
		if err != nil {
			return nil, err
		}
		out.Buttons = append(out.Buttons, btn)
	}
	if len(out.Buttons) == 0 {
		return nil, nil
	}
	return []botapi.Block{*out}, nil
}

// button checks and makes a button: with url a link button, otherwise a
// callback button sent to the bot with its action id and value.
func button(label, link, actionID, value, style, path string) (botapi.Button, error) {
	if label == "" {
		return botapi.Button{}, fail(ErrInvalidBlocks, "%s: a button needs text", path)
	}
	if len(label) > maxButtonText {
		return botapi.Button{}, fail(ErrInvalidBlocks, "%s: a button's text is longer than %d bytes", path, maxButtonText)
	}
	switch style {
	case "", "primary", "danger":
	default:
		return botapi.Button{}, fail(ErrInvalidBlocks, "%s: style %q is not primary or danger", path, style)
	}
	if len(actionID) > maxActionID || len(value) > maxValue {
		return botapi.Button{}, fail(ErrInvalidBlocks, "%s: action_id or value too long", path)
	}
	btn := botapi.Button{Label: label, Style: style}
	if link != "" {
		if err := checkURL(link, path+".url"); err != nil {
			return botapi.Button{}, err
		}
		btn.URL = link
		return btn, nil
	}
	btn.ActionID, btn.Value = actionID, value
	if btn.ActionID == "" {
		// Slack makes up an action id for a button without one; Tandem
		// uses its label, which tells the bot which button it was.
		btn.ActionID = label
	}
	return btn, nil
}

// sections is text (and fields) as section blocks of at most
// maxBlockBytes of text each, split at line ends where it can be; fields
// go on the first. Empty text without fields is no block.
func sections(text string, fields []string) []botapi.Block {
	if text == "" && len(fields) == 0 {
		return nil
	}
	var out []botapi.Block
	for {
		chunk := text
		if len(chunk) > maxBlockBytes {
			chunk = clip(text, maxBlockBytes)
			if i := strings.LastIndexByte(chunk, '\n'); i > maxBlockBytes/2 {
				chunk = chunk[:i+1]
			}
		}
		out = append(out, botapi.Block{Type: "section", Text: strings.TrimRight(chunk, "\n"), Fields: fields})
		fields = nil
		text = text[len(chunk):]
		if text == "" {
			return out
		}
	}
}

// clip cuts s to at most n bytes, at a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// image is an image block for an https URL. An http image, which a
// console served over HTTPS would not load, becomes a link to it instead.
func image(rawURL, alt, title, path string) (botapi.Block, error) {
	if err := checkURL(rawURL, path); err != nil {
		return botapi.Block{}, err
	}
	alt = clip(alt, maxAltBytes)
	if strings.HasPrefix(rawURL, "http:") {
		return botapi.Block{Type: "section", Text: link(cmp.Or(title, alt, "image"), rawURL)}, nil
	}
	return botapi.Block{Type: "image", ImageURL: rawURL, AltText: alt, Text: clip(title, maxBlockBytes)}, nil
}

func checkText(t textObject, max int, path string) error {
	switch t.Type {
	case "mrkdwn", "plain_text":
	default:
		return fail(ErrInvalidBlocks, "%s: a text object's type is mrkdwn or plain_text, not %q", path, t.Type)
	}
	if t.Text == "" {
		return fail(ErrInvalidBlocks, "%s is empty", path)
	}
	if n := runes(t.Text); n > max {
		return fail(ErrInvalidBlocks, "%s is %d characters; at most %d", path, n, max)
	}
	return nil
}

// checkURL accepts absolute http and https URLs only: no javascript:, no
// data:.
func checkURL(raw, path string) error {
	if raw == "" {
		return fail(ErrInvalidBlocks, "%s is missing", path)
	}
	if len(raw) > maxURL {
		return fail(ErrInvalidBlocks, "%s is longer than %d characters", path, maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail(ErrInvalidBlocks, "%s is not an http or https URL", path)
	}
	return nil
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// richText flattens the elements of a rich_text block (sections, lists,
// quotes, preformatted text, and their text, links, emoji and mentions)
// into plain text, one line per section.
func richText(elems []json.RawMessage) string {
	var sb strings.Builder
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var e struct {
			Type     string            `json:"type"`
			Text     string            `json:"text"`
			URL      string            `json:"url"`
			Name     string            `json:"name"`
			UserID   string            `json:"user_id"`
			Elements []json.RawMessage `json:"elements"`
		}
		if json.Unmarshal(raw, &e) != nil {
			return
		}
		switch e.Type {
		case "text":
			sb.WriteString(e.Text)
		case "link":
			if e.Text != "" {
				sb.WriteString("<" + e.URL + "|" + e.Text + ">")
			} else {
				sb.WriteString(e.URL)
			}
		case "emoji":
			sb.WriteString(":" + e.Name + ":")
		case "user":
			sb.WriteString("<@" + e.UserID + ">")
		}
		for _, c := range e.Elements {
			walk(c)
		}
		switch e.Type {
		case "rich_text_section", "rich_text_preformatted", "rich_text_quote":
			sb.WriteString("\n")
		}
	}
	for _, e := range elems {
		walk(e)
	}
	return sb.String()
}
