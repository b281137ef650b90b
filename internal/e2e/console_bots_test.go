package e2e

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestConsoleBots drives the console's bot screens in Chromium, as an
// agent would: a new bot's token is shown once (and is the bot's: the bot
// API takes it); adding the bot to a conversation shows its scopes, and
// Refuse adds nothing while "Authorize and add" adds it with them; its
// command is offered under "/" with its hint and, run, is in its delivery
// log; an answer previews; the bot's webhook posts into the conversation,
// and deleting the webhook removes the bot from it and kills the URL.
func TestConsoleBots(t *testing.T) {
	e := setup(t)
	agent := e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)

	// A bot with two default scopes and one assist scope.
	browsertest.Run(t, agent, "open the bots page", chromedp.Navigate(e.srv.URL()+"/console/bots"))
	browsertest.Run(t, agent, "create a bot",
		browsertest.Clicked(`[data-testid=bot-create-open]`),
		chromedp.WaitVisible(`[data-testid=bot-name]`),
		chromedp.SendKeys(`[data-testid=bot-name]`, "triage"),
		chromedp.SendKeys(`[data-testid=bot-url]`, "https://bots.example/triage"),
		browsertest.Clicked(`[data-testid="bot-scope-assist:invite"]`),
		browsertest.Clicked(`[data-testid=bot-create-submit]`),
	)
	waitJS(t, agent, "the token", `document.querySelector('[data-testid=bot-token]')?.textContent.trim()`)
	token := strings.TrimSpace(browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=bot-token]').textContent`))
	secret := strings.TrimSpace(browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=bot-secret]').textContent`))
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("signing secret %q", secret)
	}
	if code, body := callHTTP(t, "GET", e.srv.URL()+"/api/v1/bot/me", token, ""); code != http.StatusOK || !strings.Contains(body, `"triage"`) {
		t.Fatalf("the token shown does not work: GET /api/v1/bot/me = %d %s", code, body)
	}
	browsertest.Run(t, agent, "done with the secrets", browsertest.Clicked(`[data-testid=bot-created-done]`))
	waitJS(t, agent, "the bot's page", `location.pathname.startsWith('/console/bots/') && document.querySelector('[data-testid=bot-title]')?.textContent === 'triage'`)
	botID := browsertest.Eval[string](t, agent, `decodeURIComponent(location.pathname.split('/').pop())`)
	// Shown once: not on the bot's page, nor after a reload.
	for _, when := range []string{"after creating", "after a reload"} {
		waitJS(t, agent, "the token section", `document.querySelector('[data-testid=bot-token-section]')`)
		if browsertest.Eval[bool](t, agent, `document.documentElement.outerHTML.includes(`+strconv.Quote(token)+`)`) {
			t.Fatalf("%s: the bot's page shows the token", when)
		}
		browsertest.Run(t, agent, "reload", chromedp.Reload())
	}

	// A group conversation to add it to.
	browsertest.Run(t, agent, "open the conversations", chromedp.Navigate(e.srv.URL()+"/console/conversations"))
	browsertest.Run(t, agent, "create a group",
		browsertest.Clicked(`[data-testid=new-conversation-open]`),
		chromedp.WaitVisible(`[data-testid=new-name]`),
		chromedp.SendKeys(`[data-testid=new-name]`, "ops"),
		browsertest.Clicked(`[data-testid=new-create]`),
	)
	waitJS(t, agent, "the new conversation", `location.pathname.startsWith('/console/conversations/') && document.querySelector('[data-testid=conversation-title]')?.textContent === 'ops'`)
	convURL := browsertest.Eval[string](t, agent, `location.href`)
	botMember := `[data-testid=member][data-account="bot:` + botID + `"]`
	openMembers := func() {
		t.Helper()
		waitJS(t, agent, "the conversation", `document.querySelector('[data-testid=conversation-title]')?.textContent === 'ops'`)
		browsertest.Run(t, agent, "open the members", browsertest.Clicked(`[data-testid=members-toggle]`))
		waitJS(t, agent, "the members", `document.querySelectorAll('[data-testid=member]').length >= 1`)
	}
	// chooseBot picks the bot from the dialog's list of bots, or, by
	// keyboard, from what the member picker finds as its name is typed.
	chooseBot := func(byPicker bool) {
		t.Helper()
		browsertest.Run(t, agent, "add a member", browsertest.Clicked(`[data-testid=add-member]`))
		if byPicker {
			browsertest.Run(t, agent, "search for the bot", chromedp.SendKeys(`[data-testid=add-member-account]`, "TRIA"))
			waitJS(t, agent, "the bot, the active option", `(() => {
				const input = document.querySelector('[data-testid=add-member-account]');
				const active = document.getElementById(input.getAttribute('aria-activedescendant') || '');
				return active?.getAttribute('role') === 'option' && active.dataset.account === 'bot:`+botID+`';
			})()`)
			browsertest.Run(t, agent, "choose the bot", browsertest.PressEnter())
		} else {
			waitJS(t, agent, "the bot to choose", `document.querySelector('[data-testid=add-bot][data-bot-id="`+botID+`"]')`)
			browsertest.Run(t, agent, "choose the bot", browsertest.Clicked(`[data-testid=add-bot][data-bot-id="`+botID+`"]`))
		}
		waitJS(t, agent, "the bot's scopes", `document.querySelectorAll('[data-testid=authorize-scopes] [data-scope]').length > 0`)
		got := browsertest.Eval[[]string](t, agent, `[...document.querySelectorAll('[data-testid=authorize-scopes] [data-scope]')].map(e => e.dataset.scope)`)
		if strings.Join(got, ",") != "messages:read,messages:write,assist:invite" {
			t.Fatalf("the authorise dialog lists %v", got)
		}
	}
	noBot := func(what string) {
		t.Helper()
		browsertest.Run(t, agent, "reload", chromedp.Navigate(convURL))
		openMembers()
		if n := browsertest.Eval[int](t, agent, `document.querySelectorAll('[data-testid=member]').length`); n != 1 || browsertest.Eval[bool](t, agent, `!!document.querySelector('`+botMember+`')`) {
			t.Fatalf("%s: %d members, the bot among them: %v", what, n, browsertest.Eval[bool](t, agent, `!!document.querySelector('`+botMember+`')`))
		}
	}

	// Refuse adds nothing.
	openMembers()
	chooseBot(false)
	browsertest.Run(t, agent, "refuse", browsertest.Clicked(`[data-testid=authorize-refuse]`))
	waitJS(t, agent, "the dialog to close", `!document.querySelector('[data-testid=authorize-dialog]')`)
	noBot("after Refuse")

	// Authorize and add adds it, with the scopes shown.
	chooseBot(true)
	browsertest.Run(t, agent, "authorize", browsertest.Clicked(`[data-testid=authorize-add]`))
	waitJS(t, agent, "the bot among the members", `document.querySelector('`+botMember+`')`)
	browsertest.Run(t, agent, "reload", chromedp.Navigate(convURL))
	openMembers()
	waitJS(t, agent, "the bot, stored", `document.querySelector('`+botMember+`')`)
	if g := browsertest.Eval[string](t, agent, `document.querySelector('`+botMember+` [data-testid=member-granted]').textContent`); g != "messages:read, messages:write, assist:invite" {
		t.Fatalf("granted %q", g)
	}

	// A command of the bot is offered in the conversation, with its hint,
	// and running it is in the bot's delivery log; an answer previews.
	browsertest.Run(t, agent, "open the bot's page", chromedp.Navigate(e.srv.URL()+"/console/bots/"+botID))
	browsertest.Run(t, agent, "add a command",
		chromedp.WaitVisible(`[data-testid=command-name]`),
		chromedp.SendKeys(`[data-testid=command-name]`, "ticket"),
		chromedp.SendKeys(`[data-testid=command-hint-input]`, "[title] [priority]"),
		chromedp.SendKeys(`[data-testid=command-description]`, "Open a ticket"),
		browsertest.Clicked(`[data-testid=command-add]`),
	)
	waitJS(t, agent, "the command", `document.querySelector('[data-testid=bot-command][data-command=ticket]')`)
	browsertest.Run(t, agent, "preview the example answer", browsertest.Clicked(`[data-testid=preview-run]`))
	waitJS(t, agent, "the previewed message", `[...document.querySelectorAll('[data-testid=preview-message]')].some(m => m.textContent.includes('Hello!') && m.querySelector('[data-testid=block-button]')?.textContent === 'Share my screen')`)
	browsertest.Run(t, agent, "open the conversation", chromedp.Navigate(convURL))
	browsertest.Run(t, agent, "type a slash", chromedp.WaitVisible(`[data-testid=composer-input]`), chromedp.SendKeys(`[data-testid=composer-input]`, "/ti"))
	waitJS(t, agent, "the command offered with its hint", `document.querySelector('[data-testid=command-option][data-command=ticket] [data-testid=command-hint]')?.textContent === '[title] [priority]'`)
	browsertest.Run(t, agent, "run it", chromedp.Evaluate(`(() => {
		const a = document.querySelector('[data-testid=composer-input]');
		Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(a, '/ticket Printer on fire');
		a.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, nil), browsertest.Clicked(`[data-testid=composer-send]`))
	waitJS(t, agent, "the command sent", `document.querySelector('[data-testid=composer-input]').value === '' && !document.querySelector('[data-testid=composer-error]')`)
	browsertest.Run(t, agent, "open the bot's page", chromedp.Navigate(e.srv.URL()+"/console/bots/"+botID))
	waitJS(t, agent, "the command in the delivery log", `[...document.querySelectorAll('[data-testid=delivery]')].some(d => d.textContent.startsWith('command'))`)

	// Its webhook in this conversation posts as the bot, live.
	browsertest.Run(t, agent, "open the bot's page", chromedp.Navigate(e.srv.URL()+"/console/bots/"+botID))
	waitJS(t, agent, "the webhook", `document.querySelector('[data-testid=bot-hook] [data-testid=bot-hook-conversation]')?.textContent === 'ops'`)
	hookURL := strings.TrimSpace(browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=bot-hook] [data-testid=bot-hook-url]').textContent`))
	if !strings.Contains(hookURL, "/hooks/") {
		t.Fatalf("webhook URL %q", hookURL)
	}
	browsertest.Run(t, agent, "open the conversation", chromedp.Navigate(convURL))
	waitJS(t, agent, "the conversation's messages", `document.querySelector('[data-testid=messages]') && !document.querySelector('[data-testid=messages] .loading')`)
	if code, body := callHTTP(t, "POST", hookURL, "", `{"text":"deploy *done* <script>alert(1)</script>"}`); code != http.StatusOK || body != "ok" {
		t.Fatalf("POST to the webhook = %d %q", code, body)
	}
	waitJS(t, agent, "the bot's message, live", `[...document.querySelectorAll('[data-testid=message][data-author="bot:`+botID+`"]')].some(m => m.querySelector('strong')?.textContent === 'done' && m.textContent.includes('<script>alert(1)</script>'))`)
	if browsertest.Eval[bool](t, agent, `!!document.querySelector('[data-testid=messages] script')`) {
		t.Fatal("a message's text became markup")
	}

	// Deleting the webhook removes the bot from the conversation.
	browsertest.Run(t, agent, "open the bot's page", chromedp.Navigate(e.srv.URL()+"/console/bots/"+botID))
	waitJS(t, agent, "the webhook", `document.querySelector('[data-testid=bot-hook-delete]')`)
	browsertest.Run(t, agent, "delete the webhook", browsertest.Clicked(`[data-testid=bot-hook-delete]`))
	waitJS(t, agent, "the confirmation", `document.querySelector('[data-testid=hook-delete-confirm] [data-testid=confirm-ok]')`)
	browsertest.Run(t, agent, "confirm", browsertest.Clicked(`[data-testid=hook-delete-confirm] [data-testid=confirm-ok]`))
	waitJS(t, agent, "no webhooks left", `document.querySelector('[data-testid=bot-hooks-empty]')`)
	noBot("after deleting the webhook")
	if code, _ := callHTTP(t, "POST", hookURL, "", `{"text":"still here?"}`); code != http.StatusNotFound {
		t.Fatalf("POST to a deleted webhook = %d, want 404", code)
	}
}

// callHTTP makes an HTTP request with an optional bearer token and JSON body, and returns the status and body.
func callHTTP(t testing.TB, method, url, token, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	return res.StatusCode, string(b)
}
