package slackhook_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/store"
)

// hookStore is what these tests set up directly in the server's store.
type hookStore interface {
	UserByEmail(ctx context.Context, email string) (*tandem.User, error)
	CreateBot(ctx context.Context, b *tandem.Bot) error
	UpdateBot(ctx context.Context, b *tandem.Bot) error
	CreateConversation(ctx context.Context, c *tandem.Conversation, members []*tandem.Member) error
	CreateHook(ctx context.Context, h *tandem.Hook) error
	DeleteHook(ctx context.Context, id string) error
	Messages(ctx context.Context, conversationID string, f store.MessageFilter) ([]*tandem.Message, error)
}

// hookServer is a whole Tandem with a bot in a conversation of the test
// agent, and the bot's incoming webhook there.
type hookServer struct {
	ts           *apptest.TestServer
	st           hookStore
	bot          *tandem.Bot
	hook         *tandem.Hook
	conversation *tandem.Conversation
	url          string // the hook's URL
}

func startHookServer(t *testing.T, granted ...tandem.Scope) *hookServer {
	t.Helper()
	ts := apptest.Start(t, app.Config{}, "")
	st, ok := ts.Store().(hookStore)
	if !ok {
		t.Fatal("the store has no bots or conversations")
	}
	ctx := context.Background()
	agent, err := st.UserByEmail(ctx, ts.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	h := &hookServer{ts: ts, st: st}
	h.bot = &tandem.Bot{OwnerID: agent.ID, Name: "alerts", URL: "https://bots.example/alerts",
		Scopes:    []tandem.Scope{tandem.ScopeMessagesRead, tandem.ScopeMessagesWrite},
		TokenHash: auth.HashToken("bot-token"), TokenID: "tok1", SigningSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	if err := st.CreateBot(ctx, h.bot); err != nil {
		t.Fatal(err)
	}
	user := tandem.Account{Kind: tandem.AccountUser, ID: agent.ID}
	h.conversation = &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "ops", CreatedBy: user}
	err = st.CreateConversation(ctx, h.conversation, []*tandem.Member{
		{Account: user}, {Account: tandem.Account{Kind: tandem.AccountBot, ID: h.bot.ID}, AddedBy: user, Granted: granted},
	})
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimRight(strings.ToLower(rand.Text()), "=")
	h.hook = &tandem.Hook{BotID: h.bot.ID, ConversationID: h.conversation.ID, TokenHash: auth.HashToken(token)}
	if err := st.CreateHook(ctx, h.hook); err != nil {
		t.Fatal(err)
	}
	h.url = ts.URL() + "/hooks/" + token
	return h
}

// messages are the conversation's messages, oldest first.
func (h *hookServer) messages(t *testing.T) []*tandem.Message {
	t.Helper()
	ms, err := h.st.Messages(context.Background(), h.conversation.ID, store.MessageFilter{After: 0})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// What the slack-go client posts lands in the conversation as the bot's
// message, with its blocks and legacy attachments; Slack's errors come
// back as Slack's statuses.
func TestSlackGoClient(t *testing.T) {
	h := startHookServer(t, tandem.ScopeMessagesWrite)
	client := h.ts.Client() // responses checked against the OpenAPI document
	msg := &slack.WebhookMessage{
		Text:     "Deploy finished",
		Username: "ci", Channel: "#elsewhere", // ignored
		Blocks: &slack.Blocks{BlockSet: []slack.Block{
			slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Deploy web-7", false, false)),
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Status:* success", false, false),
				[]*slack.TextBlockObject{slack.NewTextBlockObject(slack.MarkdownType, "*Env*\nprod", false, false)}, nil),
			slack.NewDividerBlock(),
			slack.NewActionBlock("acts",
				slack.NewButtonBlockElement("", "", slack.NewTextBlockObject(slack.PlainTextType, "Open run", false, false)).WithURL("https://ci.example.com/runs/7"),
				slack.NewButtonBlockElement("rollback", "run-7", slack.NewTextBlockObject(slack.PlainTextType, "Roll back", false, false)).WithStyle(slack.StyleDanger),
			),
		}},
		Attachments: []slack.Attachment{{Title: "Changes", Text: "3 commits", Fields: []slack.AttachmentField{{Title: "Author", Value: "sam", Short: true}}}},
	}
	if err := slack.PostWebhookCustomHTTP(h.url, client, msg); err != nil {
		t.Fatalf("PostWebhook: %v", err)
	}
	ms := h.messages(t)
	if len(ms) != 1 {
		t.Fatalf("%d messages, want 1", len(ms))
	}
	m := ms[0]
	if m.Author != (tandem.Account{Kind: tandem.AccountBot, ID: h.bot.ID}) || m.Text != "Deploy finished" {
		t.Fatalf("message = %+v", m)
	}
	var kinds []string
	for _, b := range m.Blocks {
		kinds = append(kinds, string(b.Kind))
	}
	if got := strings.Join(kinds, ","); got != "header,section,divider,actions,section" {
		t.Fatalf("blocks = %s", got)
	}
	btns := m.Blocks[3].Buttons
	if len(btns) != 2 || btns[0].Kind != tandem.ButtonLink || btns[0].URL != "https://ci.example.com/runs/7" ||
		btns[1].Kind != tandem.ButtonCallback || btns[1].ActionID != "rollback" || btns[1].Value != "run-7" || btns[1].Style != "danger" {
		t.Fatalf("buttons = %+v", btns)
	}
	if last := m.Blocks[4]; last.Text != "*Changes*\n3 commits" || len(last.Fields) != 1 || last.Fields[0] != "*Author*\nsam" {
		t.Fatalf("the attachment became %+v", last)
	}

	// Errors, as slack-go reports them.
	var sc slack.StatusCodeError
	err := slack.PostWebhookCustomHTTP(h.url, client, &slack.WebhookMessage{})
	if !errors.As(err, &sc) || sc.Code != http.StatusBadRequest {
		t.Fatalf("an empty message: %v", err)
	}
	err = slack.PostWebhookCustomHTTP(h.ts.URL()+"/hooks/not-a-hook", client, &slack.WebhookMessage{Text: "x"})
	if !errors.As(err, &sc) || sc.Code != http.StatusNotFound {
		t.Fatalf("an unknown hook: %v", err)
	}
	if n := len(h.messages(t)); n != 1 {
		t.Fatalf("refused posts stored messages: %d", n)
	}
}

// postRaw posts body with a content type and returns the status, the
// body and the headers.
func postRaw(t *testing.T, client *http.Client, url, contentType, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := client.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// The answers tools check: 200 text/html "ok"; Slack's strings otherwise,
// for every way a post can fail; nothing is stored by a refused post.
func TestHookAnswersLikeSlack(t *testing.T) {
	h := startHookServer(t, tandem.ScopeMessagesWrite)
	client := h.ts.Client()
	status, body, hdr := postRaw(t, client, h.url, "application/json", `{"text":"disk 91% full on db-2"}`)
	if status != 200 || body != "ok" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("post = %d %q %q", status, body, hdr.Get("Content-Type"))
	}
	form := url.Values{"payload": {`{"text":"backup done"}`}}.Encode()
	if status, body, _ := postRaw(t, client, h.url, "application/x-www-form-urlencoded", form); status != 200 || body != "ok" {
		t.Fatalf("form post = %d %q", status, body)
	}
	// A cross-site form post is fine: the token is the credential.
	req, _ := http.NewRequest("POST", h.url, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://elsewhere.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("cross-site post = %d", resp.StatusCode)
	}
	before := len(h.messages(t))
	if before != 3 {
		t.Fatalf("%d messages, want 3", before)
	}

	cases := []struct {
		name, url, contentType, body string
		status                       int
		code                         string
	}{
		{"not JSON", h.url, "application/json", `{"text":`, 400, "invalid_payload"},
		{"no text", h.url, "application/json", `{"username":"ci"}`, 400, "no_text"},
		{"bad block", h.url, "application/json", `{"blocks":[{"type":"carousel"}]}`, 400, "invalid_blocks"},
		{"javascript button", h.url, "application/json", `{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"url":"javascript:alert(1)"}]}]}`, 400, "invalid_blocks"},
		{"too long", h.url, "application/json", `{"text":"` + strings.Repeat("a", 8001) + `"}`, 400, "msg_too_long"},
		{"form without payload", h.url, "application/x-www-form-urlencoded", "text=hi", 400, "invalid_payload"},
		{"too large", h.url, "application/json", `{"text":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "request_too_large"},
		{"unknown token", h.ts.URL() + "/hooks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "application/json", `{"text":"x"}`, 404, "no_service"},
		{"malformed token", h.ts.URL() + "/hooks/a.b", "application/json", `{"text":"x"}`, 404, "no_service"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, hdr := postRaw(t, client, c.url, c.contentType, c.body)
			if status != c.status || body != c.code {
				t.Fatalf("= %d %q, want %d %q (%s)", status, body, c.status, c.code, hdr.Get("X-Tandem-Error"))
			}
			if hdr.Get("X-Tandem-Error") == "" {
				t.Fatal("no X-Tandem-Error detail")
			}
		})
	}
	if n := len(h.messages(t)); n != before {
		t.Fatalf("refused posts stored messages: %d, want %d", n, before)
	}

	// The bot's token revoked: its hooks stop at once.
	h.bot.TokenHash = ""
	if err := h.st.UpdateBot(context.Background(), h.bot); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := postRaw(t, client, h.url, "application/json", `{"text":"x"}`); status != 403 || body != "invalid_token" {
		t.Fatalf("revoked bot = %d %q", status, body)
	}
	// A deleted hook is gone.
	if err := h.st.DeleteHook(context.Background(), h.hook.ID); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := postRaw(t, client, h.url, "application/json", `{"text":"x"}`); status != 404 || body != "no_service" {
		t.Fatalf("deleted hook = %d %q", status, body)
	}
	if n := len(h.messages(t)); n != before {
		t.Fatalf("%d messages, want %d", n, before)
	}
}

// A bot its adder did not grant messages:write may not post through its
// hook either.
func TestHookNeedsMessagesWrite(t *testing.T) {
	h := startHookServer(t, tandem.ScopeMessagesRead)
	status, body, _ := postRaw(t, h.ts.Client(), h.url, "application/json", `{"text":"x"}`)
	if status != 403 || body != "action_prohibited" {
		t.Fatalf("= %d %q", status, body)
	}
}

// A hook posted to faster than a bot may post is refused with 429 and
// Retry-After, which slack-go reads.
func TestHookRateLimited(t *testing.T) {
	h := startHookServer(t, tandem.ScopeMessagesWrite)
	client := h.ts.Client()
	var limited *slack.RateLimitedError
	for i := range 40 {
		err := slack.PostWebhookCustomHTTP(h.url, client, &slack.WebhookMessage{Text: "flood"})
		if errors.As(err, &limited) {
			if limited.RetryAfter <= 0 {
				t.Fatalf("Retry-After = %v", limited.RetryAfter)
			}
			if n := len(h.messages(t)); n != i {
				t.Fatalf("%d messages after %d posts accepted", n, i)
			}
			return
		}
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	t.Fatal("40 posts at once were not limited")
}

// nodeModules is web/node_modules, where @slack/webhook is installed.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "web", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "@slack", "webhook", "package.json")); err != nil {
		t.Fatalf("@slack/webhook is not installed in %s (cd web && npm ci): %v", dir, err)
	}
	return dir
}

// slackNode posts payload to url with the npm @slack/webhook client and
// returns what it reported.
func slackNode(t *testing.T, url, payload string) map[string]any {
	t.Helper()
	cmd := exec.Command("node", filepath.Join("testdata", "slackpost.cjs"), url, payload)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules(t))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v: %s", err, out)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}
	return res
}

// What the npm @slack/webhook client sends lands in the conversation, and
// it reads Tandem's answers as it reads Slack's.
func TestSlackNodeClient(t *testing.T) {
	h := startHookServer(t, tandem.ScopeMessagesWrite)
	payload := `{"text":"Build #88 failed","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*Build #88* failed on main"}},` +
		`{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Logs"},"url":"https://ci.example.com/88"}]}]}`
	res := slackNode(t, h.url, payload)
	if res["text"] != "ok" {
		t.Fatalf("@slack/webhook = %v", res)
	}
	ms := h.messages(t)
	if len(ms) != 1 || ms[0].Text != "Build #88 failed" || len(ms[0].Blocks) != 2 || ms[0].Blocks[1].Buttons[0].URL != "https://ci.example.com/88" {
		t.Fatalf("messages = %+v", ms)
	}
	res = slackNode(t, h.url, `{"attachments":[]}`)
	if res["error"] != "slack_webhook_http_error" || res["status"] != float64(400) || res["body"] != "no_text" {
		t.Fatalf("@slack/webhook on an empty message = %v", res)
	}
}
