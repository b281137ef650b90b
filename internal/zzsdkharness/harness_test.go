package zzsdkharness

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/browsertest"
)

//go:embed agent.js
var agentJS string

type logW struct{ t testing.TB }

func (w logW) Write(p []byte) (int, error) { w.t.Log(strings.TrimSpace(string(p))); return len(p), nil }

func eval(t *testing.T, ctx context.Context, expr string) any {
	t.Helper()
	var v any
	err := chromedp.Run(ctx, chromedp.Evaluate(expr, &v, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

func wait(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(wctx, chromedp.Poll(expr, nil, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

func ui(name string) string {
	return `document.querySelector('[data-tandem-root]')?.shadowRoot?.querySelector('[data-tandem-ui=` + name + `]')`
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestInteract(t *testing.T) {
	ctx := context.Background()
	srv, err := app.Start(ctx, app.Config{
		Addr: "127.0.0.1:0", DemoAddr: "127.0.0.1:0", SSHAddr: "off", DataDir: t.TempDir(), Grace: 20 * time.Second,
		ICE:    app.ICEConfig{TURNAddr: "127.0.0.1:13478"},
		Logger: slog.New(slog.NewTextHandler(logW{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c, cancel := context.WithTimeout(ctx, 10*time.Second); defer cancel(); _ = srv.Close(c) })
	browser := browsertest.Start(t, browsertest.Options{Flags: map[string]any{
		"use-fake-device-for-media-stream": true, "use-fake-ui-for-media-stream": true, "autoplay-policy": "no-user-gesture-required",
	}})
	person := browsertest.NewContext(t, browser, 4*time.Minute)
	agent := browsertest.NewContext(t, browser, 4*time.Minute)
	demo := srv.Demo()
	reactApp, err := os.ReadFile("/tmp/reacttest/app.js")
	if err != nil {
		t.Fatal(err)
	}

	// The person opens the form page (with a React app added) and asks for help.
	if err := chromedp.Run(person, chromedp.Navigate(demo.SiteURL+"/form.html")); err != nil {
		t.Fatal(err)
	}
	eval(t, person, string(reactApp)+`;const ce = document.createElement('div'); ce.id = 'ce'; ce.contentEditable = 'true'; ce.style.cssText = 'min-height:20px;border:1px solid'; window.__ceInputs = 0; ce.addEventListener('input', () => window.__ceInputs++); document.body.prepend(ce); 1`)
	wait(t, person, "help", ui("help"))
	eval(t, person, ui("help")+".click()")

	// The agent signs in on Tandem's origin and accepts.
	if err := chromedp.Run(agent, chromedp.Navigate(srv.URL()+"/healthz")); err != nil {
		t.Fatal(err)
	}
	eval(t, agent, agentJS+";1")
	eval(t, agent, `fetch('/api/v1/login',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify({email:`+js(demo.Email)+`,password:`+js(demo.Password)+`})}).then(r=>r.status)`)
	wait(t, agent, "waiting assist", `fetch('/api/v1/assists?state=waiting').then(r=>r.json()).then(j=>(window.__id=j.assists[0]?.id))`)
	eval(t, agent, `fetch('/api/v1/assists/'+__id+'/accept',{method:'POST'}).then(r=>r.status)`)
	wait(t, person, "allow", ui("allow"))
	eval(t, person, ui("allow")+".click()")
	wait(t, person, "live", `Tandem.state === 'live'`)
	eval(t, agent, `window.A = mkAgent('Alex'); A.connect(__id)`)
	wait(t, agent, "snapshot", `A.nodeId('react-name') > 0 && A.you`)

	t.Run("pointer", func(t *testing.T) {
		id := eval(t, agent, `A.nodeId('react-name')`)
		eval(t, agent, `A.send('pointer', {node: `+js(id)+`, ox: 0.25, oy: 0.5, x: 1, y: 1})`)
		wait(t, person, "pointer", ui("pointer"))
		got := eval(t, person, `(() => { const p = `+ui("pointer")+`; const m = /translate\(([-\d.]+)px, ?([-\d.]+)px\)/.exec(p.style.transform); const r = document.getElementById('react-name').getBoundingClientRect(); return [+m[1] - (r.left + r.width*0.25), +m[2] - (r.top + r.height/2), p.textContent]; })()`).([]any)
		t.Logf("pointer offset from target: %v", got)
		if abs(got[0].(float64)) > 1 || abs(got[1].(float64)) > 1 || got[2] != "Alex" {
			t.Fatalf("pointer misplaced: %v", got)
		}
		// After a scroll the pointer stays on its node.
		eval(t, person, `document.body.style.minHeight='3000px'; window.scrollTo(0, 120); 1`)
		time.Sleep(200 * time.Millisecond)
		got = eval(t, person, `(() => { const p = `+ui("pointer")+`; const m = /translate\(([-\d.]+)px, ?([-\d.]+)px\)/.exec(p.style.transform); const r = document.getElementById('react-name').getBoundingClientRect(); return [+m[1] - (r.left + r.width*0.25), +m[2] - (r.top + r.height/2)]; })()`).([]any)
		if abs(got[0].(float64)) > 1 || abs(got[1].(float64)) > 1 {
			t.Fatalf("pointer misplaced after scroll: %v", got)
		}
		// Coordinates only: document coordinates.
		eval(t, agent, `A.send('pointer', {x: 300, y: 400})`)
		time.Sleep(200 * time.Millisecond)
		tr := eval(t, person, ui("pointer")+`.style.transform`)
		t.Logf("pointer at doc 300,400 with scrollY 120: %v", tr)
		if tr != "translate(300px, 280px)" {
			t.Fatalf("pointer transform %v", tr)
		}
		eval(t, agent, `A.send('pointer', {hide: true})`)
		wait(t, person, "pointer hidden", "!"+ui("pointer"))
		eval(t, person, `window.scrollTo(0, 0); 1`)
	})

	t.Run("draw", func(t *testing.T) {
		eval(t, agent, `A.send('draw', {id: 's1', points: [{x: 10, y: 10}, {x: 200, y: 100}], color: 'red', done: false})`)
		wait(t, person, "stroke", ui("stroke"))
		eval(t, agent, `A.send('draw', {id: 's1', points: [{x: 300, y: 120}], color: 'red', done: true})`)
		time.Sleep(200 * time.Millisecond)
		d := eval(t, person, ui("stroke")+`.getAttribute('d')`)
		if d != "M10 10L200 100L300 120" {
			t.Fatalf("stroke d = %v", d)
		}
		wait(t, person, "stroke fades", "!"+ui("stroke"))
	})

	t.Run("control", func(t *testing.T) {
		eval(t, agent, `A.send('op', {opId: 'early', op: 'click', node: A.nodeId('react-button')})`)
		time.Sleep(300 * time.Millisecond)
		eval(t, agent, `A.send('control.request')`)
		wait(t, person, "control prompt", ui("control-allow"))
		txt := eval(t, person, ui("control-text")+`.textContent`)
		t.Logf("control prompt: %v", txt)
		eval(t, person, ui("control-allow")+".click()")
		wait(t, agent, "holder", `A.last('control.state')?.holder?.id === A.you.conn`)
		badge := eval(t, person, ui("control-revoke")+`.textContent`)
		if badge != "Alex is controlling this page · Take back" {
			t.Fatalf("badge %q", badge)
		}
		op := func(o string) map[string]any {
			t.Helper()
			n := eval(t, agent, `A.results.length`).(float64)
			eval(t, agent, `A.send('op', `+o+`)`)
			wait(t, agent, "op.result", `A.results.length > `+js(n))
			return eval(t, agent, `A.results[A.results.length-1]`).(map[string]any)
		}
		state := func() map[string]any {
			var s string
			_ = chromedp.Run(person, chromedp.Text("#react-state", &s, chromedp.ByQuery))
			m := map[string]any{}
			_ = json.Unmarshal([]byte(s), &m)
			return m
		}
		r := op(`{opId: 't1', op: 'type', node: A.nodeId('react-name'), text: 'Hello'}`)
		if r["ok"] != true || r["from"] != eval(t, agent, `A.you.conn`) || r["opId"] != "t1" {
			t.Fatalf("type: %v", r)
		}
		if s := state(); s["name"] != "Hello" {
			t.Fatalf("React state after typing: %v", s)
		}
		r = op(`{opId: 'k1', op: 'key', key: 'Backspace'}`)
		if s := state(); r["ok"] != true || s["name"] != "Hell" {
			t.Fatalf("backspace: %v %v", r, s)
		}
		r = op(`{opId: 'c1', op: 'click', node: A.nodeId('react-button')}`)
		if s := state(); r["ok"] != true || s["clicks"] != 1.0 || s["changes"] != 1.0 {
			t.Fatalf("click: %v %v (blur of the name field counts a change)", r, s)
		}
		r = op(`{opId: 'c2', op: 'click', node: A.nodeId('react-check')}`)
		if s := state(); r["ok"] != true || s["checked"] != true {
			t.Fatalf("checkbox: %v %v", r, s)
		}
		r = op(`{opId: 'd1', op: 'dblclick', node: A.nodeId('react-button')}`)
		if s := state(); r["ok"] != true || s["clicks"] != 3.0 {
			t.Fatalf("dblclick: %v %v", r, s)
		}
		// Coordinates only: the textarea's centre in document coordinates.
		xy := eval(t, person, `(() => { const r = document.getElementById('react-notes').getBoundingClientRect(); return [r.left + r.width/2 + scrollX, r.top + r.height/2 + scrollY]; })()`).([]any)
		r = op(`{opId: 't2', op: 'type', x: ` + js(xy[0]) + `, y: ` + js(xy[1]) + `, text: 'line1\nline2'}`)
		if s := state(); r["ok"] != true || s["notes"] != "line1\nline2" {
			t.Fatalf("type by coordinates: %v %v", r, s)
		}
		for _, masked := range []string{"password", "card-number", "notes", "account-number"} {
			before := eval(t, person, `document.getElementById(`+js(masked)+`).value`)
			r = op(`{opId: 'm', op: 'type', node: A.nodeId(` + js(masked) + `), text: 'secret'}`)
			after := eval(t, person, `document.getElementById(`+js(masked)+`).value`)
			t.Logf("type into %s: %v", masked, r)
			if r["ok"] != false || before != after {
				t.Fatalf("typing into masked %s: %v (%v → %v)", masked, r, before, after)
			}
		}
		// A plain input of the page, then Enter.
		r = op(`{opId: 't3', op: 'type', node: A.nodeId('email'), text: 'al@example.com'}`)
		if v := eval(t, person, `document.getElementById('email').value`); r["ok"] != true || v != "al@example.com" {
			t.Fatalf("email: %v %v", r, v)
		}
		r = op(`{opId: 's', op: 'type', node: A.nodeId('plan'), text: 'pro'}`)
		t.Logf("select: %v value=%v", r, eval(t, person, `document.getElementById('plan').value`))
		ne := eval(t, agent, `A.frames.filter(f => f.k === 'error').length`).(float64)
		eval(t, agent, `A.send('op', {opId: 'n1', op: 'navigate', url: 'https://evil.example/'})`)
		wait(t, agent, "navigate refused by the server", `A.frames.filter(f => f.k === 'error').length > `+js(ne))
		// contenteditable
		r = op(`{opId: 'ce', op: 'type', node: A.nodeId('ce'), text: 'abc'}`)
		if v := eval(t, person, `[document.getElementById('ce').textContent, window.__ceInputs]`).([]any); r["ok"] != true || v[0] != "abc" || v[1] != 3.0 {
			t.Fatalf("contenteditable: %v %v", r, v)
		}
		// Tab moves focus on, Enter submits the form.
		op(`{opId: 'f', op: 'click', node: A.nodeId('name')}`)
		r = op(`{opId: 'tab', op: 'key', key: 'Tab'}`)
		if v := eval(t, person, `document.activeElement.id`); r["ok"] != true || v != "email" {
			t.Fatalf("tab: %v focus on %v", r, v)
		}
		op(`{opId: 'nm', op: 'type', node: A.nodeId('name'), text: 'Al'}`)
		r = op(`{opId: 'ent', op: 'key', key: 'Enter'}`)
		time.Sleep(200 * time.Millisecond)
		if v := eval(t, person, `document.getElementById('result').textContent`); r["ok"] != true || !strings.Contains(v.(string), "Thanks") {
			t.Fatalf("enter: %v result %q", r, v)
		}
		// The agent cannot click the person's own controls.
		xy = eval(t, person, `(() => { const r = `+ui("control-revoke")+`.getBoundingClientRect(); return [r.left + 5 + scrollX, r.top + 5 + scrollY]; })()`).([]any)
		r = op(`{opId: 'x', op: 'click', x: ` + js(xy[0]) + `, y: ` + js(xy[1]) + `}`)
		if r["ok"] != false || eval(t, person, "!!"+ui("control-revoke")) != true {
			t.Fatalf("click on Tandem's badge: %v", r)
		}
		// Esc from the agent does not take control back; the person's does.
		r = op(`{opId: 'esc', op: 'key', key: 'Escape'}`)
		if eval(t, person, "!!"+ui("control-revoke")) != true {
			t.Fatal("the agent's Escape took control back")
		}
		if err := chromedp.Run(person, chromedp.KeyEvent(kb.Escape)); err != nil {
			t.Fatal(err)
		}
		wait(t, agent, "revoked", `A.last('control.state') && A.last('control.state').holder === null`)
		wait(t, person, "badge gone", "!"+ui("control-revoke"))
		n := eval(t, agent, `A.frames.filter(f => f.k === 'error').length`).(float64)
		eval(t, agent, `A.send('op', {opId: 'late', op: 'click', node: A.nodeId('react-button')})`)
		wait(t, agent, "refusal", `A.frames.filter(f => f.k === 'error').length > `+js(n))
		if s := state(); s["clicks"] != 3.0 {
			t.Fatalf("op after revoke ran: %v", s)
		}
	})

	callTest := func(t *testing.T, relay bool) {
		if relay {
			eval(t, person, `window.TandemConfig = Object.assign(window.TandemConfig || {}, {forceRelay: true}); 1`)
		}
		eval(t, agent, `A.relay = `+js(relay)+`; A.send('call', {video: true})`)
		wait(t, person, "call prompt", ui("call-accept"))
		t.Logf("call prompt: %v", eval(t, person, ui("call-text")+`.textContent`))
		eval(t, person, ui("call-accept")+".click()")
		wait(t, person, "remote video", ui("call-remote")+`?.videoWidth > 0`)
		s1 := eval(t, person, `__tandemCall.stats()`).(map[string]any)
		time.Sleep(1500 * time.Millisecond)
		s2 := eval(t, person, `__tandemCall.stats()`).(map[string]any)
		a := eval(t, agent, `A.stats()`)
		t.Logf("person stats %v → %v; agent %v", s1, s2, a)
		if !(s2["inboundBytes"].(float64) > s1["inboundBytes"].(float64)) || !(s2["outboundBytes"].(float64) > s1["outboundBytes"].(float64)) {
			t.Fatalf("media not flowing: %v → %v", s1, s2)
		}
		if s2["relay"] != relay {
			t.Fatalf("relay = %v, want %v", s2["relay"], relay)
		}
		eval(t, person, ui("call-mute")+".click()")
		wait(t, agent, "call.media", `A.media.length && A.media[A.media.length-1].audio === false && A.media[A.media.length-1].video === true`)
		if eval(t, person, ui("call-mute")+`.getAttribute('aria-pressed')`) != "true" {
			t.Fatal("mute not pressed")
		}
		eval(t, person, ui("call-camera")+".click()")
		wait(t, agent, "call.media camera", `A.media[A.media.length-1].video === false`)
		eval(t, person, ui("call-hangup")+".click()")
		wait(t, agent, "ended", `A.call.state === 'ended'`)
		wait(t, person, "panel gone", "!"+ui("call")+" && !"+ui("call-remote"))
		st := eval(t, person, `__tandemCall.stats()`).(map[string]any)
		if st["peers"] != 0.0 {
			t.Fatalf("peers left: %v", st)
		}
		eval(t, agent, `A.stream && A.stream.getTracks().forEach(t => t.stop()); A.stream = null; 1`)
		if relay {
			eval(t, person, `window.TandemConfig.forceRelay = false; 1`)
		}
	}
	t.Run("call", func(t *testing.T) { callTest(t, false) })
	t.Run("call-relay", func(t *testing.T) { callTest(t, true) })

	t.Run("call-decline", func(t *testing.T) {
		eval(t, agent, `A.send('call', {video: false})`)
		wait(t, person, "call prompt", ui("call-decline"))
		eval(t, person, ui("call-decline")+".click()")
		wait(t, agent, "declined", `A.call.state === 'declined'`)
		wait(t, person, "prompt gone", "!"+ui("call-decline"))
	})

	t.Run("call-two-agents", func(t *testing.T) {
		eval(t, agent, `window.B = mkAgent('Sam'); B.connect(__id)`)
		wait(t, agent, "B you", `B.you`)
		eval(t, agent, `A.send('call', {video: false})`)
		wait(t, person, "call prompt", ui("call-accept"))
		eval(t, person, ui("call-accept")+".click()")
		wait(t, person, "A audio", ui("call-remote"))
		eval(t, agent, `B.joined = true; B.send('call.join')`)
		wait(t, person, "two remotes", `document.querySelector('[data-tandem-root]').shadowRoot.querySelectorAll('[data-tandem-ui=call-remote]').length === 2`)
		time.Sleep(1500 * time.Millisecond)
		st := eval(t, person, `__tandemCall.stats()`).(map[string]any)
		b := eval(t, agent, `B.stats()`)
		t.Logf("person %v, B %v", st, b)
		if st["peers"] != 2.0 || st["connected"] != 2.0 {
			t.Fatalf("person's peers: %v", st)
		}
		eval(t, agent, `B.send('call.leave')`)
		wait(t, person, "one remote", `document.querySelector('[data-tandem-root]').shadowRoot.querySelectorAll('[data-tandem-ui=call-remote]').length === 1`)
		eval(t, agent, `A.send('call.leave')`)
		wait(t, person, "panel gone", "!"+ui("call"))
	})

	t.Run("repair", func(t *testing.T) {
		eval(t, person, `localStorage.setItem('site-data', 'x'); sessionStorage.setItem('site-session', 'y'); document.cookie = 'crumb=1; path=/'; document.cookie = 'deep=2; path=/form.html'; 1`)
		eval(t, agent, `A.send('repair.request', {actions: ['clear-storage', 'clear-cookies', 'reload']})`)
		wait(t, person, "repair prompt", ui("repair-allow"))
		t.Logf("repair prompt: %v", eval(t, person, ui("repair-text")+`.textContent`))
		eval(t, person, `window.__beforeReload = 1`)
		eval(t, person, ui("repair-allow")+".click()")
		wait(t, agent, "repair.answer", `A.last('repair.answer')`)
		t.Logf("answer: %v", eval(t, agent, `A.last('repair.answer')`))
		time.Sleep(1500 * time.Millisecond)
		wait(t, person, "reloaded", `!window.__beforeReload && window.Tandem && Tandem.state === 'live'`)
		got := eval(t, person, `[localStorage.getItem('site-data'), sessionStorage.getItem('site-session'), document.cookie, Object.keys(sessionStorage).filter(k => k.startsWith('tandem.')).length]`).([]any)
		t.Logf("after repair: %v", got)
		if got[0] != nil || got[1] != nil || got[2] != "" || got[3].(float64) < 1 {
			t.Fatalf("after repair: %v", got)
		}
	})

	t.Run("control-across-pages", func(t *testing.T) {
		eval(t, agent, `A.snaps = []; A.evs = []; A.send('control.request')`)
		wait(t, person, "control prompt", ui("control-allow"))
		eval(t, person, ui("control-allow")+".click()")
		wait(t, agent, "holder", `A.last('control.state')?.holder?.id === A.you.conn`)
		op := func(o string) map[string]any {
			t.Helper()
			n := eval(t, agent, `A.results.length`).(float64)
			eval(t, agent, `A.send('op', `+o+`)`)
			wait(t, agent, "op.result", `A.results.length > `+js(n))
			return eval(t, agent, `A.results[A.results.length-1]`).(map[string]any)
		}
		r := op(`{opId: 'nav', op: 'navigate', url: ` + js(demo.SiteURL+"/iframe.html") + `}`)
		if r["ok"] != true {
			t.Fatalf("navigate: %v", r)
		}
		time.Sleep(1500 * time.Millisecond)
		wait(t, person, "iframe page live", `location.pathname === '/iframe.html' && window.Tandem && Tandem.state === 'live'`)
		wait(t, person, "badge on the new page", ui("control-revoke"))
		wait(t, agent, "new snapshot", `A.nodeId('child-input') > 0`)
		r = op(`{opId: 'fi', op: 'type', node: A.nodeId('child-input'), text: 'in frame'}`)
		r2 := op(`{opId: 'fb', op: 'click', node: A.nodeId('child-button')}`)
		v := eval(t, person, `(() => { const d = document.getElementById('child-frame').contentDocument; return [d.getElementById('child-input').value, d.getElementById('child-output').textContent]; })()`).([]any)
		if r["ok"] != true || r2["ok"] != true || v[0] != "in frame" || v[1] != "Clicked 1 time." {
			t.Fatalf("iframe: %v %v %v", r, r2, v)
		}
		// By coordinates into the frame.
		xy := eval(t, person, `(() => { const f = document.getElementById('child-frame'); const fr = f.getBoundingClientRect(); const b = f.contentDocument.getElementById('child-button').getBoundingClientRect(); return [fr.left + f.clientLeft + b.left + b.width/2 + scrollX, fr.top + f.clientTop + b.top + b.height/2 + scrollY]; })()`).([]any)
		r = op(`{opId: 'fb2', op: 'click', x: ` + js(xy[0]) + `, y: ` + js(xy[1]) + `}`)
		v = eval(t, person, `[document.getElementById('child-frame').contentDocument.getElementById('child-output').textContent]`).([]any)
		if r["ok"] != true || v[0] != "Clicked 2 times." {
			t.Fatalf("iframe by coordinates: %v %v", r, v)
		}
		eval(t, agent, `A.snaps = []; A.evs = []`)
		op(`{opId: 'nav2', op: 'navigate', url: ` + js(demo.SiteURL+"/shadow.html") + `}`)
		time.Sleep(1500 * time.Millisecond)
		wait(t, person, "shadow page live", `location.pathname === '/shadow.html' && window.Tandem && Tandem.state === 'live'`)
		wait(t, agent, "new snapshot", `A.nodeId('shadow-input') > 0`)
		r = op(`{opId: 'si', op: 'type', node: A.nodeId('shadow-input'), text: 'in shadow'}`)
		r2 = op(`{opId: 'sb', op: 'click', node: A.nodeId('shadow-button')}`)
		v = eval(t, person, `(() => { const r = document.getElementById('shadow-host').shadowRoot; return [r.getElementById('shadow-input').value, r.getElementById('shadow-text').textContent]; })()`).([]any)
		if r["ok"] != true || r2["ok"] != true || v[0] != "in shadow" || v[1] != "The text changed 1 time." {
			t.Fatalf("shadow: %v %v %v", r, r2, v)
		}
		r = op(`{opId: 'back', op: 'back'}`)
		time.Sleep(1500 * time.Millisecond)
		wait(t, person, "back", `location.pathname === '/iframe.html' && window.Tandem && Tandem.state === 'live'`)
		eval(t, agent, `A.send('control.release')`)
		wait(t, person, "badge gone", "!"+ui("control-revoke"))
	})

	t.Run("end-stops-call", func(t *testing.T) {
		eval(t, person, `(() => { const md = navigator.mediaDevices; const g = md.getUserMedia.bind(md); window.__streams = []; md.getUserMedia = async (c) => { const s = await g(c); __streams.push(s); return s; }; return 1; })()`)
		eval(t, agent, `A.send('call', {video: true})`)
		wait(t, person, "call prompt", ui("call-accept"))
		eval(t, person, ui("call-accept")+".click()")
		wait(t, person, "remote video", ui("call-remote")+`?.videoWidth > 0`)
		eval(t, agent, `fetch('/api/v1/assists/'+__id+'/end',{method:'POST'}).then(r=>r.status)`)
		wait(t, person, "ended", `Tandem.state === 'ended' && !`+ui("call")+` && !window.__tandemCall`)
		if v := eval(t, person, `__streams.length > 0 && __streams.every(s => s.getTracks().every(t => t.readyState === 'ended'))`); v != true {
			t.Fatal("camera and microphone still on after the assist ended")
		}
	})
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
