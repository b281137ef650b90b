package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// chatUI is the expression for every element of the chat panel named name.
func chatUI(name string) string {
	return `[...(document.querySelector('[data-tandem-root]')?.shadowRoot?.querySelectorAll('[data-tandem-ui=` + strconv.Quote(name) + `]') || [])]`
}

// chatShows is the expression that is true once the chat panel shows a
// message whose author line and text contain author and text.
func chatShows(author, text string) string {
	return chatUI("chat-message") + `.some((m) => m.querySelector('[data-tandem-ui=chat-author]')?.textContent.includes(` +
		strconv.Quote(author) + `) && m.textContent.includes(` + strconv.Quote(text) + `))`
}

// chatConversation is the expression for the id of the person's chat
// conversation, as the tab keeps it.
func chatConversation(siteKey string) string {
	return `JSON.parse(sessionStorage.getItem('tandem.chat.` + siteKey + `') || '{}').id || ''`
}

// TestChatPanel has a person chat with an agent in Chromium, before and
// during an assist: the panel makes the conversation, shows the agent's
// messages, typing and images live, counts unread messages on the
// launcher while closed, sends the person's attachments, carries on to the next page with its history,
// keeps markup as text, tells the agent what the person read and that they
// type, and a help request joins the chat's conversation.
func TestChatPanel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e := setup(t)
	demo := e.srv.Demo()
	agent, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	person := e.tab()
	e.openDemo(person, "index.html")

	// Nothing of the chat loads before the person opens it.
	if browsertest.Eval[bool](t, person, `!!window.__tandemChat || !!`+browsertest.SDKUI("chat-panel")) {
		t.Fatal("the chat panel loaded before the person opened it")
	}
	browsertest.ClickSDK(t, person, "chat")
	waitJS(t, person, "the composer to have the focus",
		`document.querySelector('[data-tandem-root]').shadowRoot.activeElement?.dataset.tandemUi === 'chat-input'`)
	browsertest.Run(t, person, "write", chromedp.KeyEvent("<b>hello</b>, anyone there?"), chromedp.KeyEvent(kb.Enter))
	waitJS(t, person, "the person's message", chatShows("You", "<b>hello</b>, anyone there?"))
	if browsertest.Eval[bool](t, person, chatUI("chat-log")+`[0].querySelector('b')`) {
		t.Fatal("message text was parsed as HTML")
	}
	convID := browsertest.Eval[string](t, person, chatConversation(demo.SiteKey))
	if convID == "" {
		t.Fatal("the tab keeps no conversation")
	}

	// Without a triage bot the conversation waits in the queue; the agent
	// takes it, types and answers: the person sees both live.
	var queue struct {
		Conversations []struct {
			Conversation struct {
				ID string `json:"id"`
			} `json:"conversation"`
		} `json:"conversations"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations?queue=1", nil, &queue); err != nil {
		t.Fatal(err)
	}
	if len(queue.Conversations) != 1 || queue.Conversations[0].Conversation.ID != convID {
		t.Fatalf("the queue has %+v, want the person's conversation %s", queue.Conversations, convID)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+convID+"/take", nil, nil); err != nil {
		t.Fatalf("take: %v", err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+convID+"/typing", nil, nil); err != nil {
		t.Fatalf("typing: %v", err)
	}
	waitJS(t, person, "the agent typing", browsertest.SDKUI("chat-typing")+`?.textContent === 'Alex is typing…'`)
	post := func(text string, attachments ...string) {
		t.Helper()
		body := map[string]any{"text": text}
		if len(attachments) > 0 {
			body["attachments"] = attachments
		}
		if err := agent.Do(ctx, "POST", "/api/v1/conversations/"+convID+"/messages", body, nil); err != nil {
			t.Fatalf("the agent writes %q: %v", text, err)
		}
	}
	post("Hi! How can I help?")
	waitJS(t, person, "the agent's answer", chatShows("Alex", "Hi! How can I help?"))
	waitJS(t, person, "typing over with the message", browsertest.SDKUI("chat-typing")+`?.textContent === ''`)

	// An image the agent attaches shows, fetched with the person's token.
	att := uploadPNG(t, ctx, agent, convID)
	post("Like this one?", att)
	waitJS(t, person, "the image", chatUI("chat-image")+`.some((i) => i.complete && i.naturalWidth === 1)`)

	// The person attaches files: one over the server's limit is refused
	// before any upload, with the reason; a picture becomes a chip and
	// goes with the next message, which reaches the agent and the console.
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.bin")
	if err := os.WriteFile(huge, make([]byte, 10<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}
	pic := filepath.Join(dir, "dot.png")
	writePNG(t, pic)
	attach := func(what, path string) {
		t.Helper()
		browsertest.Run(t, person, what, chromedp.SetUploadFiles(browsertest.SDKUI("chat-file-input"), []string{path}, chromedp.ByJSPath))
	}
	attach("attach a file too large", huge)
	waitJS(t, person, "the refusal", browsertest.SDKUI("chat-error")+`?.textContent === 'huge.bin is too large: a file is at most 10.0 MB.'`)
	if n := browsertest.Eval[int](t, person, chatUI("chat-chip")+`.length`); n != 0 {
		t.Fatalf("%d chips after a refused file", n)
	}
	attach("attach a picture", pic)
	waitJS(t, person, "the picture uploaded", chatUI("chat-chip")+`.some((c) => c.dataset.ready === 'true' && c.textContent.startsWith('dot.png'))`)
	browsertest.Run(t, person, "send the picture", chromedp.Evaluate(browsertest.SDKUI("chat-input")+`.focus()`, nil), chromedp.KeyEvent("here it is"), chromedp.KeyEvent(kb.Enter))
	waitJS(t, person, "the person's picture", chatUI("chat-message")+`.some((m) => m.textContent.includes('here it is') && [...m.querySelectorAll('[data-tandem-ui=chat-image]')].some((i) => i.complete && i.naturalWidth === 3))`)
	waitJS(t, person, "no chips once sent", chatUI("chat-chip")+`.length === 0`)
	var got struct {
		Messages []struct {
			Text        string `json:"text"`
			Attachments []struct {
				Name        string `json:"name"`
				ContentType string `json:"contentType"`
			} `json:"attachments"`
		} `json:"messages"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/conversations/"+convID+"/messages?limit=1", nil, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 || got.Messages[0].Text != "here it is" || len(got.Messages[0].Attachments) != 1 ||
		got.Messages[0].Attachments[0].Name != "dot.png" || got.Messages[0].Attachments[0].ContentType != "image/png" {
		t.Fatalf("the agent's newest message is %+v, want the person's picture", got.Messages)
	}
	console := e.tab()
	e.loginConsole(console, demo.Email, demo.Password)
	browsertest.Run(t, console, "open the conversation", chromedp.Navigate(e.srv.URL()+"/console/conversations/"+convID))
	waitJS(t, console, "the person's picture in the console", `[...document.querySelectorAll('[data-testid=attachment-image] img')].some((i) => i.complete && i.naturalWidth === 3)`)

	// Closed, the panel counts what arrives on the launcher.
	browsertest.ClickSDK(t, person, "chat-close")
	waitJS(t, person, "the launcher", browsertest.SDKUI("chat")+`?.hidden === false`)
	post("Are you still there?")
	post("I can also look at your page.")
	waitJS(t, person, "two unread", browsertest.SDKUI("chat-unread")+`?.textContent === '2'`)

	// The agent follows the conversation's events from here on.
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(agent.Base, "http")+"/api/v1/conversations/ws",
		&websocket.DialOptions{HTTPClient: agent.Client, HTTPHeader: http.Header{"Origin": {agent.Base}}})
	if err != nil {
		t.Fatalf("the agent's conversations socket: %v", err)
	}
	defer ws.CloseNow()
	waitEvent := func(what string, match func(agentEvent) bool) {
		t.Helper()
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			var ev agentEvent
			if json.Unmarshal(b, &ev) == nil && ev.ConversationID == convID && match(ev) {
				return
			}
		}
	}

	// The next page of the tab has the chat, its count and its history.
	e.openDemo(person, "form.html")
	waitJS(t, person, "two unread on the next page", browsertest.SDKUI("chat-unread")+`?.textContent === '2'`)
	browsertest.ClickSDK(t, person, "chat")
	for _, text := range []string{"<b>hello</b>, anyone there?", "Hi! How can I help?", "Are you still there?", "I can also look at your page."} {
		waitJS(t, person, "the history: "+text, chatUI("chat-message")+`.some((m) => m.textContent.includes(`+strconv.Quote(text)+`))`)
	}
	waitJS(t, person, "nothing unread once open", `!`+browsertest.SDKUI("chat-unread"))

	// What the person has read, and is typing, reaches the agent live.
	waitEvent("the person's read mark at the newest message", func(ev agentEvent) bool {
		return ev.Type == "read" && ev.Account == "person:"+convID && ev.Seq == 6
	})
	browsertest.Run(t, person, "type", chromedp.KeyEvent("o"))
	waitEvent("the person typing", func(ev agentEvent) bool { return ev.Type == "typing" && ev.Account == "person:"+convID })

	// Asking for help with the chat open: the assist joins the conversation.
	browsertest.ClickSDK(t, person, "help")
	waitJS(t, person, "an assist", `!!window.Tandem.assistId`)
	assistID := browsertest.Eval[string](t, person, `window.Tandem.assistId`)
	var a struct {
		Assist struct {
			ConversationID string `json:"conversationId"`
		} `json:"assist"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+assistID, nil, &a); err != nil {
		t.Fatal(err)
	}
	if a.Assist.ConversationID != convID {
		t.Fatalf("the assist's conversation is %q, want the chat's %q", a.Assist.ConversationID, convID)
	}
	if got := browsertest.Eval[string](t, person, chatConversation(demo.SiteKey)); got != convID {
		t.Fatalf("after the help request the tab keeps conversation %q, want %q", got, convID)
	}
}

// agentEvent is an event of the console's conversations socket, as far as the tests read it.
type agentEvent struct {
	Type, ConversationID, Account string
	Seq                           int64
}

// uploadPNG uploads a 1×1 PNG to the conversation as the agent and returns its id.
func uploadPNG(t testing.TB, ctx context.Context, agent *simclient.Agent, convID string) string {
	t.Helper()
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	req, _ := http.NewRequestWithContext(ctx, "POST", agent.Base+"/api/v1/conversations/"+convID+"/attachments?name=dot.png", bytes.NewReader(png))
	req.Header.Set("Content-Type", "image/png")
	res, err := agent.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated || out.ID == "" {
		t.Fatalf("upload: status %d, %+v, %v", res.StatusCode, out, err)
	}
	return out.ID
}
