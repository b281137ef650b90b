package slackhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemhq/tandem/botapi"
)

// Limits of what Parse accepts.
const (
	// MaxBody bounds a request body.
	MaxBody = 1 << 20
	// MaxText bounds a message's text, in bytes (as every message of a
	// conversation).
	MaxText = 8000
	// MaxBlocks bounds the blocks of a message, legacy attachments
	// counted as the blocks they become.
	MaxBlocks = 50
	// MaxAttachments is Slack's bound on legacy attachments.
	MaxAttachments = 100
)

// payload is the body of a Slack incoming webhook. Fields Slack uses to
// choose a channel or an identity (channel, username, icon_*) are
// ignored: a hook posts as its bot in its conversation.
type payload struct {
	Text        string            `json:"text"`
	Blocks      []json.RawMessage `json:"blocks"`
	Attachments []attachment      `json:"attachments"`
	// Mrkdwn false asks Slack not to format text; Tandem shows text
	// escaped either way, so it is read and ignored.
	Mrkdwn *bool `json:"mrkdwn"`
}

// Parse reads a Slack incoming webhook request: a JSON body, or a form
// whose payload field is the JSON (application/x-www-form-urlencoded).
// Errors are *Error with Slack's codes.
func Parse(r *http.Request) (botapi.Message, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return botapi.Message{}, fail(ErrTooLarge, "the body is larger than %d KiB", tooLarge.Limit>>10)
	}
	if err != nil {
		return botapi.Message{}, fail(ErrInvalidPayload, "reading the body: %v", err)
	}
	if len(body) > MaxBody {
		return botapi.Message{}, fail(ErrTooLarge, "the body is larger than %d KiB", MaxBody>>10)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	// curl -d '{"text":…}' sends JSON labelled as a form, and Slack takes
	// it: a "form" that is a JSON object is read as one (no form field's
	// name starts with a brace).
	if mt == "application/x-www-form-urlencoded" && !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return botapi.Message{}, fail(ErrInvalidPayload, "the form is not URL-encoded: %v", err)
		}
		if !form.Has("payload") {
			return botapi.Message{}, fail(ErrInvalidPayload, "the form has no payload field")
		}
		body = []byte(form.Get("payload"))
	}
	return ParsePayload(body)
}

// ParsePayload reads the JSON of a Slack incoming webhook.
func ParsePayload(body []byte) (botapi.Message, error) {
	var p payload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		return botapi.Message{}, fail(ErrInvalidPayload, "the payload is not a JSON object of a message: %v", err)
	}
	if dec.More() {
		return botapi.Message{}, fail(ErrInvalidPayload, "the payload has more than one JSON value")
	}
	if len(p.Text) > MaxText {
		return botapi.Message{}, fail(ErrMsgTooLong, "the text is %d bytes; at most %d", len(p.Text), MaxText)
	}
	if len(p.Attachments) > MaxAttachments {
		return botapi.Message{}, fail(ErrTooManyAttachments, "%d attachments; at most %d", len(p.Attachments), MaxAttachments)
	}
	m := botapi.Message{Text: p.Text}
	blocks, err := parseBlocks(p.Blocks, "blocks")
	if err != nil {
		return botapi.Message{}, err
	}
	m.Blocks = blocks
	for i, a := range p.Attachments {
		bs, err := a.blocks(i)
		if err != nil {
			return botapi.Message{}, err
		}
		m.Blocks = append(m.Blocks, bs...)
	}
	if len(m.Blocks) > MaxBlocks {
		return botapi.Message{}, fail(ErrInvalidBlocks, "%d blocks (legacy attachments included); at most %d", len(m.Blocks), MaxBlocks)
	}
	if strings.TrimSpace(m.Text) == "" && len(m.Blocks) == 0 {
		return botapi.Message{}, fail(ErrNoText, "the message has no text, blocks or attachments")
	}
	return m, nil
}
