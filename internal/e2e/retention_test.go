package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/hub"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/retention"
)

// An assist whose recording the site's retention deleted: the history
// says so, and its replay shows why instead of an error.
func TestReplayOfDeletedRecording(t *testing.T) {
	e := setupOnDisk(t)
	ctx := t.Context()
	st := e.srv.Store()
	b, err := backend.OpenBlobs(ctx, backend.FileURL(filepath.Join(e.data, app.BlobsDir)))
	if err != nil {
		t.Fatal(err)
	}
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}, RecordingRetention: 30 * retention.Day}
	if err := st.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(-31 * retention.Day)
	a := &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "dana@example.com", PageURL: "https://shop.example/cart",
		StartedAt: end.Add(-5 * time.Minute), EndedAt: end, EndReason: "ended by agent"}
	if err := st.CreateAssist(ctx, a); err != nil {
		t.Fatal(err)
	}
	w := record.NewWriter(b, a.ID, record.WriterOptions{})
	if err := w.WriteFrame(end, hub.EncodeFrame(hub.Header{Kind: "ev", Seq: 1, Page: "p1"}, []byte(`[{"type":4,"data":{"href":"https://shop.example/cart","width":800,"height":600},"timestamp":1}]`))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := retention.New(st, b, retention.Config{}).Sweep(ctx); err != nil || res.Deleted != 1 {
		t.Fatalf("sweep = %+v, %v; want the recording deleted", res, err)
	}

	email, pw := addAgent(t, e, "sam@example.com", "Sam")
	agent := e.tab()
	e.loginConsole(agent, email, pw)
	browsertest.Run(t, agent, "open the history", chromedp.Navigate(e.srv.URL()+"/console/history"))
	waitJS(t, agent, "the history to say the recording was deleted",
		`[...document.querySelectorAll('[data-testid=history-item]')].some(r => r.dataset.assistId === '`+a.ID+`' && r.innerText.includes('Recording deleted on'))`)

	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+a.ID))
	waitJS(t, agent, "the replay to say the recording was deleted",
		`(() => { const n = document.querySelector('[data-testid=recording-deleted]'); return n && n.innerText.includes("by the site's retention of 30 days"); })()`)
	if n := browsertest.Eval[int](t, agent, `document.querySelectorAll('.error-note').length`); n != 0 {
		t.Errorf("the replay of a deleted recording shows %d error notes", n)
	}
}
