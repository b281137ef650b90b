package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestConsoleAssistChat: a person's help request is one row of the queue
// (its support conversation, queued, is shown with it rather than as a
// second row), and once the agent accepts, the conversation is beside the
// live view, where the agent writes to the person, and beside the replay
// after the assist.
func TestConsoleAssistChat(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()
	e.loginConsole(agent, demo.Email, demo.Password)
	e.openDemo(person, "index.html")
	browsertest.ClickSDK(t, person, "help")
	waiting := `[data-testid=queue-item][data-state=waiting]`
	waitJS(t, agent, "the request with its queued conversation", `document.querySelector('`+waiting+`[data-conversation-queued=true]')`)
	if browsertest.Eval[bool](t, agent, `!!document.querySelector('[data-testid=queued-conversation]')`) {
		t.Fatal("the request's conversation is listed a second time")
	}
	id := browsertest.Eval[string](t, agent, `document.querySelector('`+waiting+`').dataset.assistId`)
	browsertest.Run(t, agent, "accept", browsertest.Clicked(waiting+` [data-testid=accept]`))
	waitJS(t, agent, "the live view", `location.pathname.endsWith('/assists/`+id+`')`)

	chat := `[data-testid=assist-chat] `
	waitJS(t, agent, "the chat beside the live view", `document.querySelector('`+chat+`[data-testid=conversation-title]') && !document.querySelector('`+chat+`.loading')`)
	browsertest.Run(t, agent, "write to the person",
		chromedp.SendKeys(chat+`[data-testid=composer-input]`, "Hi, I'm looking at it now"),
		browsertest.Clicked(chat+`[data-testid=composer-send]`),
	)
	waitJS(t, agent, "the message", `[...document.querySelectorAll('`+chat+`[data-testid=message]')].some(m => m.textContent.includes("Hi, I'm looking at it now"))`)
	browsertest.Run(t, agent, "reload", chromedp.Reload())
	waitJS(t, agent, "the message, stored", `[...document.querySelectorAll('`+chat+`[data-testid=message]')].some(m => m.textContent.includes("Hi, I'm looking at it now"))`)

	// After the assist, the replay shows the conversation too.
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the page in the mirror", browsertest.MirrorDoc+`?.body`)
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the conversation beside the replay", `[...document.querySelectorAll('`+chat+`[data-testid=message]')].some(m => m.textContent.includes("Hi, I'm looking at it now"))`)
}
