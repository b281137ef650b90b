package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/blobstest"
	"github.com/tandemhq/tandem/internal/browsertest"
)

// The replay shows the recorded page before the whole recording arrived:
// with the server holding back the recording's last chunk, the console
// draws the first page, and the rest follows once the chunk is released.
func TestReplayShowsPageBeforeRecordingEnds(t *testing.T) {
	held := &blobstest.HeldStore{}
	e := setupWith(t, app.Config{WrapBlobs: func(bs blobs.Store) blobs.Store {
		held.Store = bs
		return held
	}}, browsertest.Options{})
	person, agent := e.tab(), e.tab()
	id := askForHelp(t, e, person, agent, "form.html")
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, agent, "the form in the mirror", browsertest.MirrorDoc+`?.querySelector('form')`)
	first := personSignature(t, person)
	// Over a chunk (256 KiB) of changes after the first page, so that the
	// recording has chunks after the one holding the first page.
	for i := range 6 {
		browsertest.Run(t, person, "add a lot of text", chromedp.Evaluate(fmt.Sprintf(`(() => {
			const d = document.createElement('div');
			d.id = 'bulk-%d';
			d.textContent = 'bulk text %d '.repeat(10000);
			document.body.appendChild(d);
		})()`, i, i), nil))
		waitJS(t, agent, "the text in the mirror", browsertest.MirrorDoc+fmt.Sprintf(`?.querySelector('#bulk-%d')`, i))
	}
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)

	keys, err := held.List(context.Background(), "recordings/"+id+"/")
	if err != nil || len(keys) < 2 {
		t.Fatalf("recording chunks %v, %v: want at least 2", keys, err)
	}
	waiting := held.Hold(keys[len(keys)-1])
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitMirrorShows(t, agent, first, "the first page while the recording is held back")
	select {
	case <-waiting:
	default:
		t.Fatal("the server has not asked for the last chunk yet")
	}
	if !browsertest.Eval[bool](t, agent, `!!document.querySelector('[data-testid=replay-loading]')`) {
		t.Fatal("the replay says it has loaded everything while the last chunk is held back")
	}
	if browsertest.Eval[bool](t, agent, browsertest.MirrorDoc+`?.querySelector('#bulk-5') != null`) {
		t.Fatal("the replay shows the end before the last chunk was read")
	}

	held.Release()
	waitJS(t, agent, "the rest of the recording", `!document.querySelector('[data-testid=replay-loading]')`)
	browsertest.Run(t, agent, "seek to the end", chromedp.Evaluate(`(() => {
		const s = document.querySelector('[data-testid=replay-seek]');
		s.value = s.max; s.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, nil))
	waitJS(t, agent, "the last page's text in the replay", browsertest.MirrorDoc+`?.querySelector('#bulk-5')`)
}
