package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// TestNativeMappingLive: during a live assist on the canvas app, an admin
// changes the site's screen mapping to mask the item field. The person's
// page takes the new mapping at once, without reloading: the agent's
// mirror shows the field masked, and what the person types after the
// change never leaves the page (it is in no stored recording), while what
// they typed before, under the old mapping, was recorded.
func TestNativeMappingLive(t *testing.T) {
	e := setupOnDisk(t)
	setNativeMapping(t, e)
	person, agent := e.tab(), e.tab()
	browsertest.Run(t, person, "a window the app fits in", chromedp.EmulateViewport(1000, 900))
	id := liveAssist(t, e, person, agent, "native.html")
	doc := browsertest.MirrorDoc
	field := doc + `?.querySelector('input[data-tag=Field]')?.value`

	// Short: with what is typed after it, within the field's 24 characters.
	const before = "Before-mk"
	tapCanvas(t, person, 100, 80) // the item field
	browsertest.Run(t, person, "type before the change", chromedp.KeyEvent(before))
	waitJS(t, agent, "the typed value, unmasked", field+` === '`+before+`'`)
	browsertest.Run(t, person, "mark the page", chromedp.Evaluate(`window.__samePage = true`, nil))

	// The admin masks the field.
	masked := strings.Replace(nativeMapping, `"Field":{"element":"input","text":"value"}`, `"Field":{"element":"input","text":"value","mask":true}`, 1)
	if masked == nativeMapping {
		t.Fatal("the test's mapping has no Field rule to change")
	}
	ctx := context.Background()
	demo := e.srv.Demo()
	admin, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	site, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "PUT", "/api/v1/sites/"+site.ID+"/screen-mapping", map[string]any{"mapping": json.RawMessage(masked)}, nil); err != nil {
		t.Fatalf("change the screen mapping: %v", err)
	}
	waitJS(t, agent, "the field masked", field+` === '`+strings.Repeat("*", len(before))+`'`)

	// Typed after the change: the agent sees stars alone.
	after := leak + "after"
	browsertest.Run(t, person, "type after the change", chromedp.KeyEvent(after))
	waitJS(t, agent, "the new text masked", field+` === '`+strings.Repeat("*", len(before+after))+`'`)
	if !browsertest.Eval[bool](t, person, `window.__samePage === true`) {
		t.Error("the person's page reloaded")
	}

	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	rec := recordingBytes(t, e, id)
	if !strings.Contains(string(rec), before) {
		t.Fatal("the stored recording lacks what was typed before the change: it cannot be checked")
	}
	checkNoLeak(t, "the stored recording", rec)
	checkNotStored(t, e.data, []string{leak})
}
