package e2e

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// TestConsoleConversation has two agents talk in the console: a direct
// conversation made in the dialog, a mention completed from the members,
// the message arriving live with an unread count that reading clears (on
// the server too), the typing indicator, and a picture shown inline.
func TestConsoleConversation(t *testing.T) {
	e := setup(t)
	ada, bo := e.tab(), e.tab()
	demo := e.srv.Demo()
	email, pw := addAgent(t, e, "bo@example.com", "Bo")
	u, err := e.srv.Store().UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	e.loginConsole(ada, demo.Email, demo.Password)
	e.loginConsole(bo, email, pw)

	browsertest.Run(t, ada, "open the conversations", chromedp.Navigate(e.srv.URL()+"/console/conversations"))
	browsertest.Run(t, ada, "start a direct conversation with Bo",
		browsertest.Clicked(`[data-testid=new-conversation-open]`),
		chromedp.WaitVisible(`[data-testid=new-kind-direct]`),
		browsertest.Clicked(`[data-testid=new-kind-direct]`),
		chromedp.SendKeys(`[data-testid=new-members]`, "bo@exa"),
	)
	// The directory offers Bo as the active option of the combobox; Enter
	// chooses him, and he shows as a chip.
	waitJS(t, ada, "Bo offered", `(() => {
		const input = document.querySelector('[data-testid=new-members]');
		const active = document.getElementById(input.getAttribute('aria-activedescendant') || '');
		return input.getAttribute('aria-expanded') === 'true' && active?.getAttribute('role') === 'option' &&
			active.dataset.account === 'user:`+u.ID+`' && active.textContent.includes('Bo');
	})()`)
	browsertest.Run(t, ada, "choose Bo", browsertest.PressEnter())
	waitJS(t, ada, "Bo chosen", `document.querySelector('[data-testid=new-chip]')?.dataset.account === 'user:`+u.ID+`' && document.querySelector('[data-testid=new-members]').value === ''`)
	browsertest.Run(t, ada, "create", browsertest.Clicked(`[data-testid=new-create]`))
	waitJS(t, ada, "the conversation, titled by the other side", `document.querySelector('[data-testid=conversation-title]')?.textContent === 'Bo'`)
	convURL := browsertest.Eval[string](t, ada, `location.href`)

	// Mention completion: "@b" offers Bo; Tab takes it.
	browsertest.Run(t, ada, "type a mention", chromedp.SendKeys(`[data-testid=composer-input]`, "hello @b"))
	waitJS(t, ada, "Bo offered", `[...document.querySelectorAll('[data-testid=completion]')].some(c => c.textContent.startsWith('@bo'))`)
	browsertest.Run(t, ada, "take it", chromedp.KeyEvent("\t"))
	waitJS(t, ada, "the mention typed", `document.querySelector('[data-testid=composer-input]').value.startsWith('hello @bo ')`)
	browsertest.Run(t, ada, "finish and send", chromedp.Evaluate(`(() => {
		const a = document.querySelector('[data-testid=composer-input]');
		const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
		set.call(a, 'hello @bo, see this');
		a.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, nil), browsertest.Clicked(`[data-testid=composer-send]`))
	waitJS(t, ada, "the message, sent", `[...document.querySelectorAll('[data-testid=message]')].some(m => m.textContent.includes('hello @bo, see this'))`)

	// Bo, elsewhere in the console, sees one unread; opening it reads it.
	browsertest.Run(t, bo, "open the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
	waitJS(t, bo, "one unread", `document.querySelector('[data-testid=conversations-badge]')?.textContent === '1'`)
	browsertest.Run(t, bo, "open the conversation", chromedp.Navigate(convURL))
	waitJS(t, bo, "the message with Bo's mention", `[...document.querySelectorAll('[data-testid=message] .mention')].some(m => m.textContent === '@bo')`)
	waitJS(t, bo, "no unread", `!document.querySelector('[data-testid=conversations-badge]')`)
	browsertest.Run(t, bo, "reload", chromedp.Reload())
	waitJS(t, bo, "the conversation again", `document.querySelector('[data-testid=conversation-item]')`)
	if browsertest.Eval[bool](t, bo, `!!document.querySelector('[data-testid=conversations-badge]')`) {
		t.Fatal("the read mark was not stored: the unread count is back after a reload")
	}

	// Ada sees Bo typing.
	browsertest.Run(t, bo, "type", chromedp.SendKeys(`[data-testid=composer-input]`, "thanks"))
	waitJS(t, ada, "Bo is typing", `document.querySelector('[data-testid=typing]')?.textContent === 'Bo is typing…'`)

	// A picture is uploaded with the next message and shown inline.
	pic := filepath.Join(t.TempDir(), "dot.png")
	writePNG(t, pic)
	browsertest.Run(t, bo, "attach a picture", chromedp.SetUploadFiles(`[data-testid=composer-file]`, []string{pic}, chromedp.ByQuery))
	waitJS(t, bo, "the upload", `document.querySelector('[data-testid=upload]:not([data-state=uploading])')`)
	if st := browsertest.Eval[string](t, bo, `document.querySelector('[data-testid=upload]').dataset.state + ' ' + document.querySelector('[data-testid=upload]').textContent`); st != "ready dot.png" {
		t.Fatalf("upload: %s", st)
	}
	browsertest.Run(t, bo, "send", browsertest.Clicked(`[data-testid=composer-send]`))
	waitJS(t, ada, "the picture, inline", `[...document.querySelectorAll('[data-testid=attachment-image] img')].some(i => i.complete && i.naturalWidth === 3)`)
	waitJS(t, ada, "Bo no longer typing", `document.querySelector('[data-testid=typing]')?.textContent === ''`)
}

// writePNG writes a 3×2 picture.
func writePNG(t testing.TB, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
