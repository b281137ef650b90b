package botapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls Tandem's bot API (/api/v1/bot/…) with a bot's token. Its
// methods return *APIError when Tandem answers with an error.
type Client struct {
	// BaseURL is Tandem's address, e.g. https://tandem.example.com.
	BaseURL string
	// Token is the bot's token ("tdb_…").
	Token string
	// HTTP sends the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
}

// APIError is an error answer of the API.
type APIError struct {
	Status  int
	Code    string // e.g. "forbidden", "not_found"
	Message string
	// Refused lists the refused instructions of Instruct (none applied).
	Refused []Refused
}

func (e *APIError) Error() string {
	return fmt.Sprintf("tandem: %d %s: %s", e.Status, e.Code, e.Message)
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// do sends a request with body (JSON, when not nil) and decodes the answer
// into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("tandem: read the answer: %w", err)
	}
	if res.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			Refused []Refused `json:"refused"`
		}
		apiErr := &APIError{Status: res.StatusCode, Code: "unknown", Message: strings.TrimSpace(string(data))}
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			apiErr.Code, apiErr.Message, apiErr.Refused = e.Error.Code, e.Error.Message, e.Refused
		}
		return apiErr
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("tandem: decode the answer: %w", err)
	}
	return nil
}

func convPath(id string, rest ...string) string {
	p := "/api/v1/bot/conversations/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// Me is the bot of the token, and the token's id.
type Me struct {
	Bot struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		AvatarURL   string   `json:"avatarUrl,omitempty"`
		Description string   `json:"description,omitempty"`
		Scopes      []string `json:"scopes"`
	} `json:"bot"`
	TokenID string `json:"tokenId"`
}

// Me returns the bot the token belongs to.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var out Me
	return &out, c.do(ctx, "GET", "/api/v1/bot/me", nil, &out)
}

// Conversations returns a page of the conversations the bot is in, and the
// cursor of the next page ("" at the end).
func (c *Client) Conversations(ctx context.Context, after string, limit int) ([]Conversation, string, error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Conversations []Conversation `json:"conversations"`
		Next          string         `json:"next"`
	}
	err := c.do(ctx, "GET", "/api/v1/bot/conversations?"+q.Encode(), nil, &out)
	return out.Conversations, out.Next, err
}

// NewConversation is a group conversation a bot starts.
type NewConversation struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	AvatarURL   string   `json:"avatarUrl,omitempty"`
	Members     []string `json:"members,omitempty"` // "user:ID" or emails
	Message     *Message `json:"message,omitempty"`
}

// CreateConversation starts a group conversation (conversations:create).
func (c *Client) CreateConversation(ctx context.Context, nc NewConversation) (*Conversation, error) {
	var out Conversation
	return &out, c.do(ctx, "POST", "/api/v1/bot/conversations", nc, &out)
}

// Conversation returns a conversation and what the bot may do there.
func (c *Client) Conversation(ctx context.Context, id string) (*Conversation, []string, error) {
	var out struct {
		Conversation Conversation `json:"conversation"`
		Scopes       []string     `json:"scopes"`
	}
	err := c.do(ctx, "GET", convPath(id), nil, &out)
	return &out.Conversation, out.Scopes, err
}

// Info is a change of a conversation; nil fields stay.
type Info struct {
	Name        *string `json:"name,omitempty"`
	AvatarURL   *string `json:"avatarUrl,omitempty"`
	Description *string `json:"description,omitempty"`
}

// UpdateConversation changes the conversation's info (conversations:write).
func (c *Client) UpdateConversation(ctx context.Context, id string, in Info) (*Conversation, error) {
	var out Conversation
	return &out, c.do(ctx, "PATCH", convPath(id), in, &out)
}

// Member is a member of a conversation.
type Member struct {
	Account  string   `json:"account"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Granted  []string `json:"granted,omitempty"`
	LastRead int64    `json:"lastRead"`
}

// Members lists a conversation's members (members:read).
func (c *Client) Members(ctx context.Context, id string) ([]Member, error) {
	var out struct {
		Members []Member `json:"members"`
	}
	return out.Members, c.do(ctx, "GET", convPath(id, "members"), nil, &out)
}

// AddMember adds a user ("user:ID" or an email) (members:write).
func (c *Client) AddMember(ctx context.Context, id, account string) (*Member, error) {
	var out Member
	return &out, c.do(ctx, "POST", convPath(id, "members"), map[string]string{"account": account}, &out)
}

// Messages returns history (messages:read): with before > 0 the messages
// before that sequence number, newest first; with after, those after it,
// oldest first; and whether there are more.
func (c *Client) Messages(ctx context.Context, id string, before, after int64, limit int) ([]Message, bool, error) {
	q := url.Values{}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Messages []Message `json:"messages"`
		More     bool      `json:"more"`
	}
	err := c.do(ctx, "GET", convPath(id, "messages")+"?"+q.Encode(), nil, &out)
	return out.Messages, out.More, err
}

// Post posts a message (messages:write). A non-empty clientID makes it
// idempotent: posting again with it returns the first message.
func (c *Client) Post(ctx context.Context, id string, m Message, clientID string) (*Message, error) {
	body := map[string]any{"text": m.Text, "blocks": m.Blocks}
	if clientID != "" {
		body["clientId"] = clientID
	}
	var out Message
	return &out, c.do(ctx, "POST", convPath(id, "messages"), body, &out)
}

// Replace replaces one of the bot's own messages (messages:write).
func (c *Client) Replace(ctx context.Context, id, messageID string, m Message) (*Message, error) {
	var out Message
	return &out, c.do(ctx, "PUT", convPath(id, "messages", url.PathEscape(messageID)),
		map[string]any{"text": m.Text, "blocks": m.Blocks}, &out)
}

// Instruct applies instructions as an answer to an event would: all of
// them, or none (an *APIError with Refused).
func (c *Client) Instruct(ctx context.Context, id string, ins ...Instruction) (int, error) {
	var out struct {
		Applied int `json:"applied"`
	}
	err := c.do(ctx, "POST", convPath(id, "instructions"), Answer{Instructions: ins}, &out)
	return out.Applied, err
}

// Assist returns the conversation's assist (assist:read), nil for none.
func (c *Client) Assist(ctx context.Context, id string) (*AssistStatus, error) {
	var out struct {
		Assist *AssistStatus `json:"assist"`
	}
	return out.Assist, c.do(ctx, "GET", convPath(id, "assist"), nil, &out)
}

// InviteLink is an invite a bot made and posted as a button.
type InviteLink struct {
	URL       string    `json:"url"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"`
	MessageID string    `json:"messageId"`
}

// Invite makes an invite to the conversation's site and posts it as a
// button labelled label (assist:invite).
func (c *Client) Invite(ctx context.Context, id, label string) (*InviteLink, error) {
	var out InviteLink
	return &out, c.do(ctx, "POST", convPath(id, "invites"), map[string]string{"label": label}, &out)
}

// Handover asks for a human: the conversation enters the agents' queue with
// summary (assist:handover).
func (c *Client) Handover(ctx context.Context, id, summary string) (*Conversation, error) {
	var out Conversation
	return &out, c.do(ctx, "POST", convPath(id, "handover"), map[string]string{"summary": summary}, &out)
}

// EndAssist ends the conversation's assist (assist:end).
func (c *Client) EndAssist(ctx context.Context, id string) (*AssistStatus, error) {
	var out struct {
		Assist AssistStatus `json:"assist"`
	}
	return &out.Assist, c.do(ctx, "POST", convPath(id, "assist", "end"), nil, &out)
}
