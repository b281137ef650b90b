package e2e

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// TestTriage is the triage flow in Chromium. A site's triage bot is a real
// bot server (triageBot) that checks the signature of everything Tandem
// sends it. The person opens the chat and mentions the bot; the bot
// answers with a message, a callback button (whose answer is a notice for
// the person only) and an invite button; pressing the invite joins an
// assist on the same page; the bot hands over with a summary; an agent
// finds the request in the queue with that summary, takes it and sees the
// whole conversation beside the live view, which never shows the chat
// panel itself. The person sees the agent's answer live, counted unread
// while the panel is closed.
func TestTriage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bot := newTriageBot(t)
	e := setupWith(t, app.Config{WebhookAllow: []string{"127.0.0.1/32"}}, browsertest.Options{})
	demo := e.srv.Demo()

	// The admin makes the bot and names it the demo site's triage bot.
	admin, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	var made struct {
		Bot struct {
			ID string `json:"id"`
		} `json:"bot"`
		Token         string `json:"token"`
		SigningSecret string `json:"signingSecret"`
	}
	if err := admin.Do(ctx, "POST", "/api/v1/bots", map[string]any{
		"name": "triage", "description": "Answers first", "url": bot.URL(),
		"scopes": []string{"messages:read", "messages:write", "assist:read", "assist:invite", "assist:handover"},
	}, &made); err != nil {
		t.Fatalf("create the bot: %v", err)
	}
	bot.created(e.srv.URL(), made.Token, made.SigningSecret)
	site, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	site.TriageBotID = made.Bot.ID
	if err := e.srv.Store().UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}

	// The person opens the chat from the launcher and writes to the bot,
	// with the keyboard: the composer has the focus, Enter sends.
	person, agent := e.tab(), e.tab()
	e.openDemo(person, "index.html")
	browsertest.Run(t, person, "mark the page", chromedp.Evaluate(`window.__samePage = true`, nil))
	browsertest.ClickSDK(t, person, "chat")
	waitJS(t, person, "the composer to have the focus",
		`document.querySelector('[data-tandem-root]').shadowRoot.activeElement?.dataset.tandemUi === 'chat-input'`)
	browsertest.Run(t, person, "write to the bot", chromedp.KeyEvent("@triage my cart is broken"), chromedp.KeyEvent(kb.Enter))
	waitJS(t, person, "the person's own message", chatShows("You", "@triage my cart is broken"))

	// The bot gets the mention, signed, from the person of a support conversation.
	ev := bot.next(ctx)
	convID := ev.Conversation.ID
	if ev.Type != botapi.EventMention || ev.Message == nil || !strings.Contains(ev.Message.Text, "my cart is broken") ||
		ev.Conversation.Kind != "support" || ev.From.Account != "person:"+convID {
		j, _ := json.Marshal(ev)
		t.Fatalf("the bot got %s", j)
	}
	stored := browsertest.Eval[string](t, person, `JSON.parse(sessionStorage.getItem('tandem.chat.`+demo.SiteKey+`') || '{}').id || ''`)
	if stored != convID {
		t.Fatalf("the person's conversation is %q, the bot was told of %q", stored, convID)
	}

	// Its answer shows live: the message, marked as a bot's, and the invite button.
	waitJS(t, person, "the bot's answer", chatShows("triage", triageReply))
	waitJS(t, person, "the bot marked as a bot", chatUI("chat-message")+`.some((m) => m.textContent.includes(`+strconv.Quote(triageReply)+`) && m.querySelector('[data-tandem-ui=chat-bot]'))`)
	waitJS(t, person, "the invite button", chatUI("chat-link")+`.some((b) => b.textContent === `+strconv.Quote(triageInvite)+`)`)

	// The callback button goes to the bot, whose notice only the person sees.
	browsertest.Run(t, person, "press the callback button", chromedp.Evaluate(chatUI("chat-button")+`.find((b) => b.textContent === `+strconv.Quote(triageSolved)+`).click()`, nil))
	if ev := bot.next(ctx); ev.Type != botapi.EventAction || ev.Action == nil || ev.Action.ActionID != "solved" || ev.From.Account != "person:"+convID {
		j, _ := json.Marshal(ev)
		t.Fatalf("the bot got %s", j)
	}
	waitJS(t, person, "the bot's notice", chatShows("Only you can see this", triageNotice))

	// Pressing the invite joins an assist here, without leaving the page.
	browsertest.Run(t, person, "press the invite", chromedp.Evaluate(chatUI("chat-link")+`.find((b) => b.textContent === `+strconv.Quote(triageInvite)+`).click()`, nil))
	waitJS(t, person, "an assist", `window.Tandem.assistId && window.Tandem.state !== 'idle'`)
	if !browsertest.Eval[bool](t, person, `window.__samePage === true && !location.hash.includes('tandem-invite')`) {
		t.Fatal("pressing the invite left the page, or left the invite in the address bar")
	}

	// The bot hands over with a summary.
	summary := "Cart is broken; the person is sharing their screen"
	bot.handover(ctx, convID, summary)

	// The agent sees the person's request in the queue with the summary,
	// takes it, and has the whole conversation beside the live view.
	e.loginConsole(agent, demo.Email, demo.Password)
	row := `[...document.querySelectorAll('[data-testid=queue-item][data-state=waiting]')].find((r) => r.querySelector('[data-testid=queue-summary]')?.textContent.includes(` + strconv.Quote(summary) + `))`
	waitJS(t, agent, "the request in the queue with the summary", row)
	browsertest.Run(t, agent, "take it", chromedp.Evaluate(row+`.querySelector('[data-testid=accept]').click()`, nil))
	if browsertest.Eval[string](t, person, `window.Tandem.state`) != "live" {
		browsertest.ClickSDK(t, person, "allow")
	}
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the live view", browsertest.MirrorDoc+`?.body?.children.length > 0`)
	for _, text := range []string{"@triage my cart is broken", triageReply, triageInvite} {
		waitJS(t, agent, "the conversation beside the live view: "+text,
			`document.querySelector('[data-testid=assist-chat]')?.innerText.includes(`+strconv.Quote(text)+`)`)
	}
	if browsertest.Eval[bool](t, agent, browsertest.MirrorDoc+`.body.innerText.includes('my cart is broken')`) {
		t.Fatal("the chat panel was mirrored to the agent")
	}
	if browsertest.Eval[bool](t, agent, `document.querySelector('[data-testid=assist-chat]').innerText.includes(`+strconv.Quote(triageNotice)+`)`) {
		t.Fatal("the agent sees the notice that was for the person only")
	}

	// The person closes the panel; the agent's answer is counted unread,
	// then read when the panel opens again.
	browsertest.ClickSDK(t, person, "chat-close")
	waitJS(t, person, "the launcher again", browsertest.SDKUI("chat")+`?.hidden === false`)
	if err := admin.Do(ctx, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]string{"text": "Hi, I can see your cart now."}, nil); err != nil {
		t.Fatalf("the agent writes: %v", err)
	}
	waitJS(t, person, "one unread message", browsertest.SDKUI("chat-unread")+`?.textContent === '1'`)
	browsertest.ClickSDK(t, person, "chat")
	waitJS(t, person, "the agent's message", chatShows("Alex", "Hi, I can see your cart now."))
	waitJS(t, person, "no unread count", `!`+browsertest.SDKUI("chat-unread"))
	if n := bot.Refused(); n != 0 {
		t.Fatalf("%d requests to the bot had no valid signature", n)
	}
}
