package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/simclient"
)

// Every value planted under masking starts with leak; none may leave the page.
const (
	leak   = "SECRET-"
	marker = "consent-marker-done" // set last, outside masking: proves the changes arrived
)

// maskedHTML is planted on the person's page before help is asked for:
// everything of it is masked, by mark (data-tandem-mask) or by the site's
// strict masking. unmaskedHTML is shown to the agent in both modes.
func maskedHTML(mark string) string {
	return `<section id="mask-box" ` + mark + ` title="SECRET-title-1" data-owner="SECRET-data-1">
  <img id="mask-img" alt="SECRET-alt-1" width="8" height="8" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <input id="mask-ph" placeholder="SECRET-placeholder-1" aria-label="SECRET-aria-1">
  <input id="mask-hidden" type="hidden" value="SECRET-hidden-1">
  <button id="mask-btn" type="button" value="SECRET-button-1" aria-description="SECRET-description-1">Go</button>
  <a id="mask-link" href="mailto:SECRET-mailto-1@example.com">write</a>
  <select id="mask-select"><option value="SECRET-option-1" label="SECRET-label-1">one</option></select>
  <label><input id="mask-check" type="checkbox" value="SECRET-checkbox-1"> agree</label>
  <iframe id="mask-frame" srcdoc="<p id=frame-text>SECRET-srcdoc-1</p>"></iframe>
  <div id="mask-shadow"></div>
  <canvas id="mask-canvas" width="40" height="20"></canvas>
</section>`
}

const unmaskedHTML = `<section id="free-box" data-tandem-unmask>
  <p id="free-text" title="Shown title">Shown to the agent</p>
  <iframe id="free-frame" srcdoc="<p id=free-frame-text>visible in frame</p><p id=frame-masked data-tandem-mask>SECRET-srcdoc-inner-1</p>"></iframe>
  <canvas id="free-canvas" width="40" height="20"></canvas>
  <p id="after-marker"></p>
</section>`

// plantJS adds the sections, a shadow root with text, and on a strict site
// a meta tag (masked there only: the head is no one's data-tandem-mask).
func plantJS(mark string, strict bool) string {
	return fmt.Sprintf(`(() => {
		document.querySelector('main').insertAdjacentHTML('beforeend', %q + %q);
		const sr = document.querySelector('#mask-shadow').attachShadow({mode: 'open'});
		sr.innerHTML = '<span id="shadow-text" title="SECRET-shadow-title-1">SECRET-shadow-1</span>';
		for (const c of document.querySelectorAll('canvas')) {
			const g = c.getContext('2d'); g.fillStyle = '#c00'; g.fillRect(0, 0, 40, 20);
		}
		if (%t) {
			const m = document.createElement('meta');
			m.name = 'description'; m.content = 'SECRET-meta-1';
			document.head.append(m);
		}
		return new Promise((ok) => document.querySelector('#mask-frame').contentDocument?.querySelector('#frame-text')
			? ok(true) : document.querySelector('#mask-frame').addEventListener('load', () => ok(true)));
	})()`, maskedHTML(mark), unmaskedHTML, strict)
}

// changeJS changes masked attributes, text and fields after consent, adds
// a masked node, and sets the marker last.
const changeJS = `(() => {
	const $ = (s) => document.querySelector(s);
	$('#mask-box').title = 'SECRET-title-2';
	$('#mask-box').dataset.owner = 'SECRET-data-2';
	$('#mask-img').alt = 'SECRET-alt-2';
	$('#mask-ph').placeholder = 'SECRET-placeholder-2';
	$('#mask-ph').setAttribute('aria-label', 'SECRET-aria-2');
	$('#mask-hidden').setAttribute('value', 'SECRET-hidden-2');
	$('#mask-btn').value = 'SECRET-button-2';
	$('#mask-link').href = 'mailto:SECRET-mailto-2@example.com';
	$('#mask-check').click();
	$('#mask-box').insertAdjacentHTML('beforeend', '<span id="mask-added" title="SECRET-title-3" data-x="SECRET-data-3">SECRET-text-3</span>');
	$('#mask-shadow').shadowRoot.querySelector('#shadow-text').textContent = 'SECRET-shadow-2';
	$('#mask-shadow').shadowRoot.querySelector('#shadow-text').title = 'SECRET-shadow-title-2';
	$('#mask-frame').contentDocument.querySelector('#frame-text').textContent = 'SECRET-frame-text-2';
	$('#mask-frame').contentDocument.querySelector('#frame-text').title = 'SECRET-frame-title-2';
	$('#free-frame').contentDocument.querySelector('#frame-masked').title = 'SECRET-frame-title-3';
	const meta = document.querySelector('meta[name=description]');
	if (meta) meta.content = 'SECRET-meta-2';
	for (const c of document.querySelectorAll('canvas')) {
		const g = c.getContext('2d'); g.fillStyle = '#00c'; g.fillRect(0, 0, 20, 20);
	}
	$('#after-marker').textContent = '` + marker + `';
})()`

// TestMaskingMarkedElements: under data-tandem-mask, nothing leaves the
// page: attributes that carry text, srcdoc frames, shadow roots, field
// values, in the first snapshot and in every later change.
func TestMaskingMarkedElements(t *testing.T) {
	testMasking(t, false)
}

// TestMaskingStrictSite: the same on a strict-masking site without marks.
func TestMaskingStrictSite(t *testing.T) {
	testMasking(t, true)
}

func testMasking(t *testing.T, strict bool) {
	e := setupOnDisk(t)
	demo := e.srv.Demo()
	mark := "data-tandem-mask"
	if strict {
		mark = ""
		ctx := context.Background()
		site, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
		if err != nil {
			t.Fatal(err)
		}
		site.StrictMasking = true
		if err := e.srv.Store().UpdateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
	}
	person, agent := e.tab(), e.tab()
	e.loginConsole(agent, demo.Email, demo.Password)
	e.openDemo(person, "index.html")
	if !await[bool](t, person, plantJS(mark, strict)) {
		t.Fatal("could not plant the masked content")
	}
	id := requestAndAccept(t, person, agent)
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	frames := watchFrames(t, e, id)

	// The first snapshot is there once the unmasked part is.
	waitJS(t, agent, "the unmasked text in the mirror", browsertest.MirrorDoc+`?.querySelector('#free-text')?.textContent === 'Shown to the agent'`)
	free := browsertest.MirrorDoc + `?.querySelector('#free-frame')?.contentDocument`
	waitJS(t, agent, "the unmasked frame's text in the mirror", free+`?.querySelector('#free-frame-text')?.textContent === 'visible in frame'`)

	browsertest.Run(t, person, "change the masked content", chromedp.Evaluate(changeJS, nil))
	waitJS(t, agent, "the marker in the mirror", browsertest.MirrorDoc+`?.querySelector('#after-marker')?.textContent === '`+marker+`'`)
	frames.waitFor(t, marker)
	checkNoLeak(t, "the frames the agent received", frames.bytes())

	// A canvas's pixels are sent unless it is masked.
	drawn := func(sel string) string {
		return `(() => {
			const c = ` + browsertest.MirrorDoc + `?.querySelector('` + sel + `');
			if (!c) return null;
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
			return false;
		})()`
	}
	waitJS(t, agent, "the unmasked canvas drawn in the mirror", drawn("#free-canvas"))
	if got := browsertest.Eval[any](t, agent, drawn("#mask-canvas")); got != false {
		t.Errorf("the mirror's masked canvas: drawn = %v, want a blank canvas", got)
	}

	// The mirror has had every change before the marker: the masked part
	// shows as asterisks of the same length, the unmasked part as it is.
	stars := func(s string) string { return `'` + strings.Repeat("*", len(s)) + `'` }
	for _, c := range []struct{ expr, want string }{
		{`.querySelector('#mask-ph').placeholder`, stars("SECRET-placeholder-2")},
		{`.querySelector('#mask-img').alt`, stars("SECRET-alt-2")},
		{`.querySelector('#mask-added').textContent`, stars("SECRET-text-3")},
		{`.querySelector('#mask-frame').contentDocument.querySelector('#frame-text').textContent`, stars("SECRET-frame-text-2")},
		{`.querySelector('#mask-shadow').shadowRoot.querySelector('#shadow-text').textContent`, stars("SECRET-shadow-2")},
		{`.querySelector('#free-frame').contentDocument.querySelector('#frame-masked').textContent`, stars("SECRET-srcdoc-inner-1")},
		{`.querySelector('#free-text').title`, `'Shown title'`},
	} {
		if !browsertest.Eval[bool](t, agent, `(() => { try { return `+browsertest.MirrorDoc+c.expr+` === `+c.want+` } catch { return false } })()`) {
			t.Errorf("the mirror's %s is %q, want %s", c.expr, browsertest.Eval[string](t, agent, `(() => { try { return String(`+browsertest.MirrorDoc+c.expr+`) } catch (e) { return String(e) } })()`), c.want)
		}
	}

	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	rec := recordingBytes(t, e, id)
	if !bytes.Contains(rec, []byte(marker)) {
		t.Fatal("the stored recording lacks the marker: it cannot be checked")
	}
	checkNoLeak(t, "the stored recording", rec)
	checkNotStored(t, e.data, []string{leak})
}

// checkNoLeak fails with the context of every planted value in b.
func checkNoLeak(t testing.TB, what string, b []byte) {
	t.Helper()
	for rest, at := b, 0; ; {
		i := bytes.Index(rest, []byte(leak))
		if i < 0 {
			return
		}
		from, to := max(0, i-80), min(len(rest), i+60)
		t.Errorf("%s: a masked value left the page at byte %d: …%s…", what, at+i, rest[from:to])
		rest, at = rest[i+len(leak):], at+i+len(leak)
	}
}

// checkNotStored reads every file under the data dir, decompressing
// recordings, and fails if any of the needles is in one of them.
func checkNotStored(t testing.TB, dir string, needles []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return err
			}
			if b, err = io.ReadAll(zr); err != nil {
				return err
			}
		}
		files++
		for _, s := range needles {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("masked value %q is stored in %s", s, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 {
		t.Fatalf("only %d files under the data dir; expected the database and a recording", files)
	}
}

// recordingBytes is the stored recording of an assist, as the API serves it.
func recordingBytes(t testing.TB, e *env, id string) []byte {
	t.Helper()
	demo := e.srv.Demo()
	ctx := context.Background()
	a, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", e.srv.URL()+"/api/v1/assists/"+id+"/recording", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET recording: %d %v", res.StatusCode, err)
	}
	return b
}

// frameLog is what an agent's channel received, from the first frame on.
type frameLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	more chan struct{} // signalled after each frame
}

// watchFrames opens an agent channel on the assist from its first frame
// and keeps every byte it receives until the assist ends.
func watchFrames(t testing.TB, e *env, id string) *frameLog {
	t.Helper()
	demo := e.srv.Demo()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := simclient.Login(ctx, e.srv.URL(), demo.Email, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := a.Watch(ctx, id, 1)
	if err != nil {
		t.Fatalf("watch the assist: %v", err)
	}
	l := &frameLog{more: make(chan struct{}, 1)}
	go func() {
		for {
			_, msg, err := ws.Read(ctx)
			if err != nil {
				return
			}
			l.mu.Lock()
			l.buf.Write(msg)
			l.buf.WriteByte('\n')
			l.mu.Unlock()
			select {
			case l.more <- struct{}{}:
			default:
			}
		}
	}()
	return l
}

func (l *frameLog) bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// waitFor waits until the frames received contain s.
func (l *frameLog) waitFor(t testing.TB, s string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !bytes.Contains(l.bytes(), []byte(s)) {
		select {
		case <-l.more:
		case <-deadline:
			t.Fatalf("the agent's channel never received %q", s)
		}
	}
}
