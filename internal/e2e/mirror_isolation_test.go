package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/browsertest"
)

// attackPage serves testdata/attack.html as a person's page on its own
// origin, allowed by the demo site, and returns its address.
func attackPage(t *testing.T, e *env) string {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/attack.html")
	if err != nil {
		t.Fatal(err)
	}
	demo := e.srv.Demo()
	const nonce = "person-page-nonce"
	body := strings.NewReplacer(
		"{{CONSOLE}}", e.srv.URL(),
		"{{TANDEM_URL}}", e.proxy.URL(),
		"{{SITE_KEY}}", demo.SiteKey,
		"{{NONCE}}", nonce,
	).Replace(string(tmpl))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /attack.html", func(w http.ResponseWriter, r *http.Request) {
		// The person's own browser must not run the vectors either: only
		// the page's nonce'd scripts (and what the SDK loads) run here.
		w.Header().Set("Content-Security-Policy", "script-src 'nonce-"+nonce+"' 'strict-dynamic'; object-src 'none'; base-uri 'none'; form-action 'none'; worker-src blob: data:")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	})
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	ctx := context.Background()
	s, err := e.srv.Store().SiteByKey(ctx, demo.SiteKey)
	if err != nil {
		t.Fatal(err)
	}
	s.AllowedOrigins = append(s.AllowedOrigins, site.URL)
	if err := e.srv.Store().UpdateSite(ctx, s); err != nil {
		t.Fatal(err)
	}
	return site.URL + "/attack.html"
}

// consoleRequests records what the agent's browser asks of the console's
// origin: requests carrying a vector's canary, and any request made by a
// frame other than the console's own page (the mirror must make none).
type consoleRequests struct {
	mu     sync.Mutex
	origin string
	top    string // the console page's frame id
	bad    []string
}

func watchConsoleRequests(t *testing.T, agent context.Context, origin string) *consoleRequests {
	t.Helper()
	w := &consoleRequests{origin: origin}
	browsertest.Run(t, agent, "enable network events", network.Enable())
	var tree *page.FrameTree
	browsertest.Run(t, agent, "read the frame tree", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		tree, err = page.GetFrameTree().Do(ctx)
		return err
	}))
	w.top = string(tree.Frame.ID)
	chromedp.ListenTarget(agent, func(ev any) {
		r, ok := ev.(*network.EventRequestWillBeSent)
		if !ok || !strings.HasPrefix(r.Request.URL, origin) {
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if strings.Contains(r.Request.URL, "canary") || (r.FrameID != "" && string(r.FrameID) != w.top) {
			w.bad = append(w.bad, fmt.Sprintf("%s %s (frame %s, type %s)", r.Request.Method, r.Request.URL, r.FrameID, r.Type))
		}
	})
	return w
}

func (w *consoleRequests) check(t *testing.T, when string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.bad) > 0 {
		t.Errorf("%s: the mirror reached the console's origin:\n%s", when, strings.Join(w.bad, "\n"))
	}
}

// checkConsoleUntouched fails if any vector ran in the console page: the
// marker, the title, the body's data attribute, CSP violations of the page,
// and the console's own elements still shown.
func checkConsoleUntouched(t *testing.T, agent context.Context, when string) {
	t.Helper()
	got := browsertest.Eval[string](t, agent, `JSON.stringify({
		pwned: window.__pwned === undefined ? null : String(window.__pwned),
		title: document.title,
		mark: document.body.dataset.pwned || null,
		violations: window.__violations || [],
		mirrorShown: !!document.querySelector('[data-testid=mirror]')?.offsetParent,
	})`)
	want := `{"pwned":null,"mark":null,"violations":[],"mirrorShown":true}`
	if strings.Contains(got, "PWNED") || !strings.Contains(got, `"title":"`) || !strings.Contains(got, `· Tandem"`) {
		t.Errorf("%s: the console's title changed: %s", when, got)
	}
	if i := strings.Index(got, `"title":`); i >= 0 {
		end := strings.Index(got[i:], `",`)
		got = got[:i] + got[i+end+2:]
	}
	if got != want {
		t.Errorf("%s: the console page changed:\n got %s\nwant %s", when, got, want)
	}
}

// mirrorCanvasIs waits until the middle of the mirror's canvas has roughly
// the colour rgb (pictures travel as lossy WebP).
func mirrorCanvasIs(t *testing.T, agent context.Context, rgb [3]int, what string) {
	t.Helper()
	expr := `(() => {
		const c = ` + browsertest.MirrorDoc + `?.querySelector('#v-canvas');
		if (!c) return [-1, -1, -1, -1];
		return Array.from(c.getContext('2d').getImageData(60, 40, 1, 1).data);
	})()`
	deadline := time.Now().Add(30 * time.Second)
	var px []int
	for time.Now().Before(deadline) {
		px = browsertest.Eval[[]int](t, agent, expr)
		ok := len(px) == 4 && px[3] > 200
		for i := 0; ok && i < 3; i++ {
			d := px[i] - rgb[i]
			ok = d > -40 && d < 40
		}
		if ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: the mirror's canvas shows %v, want about %v", what, px, rgb)
}

// checkMirrorInert checks the mirror's document: the page's text is there,
// and nothing that could run or navigate is.
func checkMirrorInert(t *testing.T, agent context.Context, when string) {
	t.Helper()
	got := browsertest.Eval[string](t, agent, `(() => {
		const d = `+browsertest.MirrorDoc+`;
		if (!d) return 'no mirror';
		const bad = [];
		for (const el of d.querySelectorAll('*')) {
			for (const a of el.attributes) {
				// A meta's content is inert once its http-equiv is gone.
				if (el.tagName === 'META' && a.name === 'content') continue;
				const v = a.value.trim().toLowerCase();
				if (a.name.startsWith('on') || a.name === 'srcdoc' || a.name === 'http-equiv' || a.name === 'action' || a.name === 'formaction' ||
				    v.startsWith('javascript:') || v.startsWith('data:text/html') || v.includes(location.origin)) {
					bad.push(el.tagName + '[' + a.name + '=' + a.value.slice(0, 60) + ']');
				}
			}
		}
		for (const sel of ['script', 'base', 'meta[http-equiv]', 'object[data]', 'embed[src]', 'iframe[src]']) {
			if (d.querySelector(sel)) bad.push(sel);
		}
		return bad.join(', ');
	})()`)
	if got != "" {
		t.Errorf("%s: the mirror holds %s", when, got)
	}
	frame := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=mirror] iframe')?.getAttribute('sandbox') ?? 'none'`)
	if frame != "allow-same-origin" {
		t.Errorf("%s: the mirror frame's sandbox is %q, want exactly allow-same-origin", when, frame)
	}
}

// seekReplay moves the replay's position to fraction of its length until
// check holds (the player may still be building when the first seek comes).
func seekReplay(t *testing.T, agent context.Context, fraction float64, done string, what string) {
	t.Helper()
	seek := fmt.Sprintf(`(() => {
		const s = document.querySelector('[data-testid=replay-seek]');
		s.value = String(Math.round(Number(s.max) * %v)); s.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, fraction)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		browsertest.Run(t, agent, "seek", chromedp.Evaluate(seek, nil))
		if browsertest.Eval[bool](t, agent, done) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	state := browsertest.Eval[string](t, agent, `document.querySelector('[data-testid=replay-time]')?.textContent + ' | ' + (`+browsertest.MirrorDoc+`?.body?.innerText ?? 'no mirror').slice(0, 300)`)
	t.Fatalf("%s: %s never held; time and mirror: %s", what, done, state)
}

// TestMirrorIsolation has a person's page try every way we know for its
// markup to run, navigate or send requests in the agent's console: inline
// handlers of every kind, scripts, javascript: and data: URLs, srcdoc,
// meta refresh and set-cookie, <base>, forms, plugins, CSS beacons and style
// injection, at load and added after consent. Live and in the replay,
// nothing runs, nothing reaches the console's origin, and the mirror still
// shows the page, its canvas included.
func TestMirrorIsolation(t *testing.T) {
	e := setup(t)
	person, agent := e.tab(), e.tab()
	pageURL := attackPage(t, e)
	demo := e.srv.Demo()

	// Violations of the console's policy would mean the console itself needs
	// something the policy forbids, or something got past the sanitizer.
	browsertest.Run(t, agent, "watch policy violations", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.__violations = [];
			document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`).Do(ctx)
		return err
	}))
	e.loginConsole(agent, demo.Email, demo.Password)
	requests := watchConsoleRequests(t, agent, e.srv.URL())

	browsertest.Run(t, person, "open the person's page", chromedp.Navigate(pageURL))
	waitJS(t, person, "the SDK to load", browsertest.SDKUI("help"))
	id := requestAndAccept(t, person, agent)
	browsertest.ClickSDK(t, person, "allow")
	waitJS(t, person, "the assist badge", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the live view", `location.pathname.endsWith('/assists/`+id+`')`)

	// Live: the page as it was at consent.
	waitJS(t, agent, "the page's text in the mirror", browsertest.MirrorDoc+`?.querySelector('#v-text')?.textContent.includes('Two blue mugs')`)
	mirrorCanvasIs(t, agent, [3]int{0, 200, 0}, "live, first picture")
	browsertest.Run(t, person, "change the page after consent", chromedp.Evaluate(`later()`, nil))
	waitJS(t, agent, "the text added after consent", browsertest.MirrorDoc+`?.querySelector('#v-later-text')?.textContent === 'Added after consent'`)
	mirrorCanvasIs(t, agent, [3]int{200, 0, 200}, "live, repainted")
	// An agent clicking links and submitting the form in the mirror.
	browsertest.Run(t, agent, "click and submit in the mirror", chromedp.Evaluate(`(() => {
		const d = `+browsertest.MirrorDoc+`;
		d.querySelector('#v-link')?.click();
		d.querySelector('#v-svg-link')?.dispatchEvent(new MouseEvent('click', {bubbles: true}));
		d.querySelector('#v-data-link')?.click();
		d.querySelector('#v-submit')?.click();
	})()`, nil))
	// A refresh: the person's page follows it to the console's API (in the
	// person's own browser); then the person comes back and a new snapshot
	// rebuilds the mirror.
	left := make(chan string, 1)
	chromedp.ListenTarget(person, func(ev any) {
		if n, ok := ev.(*page.EventFrameNavigated); ok && n.Frame.ParentID == "" && strings.Contains(n.Frame.URL, "canary=meta-refresh") {
			select {
			case left <- n.Frame.URL:
			default:
			}
		}
	})
	browsertest.Run(t, person, "add a refresh", chromedp.Evaluate(`refresh()`, nil))
	select {
	case <-left:
	case <-time.After(30 * time.Second):
		t.Fatal("the person's page did not follow its refresh")
	}
	browsertest.Run(t, person, "come back to the page", chromedp.Navigate(pageURL))
	waitJS(t, person, "the badge after reloading", browsertest.SDKUI("badge"))
	waitJS(t, agent, "the reloaded page in the mirror", browsertest.MirrorDoc+`?.querySelector('#v-text') && !`+browsertest.MirrorDoc+`.querySelector('#v-later-text')`)
	mirrorCanvasIs(t, agent, [3]int{0, 200, 0}, "live, after reloading")
	browsertest.Run(t, person, "change the page again", chromedp.Evaluate(`later()`, nil))
	waitJS(t, agent, "the text added again", browsertest.MirrorDoc+`?.querySelector('#v-later-text')`)
	mirrorCanvasIs(t, agent, [3]int{200, 0, 200}, "live, repainted again")
	checkMirrorInert(t, agent, "live")
	checkConsoleUntouched(t, agent, "live")
	requests.check(t, "live")

	// The replay of the same recording.
	browsertest.ClickSDK(t, person, "badge")
	waitJS(t, agent, "the end reason", `document.querySelector('[data-testid=ended-reason]')`)
	browsertest.Run(t, agent, "open the replay", chromedp.Navigate(e.srv.URL()+"/console/replay/"+id))
	waitJS(t, agent, "the replay to load", `Number(document.querySelector('[data-testid=replay-seek]')?.max) > 0`)
	// It opens on the first snapshot, as the page was at consent.
	waitJS(t, agent, "the first snapshot in the replay", `!!`+browsertest.MirrorDoc+`?.querySelector('#v-text') && !`+browsertest.MirrorDoc+`.querySelector('#v-later-text')`)
	mirrorCanvasIs(t, agent, [3]int{0, 200, 0}, "replay opened")
	seekReplay(t, agent, 1, browsertest.MirrorDoc+`?.querySelector('#v-later-text')?.textContent === 'Added after consent'`, "replay at the end")
	mirrorCanvasIs(t, agent, [3]int{200, 0, 200}, "replay at the end")
	// Played from the start: back to the first snapshot, then frame by frame.
	browsertest.Run(t, agent, "play the replay fast", chromedp.Evaluate(`(() => {
		const sp = document.querySelector('[data-testid=replay-speed]');
		sp.value = '8'; sp.dispatchEvent(new Event('change', {bubbles: true}));
		document.querySelector('[data-testid=replay-play]').click();
	})()`, nil))
	waitJS(t, agent, "the replay to play", `!!document.querySelector('[data-testid=replay-pause]')`)
	waitJS(t, agent, "the changes after consent, played", browsertest.MirrorDoc+`?.querySelector('#v-later-text')`)
	mirrorCanvasIs(t, agent, [3]int{200, 0, 200}, "replay played")
	checkMirrorInert(t, agent, "replay")
	checkConsoleUntouched(t, agent, "replay")
	requests.check(t, "replay")
}
