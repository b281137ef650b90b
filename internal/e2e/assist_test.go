package e2e

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/openapitest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// Secrets typed into masked fields: none may reach the server.
var secrets = []string{"hunter2-SECRET-pw", "4111111111111111", "SECRETNOTE-42", "4417-2290-0081"}

func TestLiveAssist(t *testing.T) {
	e := setupOnDisk(t)
	person, agent := e.tab(), e.tab()
	demo := e.srv.Demo()
	browsertest.Run(t, person, "size the person's window", chromedp.EmulateViewport(1280, 720))
	id := askForHelp(t, e, person, agent, "form.html")
	msg := browsertest.Eval[string](t, person, browsertest.SDKUI("message")+`?.textContent || ""`)
	if !strings.Contains(msg, "Alex from Support wants to see this page") {
		t.Fatalf("consent prompt = %q", msg)
	}
	// Nothing is captured before Allow: no recorder on the page, no recording.
	if browsertest.Eval[bool](t, person, `!!window.__tandemRecorder`) {
		t.Fatal("the recorder was loaded before the person allowed")
	}
	if n := countFiles(t, filepath.Join(e.data, "blobs")); n != 0 {
		t.Fatalf("%d recording files exist before consent", n)
	}

	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the live view", `location.pathname.endsWith('/assists/`+id+`')`)
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)
	waitMirrorMatches(t, person, agent, "first snapshot")

	browsertest.Run(t, person, "fill the form",
		chromedp.SendKeys(`#name`, "Grace Hopper"),
		chromedp.SendKeys(`#email`, "grace@example.com"),
		chromedp.SendKeys(`#password`, secrets[0]),
		chromedp.SendKeys(`#card-number`, secrets[1]),
		chromedp.SendKeys(`#notes`, secrets[2]),
		chromedp.Click(`#newsletter`),
		chromedp.Click(`#contact-phone`),
	)
	waitMirrorMatches(t, person, agent, "after typing")
	if v := browsertest.Eval[string](t, agent, browsertest.MirrorDoc+`.querySelector('#password').value`); v == "" || strings.Trim(v, "*") != "" {
		t.Fatalf("the mirror shows the password field as %q, want only asterisks", v)
	}
	waitJS(t, agent, "a click mark", `document.querySelector('[data-testid=click-mark]')`)

	browsertest.Run(t, person, "scroll", chromedp.Evaluate(`document.body.style.minHeight = '3000px'; window.scrollTo(0, 400)`, nil))
	waitJS(t, agent, "the mirror to scroll", `Math.abs((`+browsertest.MirrorDoc+`.scrollingElement.scrollTop) - 400) < 5`)

	// A full navigation keeps the assist; an SPA route change shows the new page.
	browsertest.Run(t, person, "go to the SPA", chromedp.Navigate(demo.SiteURL+"/spa.html"))
	waitJS(t, person, "the badge after navigating", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the SPA in the mirror", browsertest.MirrorDoc+`?.querySelector('#route-products')`)
	browsertest.Run(t, person, "change route", chromedp.Click(`#route-products`))
	waitMirrorMatches(t, person, agent, "after a route change")
	waitJS(t, agent, "two pages listed", `document.querySelectorAll('[data-testid=page-item]').length >= 2`)

	// A second agent sees the same state at once.
	second := e.tab()
	e.loginConsole(second, demo.Email, demo.Password)
	browsertest.Run(t, second, "open the assist", chromedp.Navigate(e.srv.URL()+"/console/assists/"+id))
	waitMirrorMatches(t, person, second, "second agent")

	// The person's network drops while the page changes, then returns.
	e.proxy.cut(true)
	browsertest.Run(t, person, "load many rows while offline", chromedp.Click(`#load-rows`))
	time.Sleep(1500 * time.Millisecond)
	e.proxy.restore()
	waitMirrorMatches(t, person, agent, "after the connection came back")
	waitMirrorMatches(t, person, second, "second agent after the connection came back")

	// Running information: console, network and errors appear beside the view.
	browsertest.Run(t, person, "log, fetch and fail", chromedp.Evaluate(`(() => {
		console.log('cart updated', {items: 3});
		fetch('/api/items');
		fetch('/api/missing');
		setTimeout(() => { throw new Error('Checkout button exploded') });
	})()`, nil))
	waitJS(t, agent, "the console row", `[...document.querySelectorAll('[data-testid=devtools-row][data-kind=console]')].some(r => r.textContent.includes('cart updated'))`)
	browsertest.Run(t, agent, "open the network tab", chromedp.Click(`[data-testid=devtools-network]`))
	waitJS(t, agent, "the network rows", `[...document.querySelectorAll('[data-testid=devtools-row][data-kind=network]')].some(r => r.textContent.includes('/api/items') && r.textContent.includes('200'))
		&& [...document.querySelectorAll('[data-testid=devtools-row][data-kind=network]')].some(r => r.textContent.includes('/api/missing') && r.textContent.includes('404'))`)
	browsertest.Run(t, agent, "open the errors tab", chromedp.Click(`[data-testid=devtools-errors]`))
	waitJS(t, agent, "the error row", `[...document.querySelectorAll('[data-testid=devtools-row][data-kind=error]')].some(r => r.textContent.includes('Checkout button exploded'))`)
	browsertest.Run(t, agent, "back to the network tab", chromedp.Click(`[data-testid=devtools-network]`))

	if shot := os.Getenv("TANDEM_SCREENSHOT"); shot != "" {
		var png []byte
		browsertest.Run(t, agent, "screenshot", chromedp.EmulateViewport(1440, 900), chromedp.CaptureScreenshot(&png))
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The badge ends the assist at once, for everyone.
	final := personSignature(t, person)
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	waitJS(t, person, "the badge to go", `!`+browsertest.SDKUI("badge"))

	checkNoSecrets(t, e.data)
	checkRecordingContiguous(t, e, id)

	// The replay, built from the stored record only, reaches the same DOM.
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the replay to load", `(() => { const s = document.querySelector('[data-testid=replay-seek]'); return s && Number(s.max) > 0; })()`)
	seekEnd := `(() => {
		const s = document.querySelector('[data-testid=replay-seek]');
		s.value = s.max; s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`
	// Seek again until the view shows the end: the player may still be
	// building when the first seek arrives.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		browsertest.Run(t, agent, "seek to the end", chromedp.Evaluate(seekEnd, nil))
		time.Sleep(300 * time.Millisecond)
		if browsertest.Eval[string](t, agent, `(`+browsertest.SignatureJS+`)(`+browsertest.MirrorDoc+`)`) == final {
			break
		}
	}
	waitMirrorShows(t, agent, final, "the replay at its end")
}

func TestDenyAndCancel(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	askForHelp(t, e, person, agent, "index.html")
	browsertest.ClickSDK(t, person, "deny")
	waitJS(t, agent, "the agent to see the denial", `/denied/.test(document.querySelector('[data-testid=ended-reason]')?.textContent || '')`)
	if browsertest.Eval[bool](t, person, `!!window.__tandemRecorder`) {
		t.Fatal("the recorder was loaded although the person denied")
	}

	// A waiting request can be cancelled by the person.
	browsertest.Run(t, agent, "back to the queue", chromedp.Navigate(e.srv.URL()+"/console/"))
	browsertest.ClickSDK(t, person, "help")
	waitJS(t, agent, "the new request", `document.querySelector('[data-testid=queue-item][data-state=waiting]')`)
	browsertest.ClickSDK(t, person, "cancel")
	waitJS(t, agent, "the request to leave the queue", `!document.querySelector('[data-testid=queue-item][data-state=waiting]')`)
}

func countFiles(t testing.TB, dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// checkNoSecrets fails if a value typed into a masked field is stored
// anywhere under the data dir.
func checkNoSecrets(t testing.TB, dir string) {
	t.Helper()
	checkNotStored(t, dir, secrets)
}

// checkRecordingContiguous checks that the record has every frame once.
func checkRecordingContiguous(t testing.TB, e *env, id string) {
	t.Helper()
	demo := e.srv.Demo()
	a, err := simclient.LoginVia(context.Background(), openapitest.Tandem(t).Transport(t, nil), e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Frames []struct {
			S uint64
			K string
		}
	}
	if err := a.Do(context.Background(), "GET", "/api/v1/assists/"+id+"/recording", nil, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Frames) < 10 {
		t.Fatalf("the recording has only %d frames", len(rec.Frames))
	}
	snaps := 0
	for i, f := range rec.Frames {
		if f.S != uint64(i+1) {
			t.Fatalf("recorded frame %d has seq %d: lost or duplicated", i, f.S)
		}
		if f.K == "snap" {
			snaps++
		}
	}
	if snaps < 2 {
		t.Fatalf("recording has %d snapshots, want one per page (≥ 2)", snaps)
	}
}
