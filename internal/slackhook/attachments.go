package slackhook

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tandemhq/tandem/botapi"
)

// attachment is one of Slack's legacy message attachments, as Grafana,
// Alertmanager and many CI tools still send them. Colour, icons and the
// timestamp are ignored.
type attachment struct {
	Fallback   string            `json:"fallback"`
	Pretext    string            `json:"pretext"`
	AuthorName string            `json:"author_name"`
	AuthorLink string            `json:"author_link"`
	Title      string            `json:"title"`
	TitleLink  string            `json:"title_link"`
	Text       string            `json:"text"`
	Fields     []attachmentField `json:"fields"`
	ImageURL   string            `json:"image_url"`
	Footer     string            `json:"footer"`
	Actions    []legacyAction    `json:"actions"`
	Blocks     []json.RawMessage `json:"blocks"`
}

type attachmentField struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// legacyAction is an interactive button of a legacy attachment.
type legacyAction struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Name  string `json:"name"`
	URL   string `json:"url"`
	Value string `json:"value"`
	Style string `json:"style"`
}

// blocks turns the i-th attachment into blocks, in the order Slack shows
// its parts: pretext, author, title and text, fields, image, buttons,
// footer; its own blocks after. An attachment with none of those shows its
// fallback.
func (a *attachment) blocks(i int) ([]botapi.Block, error) {
	path := fmt.Sprintf("attachments[%d]", i)
	var out []botapi.Block
	section := func(text string, fields []string) {
		out = append(out, sections(text, fields)...)
	}
	if t := strings.TrimSpace(a.Pretext); t != "" {
		section(t, nil)
	}
	if t := strings.TrimSpace(a.AuthorName); t != "" {
		out = append(out, botapi.Block{Type: "context", Fields: []string{clip(link(t, a.AuthorLink), maxBlockBytes)}})
	}
	var body []string
	if t := strings.TrimSpace(a.Title); t != "" {
		body = append(body, "*"+link(t, a.TitleLink)+"*")
	}
	if t := strings.TrimSpace(a.Text); t != "" {
		body = append(body, t)
	}
	var fields []string
	for _, f := range a.Fields {
		switch {
		case f.Title != "" && f.Value != "":
			fields = append(fields, clip("*"+f.Title+"*\n"+f.Value, maxBlockBytes))
		case f.Title != "" || f.Value != "":
			fields = append(fields, clip(f.Title+f.Value, maxBlockBytes))
		}
	}
	if len(fields) > maxFields {
		// Slack shows them all; a section holds ten, so the rest go on.
		for len(fields) > maxFields {
			section(strings.Join(body, "\n"), fields[:maxFields])
			body, fields = nil, fields[maxFields:]
		}
	}
	if len(body) > 0 || len(fields) > 0 {
		section(strings.Join(body, "\n"), fields)
	}
	if a.ImageURL != "" {
		img, err := image(a.ImageURL, cmp.Or(a.Title, a.Fallback), "", path+".image_url")
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	var buttons []botapi.Button
	for j, act := range a.Actions {
		if act.Type != "" && act.Type != "button" {
			continue
		}
		btn, err := button(act.Text, act.URL, act.Name, act.Value, legacyStyle(act.Style), fmt.Sprintf("%s.actions[%d]", path, j))
		if err != nil {
			return nil, err
		}
		buttons = append(buttons, btn)
	}
	if len(buttons) > maxActionElems {
		return nil, fail(ErrInvalidBlocks, "%s: %d actions; at most %d", path, len(buttons), maxActionElems)
	}
	if len(buttons) > 0 {
		out = append(out, botapi.Block{Type: "actions", Buttons: buttons})
	}
	if t := strings.TrimSpace(a.Footer); t != "" {
		out = append(out, botapi.Block{Type: "context", Fields: []string{clip(t, maxBlockBytes)}})
	}
	own, err := parseBlocks(a.Blocks, path+".blocks")
	if err != nil {
		return nil, err
	}
	out = append(out, own...)
	if len(out) == 0 {
		if t := strings.TrimSpace(a.Fallback); t != "" {
			section(t, nil)
		}
	}
	return out, nil
}

// link is Slack's mrkdwn link "<url|text>", or text alone without a URL.
func link(text, url string) string {
	if url == "" {
		return text
	}
	return "<" + url + "|" + text + ">"
}

// legacyStyle maps a legacy action's style (default, primary, danger) to
// a button's.
func legacyStyle(s string) string {
	if s == "default" {
		return ""
	}
	return s
}
