package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/screenclient"
)

// A Go app describes its screen through screenclient on a live assist,
// with no browser on its side: the agent's console (real Chromium) shows
// the mapped screen and its changes live, with the app's tap marked, and
// the PIN the mapping masks never reaches the server: neither the stored
// recording nor any file of the data directory holds it.
func TestGoAppScreen(t *testing.T) {
	e := setupOnDisk(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	const origin = "https://app.example"
	site := &tandem.Site{Name: "Shop app", AllowedOrigins: []string{origin}, ScreenMapping: `{"tags":{"Title":{"element":"h1"},
		"Field":{"element":"input","text":"value"},"Pin":{"element":"input","text":"value","mask":true}},"maskTypes":["password"]}`}
	if err := e.srv.Store().CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	demo := e.srv.Demo()
	agentAPI, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}

	// The app asks for help, reads the site's mapping from the welcome,
	// and is accepted and allowed.
	app := &simclient.Person{Base: e.srv.URL(), Origin: origin, SiteKey: site.Key, Client: &http.Client{}}
	if err := app.RequestHelp(ctx, origin+"/shop"); err != nil {
		t.Fatal(err)
	}
	_, welcome, err := app.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Site struct {
			ScreenMapping json.RawMessage `json:"screenMapping"`
		} `json:"site"`
	}
	if err := json.Unmarshal(welcome, &w); err != nil || len(w.Site.ScreenMapping) == 0 {
		t.Fatalf("welcome %s: no screen mapping (%v)", welcome, err)
	}
	// The agent's console is signed in before the accept and opens the
	// assist right after it: an accepted assist whose agent never connects
	// ends.
	agent := e.tab()
	e.loginConsole(agent, demo.Email, demo.Password)
	if err := agentAPI.Accept(ctx, app.AssistID); err != nil {
		t.Fatal(err)
	}
	browsertest.Run(t, agent, "open the live assist", chromedp.Navigate(e.srv.URL()+"/console/assists/"+app.AssistID))
	if err := app.Allow(ctx); err != nil {
		t.Fatal(err)
	}
	scr, err := screenclient.NewScreen(app, w.Site.ScreenMapping, origin+"/shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	tree := &screenclient.Node{ID: "root", Tag: "Screen", Bounds: screenclient.Bounds{W: 360, H: 240}, Children: []*screenclient.Node{
		{ID: "title", Tag: "Title", Attrs: map[string]any{"text": "Checkout"}, Bounds: screenclient.Bounds{X: 16, Y: 16, W: 328, H: 32}},
		{ID: "name", Tag: "Field", Attrs: map[string]any{"value": "Dana"}, Bounds: screenclient.Bounds{X: 16, Y: 60, W: 200, H: 40}},
		{ID: "pin", Tag: "Pin", Attrs: map[string]any{"value": leak + "4321"}, Bounds: screenclient.Bounds{X: 16, Y: 110, W: 200, H: 40}},
		{ID: "card", Tag: "Field", Attrs: map[string]any{"value": leak + "card", "type": "password"}, Bounds: screenclient.Bounds{X: 16, Y: 160, W: 200, H: 40}},
	}}
	if err := scr.SetScreen(ctx, tree, "checkout"); err != nil {
		t.Fatal(err)
	}

	doc := browsertest.MirrorDoc
	waitJS(t, agent, "the app's title in the mirror", doc+`?.querySelector('h1[data-tag=Title]')?.textContent === 'Checkout'`)
	stars := func(s string) string { return strings.Repeat("*", len(s)) }
	for _, c := range []struct{ what, expr string }{
		{"the name field", doc + `.querySelector('input[data-tag=Field]').value === 'Dana'`},
		{"the masked PIN", doc + `.querySelector('input[data-tag=Pin]').value === '` + stars(leak+"4321") + `'`},
		{"the masked card", doc + `.querySelector('input[data-type=password]').value === '` + stars(leak+"card") + `'`},
		{"the screen's size", `(() => { const s = ` + doc + `.querySelector('.tandem-screen'); return s.style.width === '360px' && s.style.height === '240px' })()`},
	} {
		if !browsertest.Eval[bool](t, agent, c.expr) {
			t.Errorf("the mirror does not show %s", c.what)
		}
	}

	// Changes show live; a tap is marked where it happened.
	if err := scr.Update(ctx, []screenclient.Change{
		{Op: "update", ID: "title", Attrs: map[string]any{"text": "Pay now"}},
		{Op: "update", ID: "pin", Attrs: map[string]any{"value": leak + "98765"}},
		{Op: "add", Parent: "root", Node: &screenclient.Node{ID: "ok", Tag: "Title", Attrs: map[string]any{"text": "Paid"}, Bounds: screenclient.Bounds{X: 230, Y: 60, W: 100, H: 30}}},
	}); err != nil {
		t.Fatal(err)
	}
	waitJS(t, agent, "the changed title", doc+`?.querySelector('h1[data-tag=Title]')?.textContent === 'Pay now'`)
	waitJS(t, agent, "the added element", `[...`+doc+`.querySelectorAll('h1[data-tag=Title]')].map((h) => h.textContent).join() === 'Pay now,Paid'`)
	waitJS(t, agent, "the changed PIN, masked", doc+`?.querySelector('input[data-tag=Pin]')?.value === '`+stars(leak+"98765")+`'`)
	if err := scr.Touch(ctx, 40, 80); err != nil {
		t.Fatal(err)
	}
	waitJS(t, agent, "the tap's mark", `[...document.querySelectorAll('[data-testid=click-mark]')].some((m) => m.style.left === '40px' && m.style.top === '80px')`)
	// A bad update is refused before anything is sent.
	if err := scr.Update(ctx, []screenclient.Change{{Op: "remove", ID: "nope"}}); err == nil {
		t.Error("an update naming no element was accepted")
	}

	if err := agentAPI.Do(ctx, "POST", "/api/v1/assists/"+app.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	rec := recordingBytes(t, e, app.AssistID)
	for _, want := range []string{"Pay now", "Paid", "screen=checkout"} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("the stored recording lacks %q", want)
		}
	}
	checkNoLeak(t, "the stored recording", rec)
	checkNotStored(t, e.data, []string{leak})
}
