package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

// readData reads the agent channel until n data frames came, and returns
// their sequence numbers and kinds (a "sync" frame is listed as seq 0).
func readData(t *testing.T, ctx context.Context, ws *websocket.Conn, n int) ([]uint64, []string) {
	t.Helper()
	var seqs []uint64
	var kinds []string
	for len(seqs) < n {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read agent channel after %v: %v", seqs, err)
		}
		h, _, err := simclient.Split(msg)
		if err != nil {
			t.Fatal(err)
		}
		if h.Seq > 0 || h.Kind == "sync" {
			seqs, kinds = append(seqs, h.Seq), append(kinds, h.Kind)
		}
	}
	return seqs, kinds
}

func TestConsentIsAskedAndEventsWaitForIt(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := newPerson(ts)
	if err := p.RequestHelp(ctx, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	h, body, err := p.Connect(ctx)
	if err != nil || h.Kind != "welcome" || !strings.Contains(string(body), `"waiting"`) {
		t.Fatalf("welcome = %v %s %v", h, body, err)
	}
	// Events before consent close the channel and change nothing.
	if _, err := p.SendData(ctx, "ev", "page-1", "", []byte(`[]`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Read(ctx); closeCode(err) != 4403 {
		t.Fatalf("events before consent: %v, want close 4403", err)
	}
	p.SetNextSeq(1)
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := agent.Accept(ctx, p.AssistID); err != nil {
		t.Fatal(err)
	}
	if err := agent.Accept(ctx, p.AssistID); apiCode(err) != "conflict" {
		t.Fatalf("second accept: %v, want conflict", err)
	}
	_, body, err = simclient.ReadUntil(ctx, p.WS, "prompt")
	if err != nil {
		t.Fatal(err)
	}
	var prompt struct{ Text string }
	_ = json.Unmarshal(body, &prompt)
	if prompt.Text != "Alex from Support wants to see this page" {
		t.Fatalf("prompt text = %q", prompt.Text)
	}
	if err := p.Send(ctx, simclient.Header{Kind: "consent"}, []byte(`{"allow":true}`)); err != nil {
		t.Fatal(err)
	}
	if _, body, err := simclient.ReadUntil(ctx, p.WS, "state"); err != nil || !strings.Contains(string(body), "live") {
		t.Fatalf("state = %s %v", body, err)
	}
	var detail struct {
		Assist   struct{ State string }
		Consents []struct {
			Allowed bool
			Method  string
			Text    string
		}
		Audit []struct{ Action string }
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Assist.State != "live" || len(detail.Consents) != 1 || !detail.Consents[0].Allowed ||
		detail.Consents[0].Method != "prompt" || detail.Consents[0].Text != prompt.Text {
		t.Fatalf("detail = %+v", detail)
	}
	var actions []string
	for _, a := range detail.Audit {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "request,accept,consent.allow") {
		t.Fatalf("audit = %s", got)
	}
}

func TestDenyEndsTheRequest(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := newPerson(ts)
	if err := p.RequestHelp(ctx, siteOrigin+"/"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := agent.Accept(ctx, p.AssistID); err != nil {
		t.Fatal(err)
	}
	watch := mustWatch(t, ctx, agent, p.AssistID, 0)
	if h, body, err := simclient.ReadUntil(ctx, watch, "state"); err != nil || !strings.Contains(string(body), "consenting") {
		t.Fatalf("agent's first state = %v %s %v", h, body, err)
	}
	if err := p.Send(ctx, simclient.Header{Kind: "consent"}, []byte(`{"allow":false}`)); err != nil {
		t.Fatal(err)
	}
	_, body, err := simclient.ReadUntil(ctx, watch, "ended")
	if err != nil || !strings.Contains(string(body), "denied") {
		t.Fatalf("agent saw %s, %v; want ended with 'denied'", body, err)
	}
	var detail struct {
		Assist   struct{ State, EndReason string }
		Consents []struct{ Allowed bool }
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Assist.State != "ended" || len(detail.Consents) != 1 || detail.Consents[0].Allowed {
		t.Fatalf("after deny: %+v", detail)
	}
}

func TestRelayLateJoinResumeAndRecording(t *testing.T) {
	ctx, _, agent, p := startLive(t, app.Config{Grace: 5 * time.Second})
	first := mustWatch(t, ctx, agent, p.AssistID, 0)
	send := func(kind, page, hash, payload string) {
		t.Helper()
		if _, err := p.SendData(ctx, kind, page, hash, []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	send("meta", "a", "", `{"url":"https://shop.example.com/a","title":"A","pageId":"a","viewport":{"width":800,"height":600,"dpr":2}}`)
	send("snap", "a", "h1", `[{"type":4},{"type":2}]`)
	for i := range 5 {
		send("ev", "a", "", fmt.Sprintf(`[{"type":3,"n":%d}]`, i))
	}
	seqs, kinds := readData(t, ctx, first, 8)
	if fmt.Sprint(seqs) != "[0 1 2 3 4 5 6 7]" || kinds[0] != "sync" {
		t.Fatalf("first agent got %v %v", seqs, kinds)
	}

	// A second agent joining late gets the page's meta and snapshot and
	// what followed them.
	late := mustWatch(t, ctx, agent, p.AssistID, 0)
	seqs, kinds = readData(t, ctx, late, 8)
	if fmt.Sprint(seqs) != "[0 1 2 3 4 5 6 7]" || kinds[1] != "meta" || kinds[2] != "snap" {
		t.Fatalf("late agent got %v %v", seqs, kinds)
	}

	// The person's connection drops; frames 8 and 9 were sent but the person
	// resends them after reconnecting: nothing lost, nothing twice.
	send("ev", "a", "", `[{"type":3,"n":5}]`)
	send("ev", "a", "", `[{"type":3,"n":6}]`)
	for h := (simclient.Header{}); h.Ack < 9; {
		var err error
		if h, _, err = simclient.ReadUntil(ctx, p.WS, "ack"); err != nil {
			t.Fatal(err)
		}
	}
	p.WS.CloseNow()
	h, _, err := p.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.SetNextSeq(h.Ack + 1 - 2) // resend the last two as if unacknowledged
	send("ev", "a", "", `[{"type":3,"n":5}]`)
	send("ev", "a", "", `[{"type":3,"n":6}]`)
	send("ev", "a", "", `[{"type":3,"n":7}]`)
	if h.Ack != 9 {
		t.Fatalf("welcome ack = %d, want 9", h.Ack)
	}
	seqs, _ = readData(t, ctx, first, 3)
	if fmt.Sprint(seqs) != "[8 9 10]" {
		t.Fatalf("after resume the agent got %v, want [8 9 10]", seqs)
	}

	// An agent reconnecting with from= resumes without a resync.
	resumed := mustWatch(t, ctx, agent, p.AssistID, 8)
	seqs, _ = readData(t, ctx, resumed, 2)
	if fmt.Sprint(seqs) != "[9 10]" {
		t.Fatalf("resumed agent got %v, want [9 10]", seqs)
	}

	// A gap closes the person's channel and is not recorded.
	p.SetNextSeq(20)
	send("ev", "a", "", `[]`)
	if _, _, err := simclient.ReadUntil(ctx, p.WS, "never"); closeCode(err) != 4400 {
		t.Fatalf("gap: %v, want close 4400", err)
	}
	p.SetNextSeq(11)
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(ctx, simclient.Header{Kind: "end"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, body, err := simclient.ReadUntil(ctx, first, "ended"); err != nil || !strings.Contains(string(body), "ended by the person") {
		t.Fatalf("agent: %s %v", body, err)
	}

	frames := recording(t, ctx, agent, p.AssistID)
	if len(frames) != 10 {
		t.Fatalf("recording has %d frames, want 10", len(frames))
	}
	for i, f := range frames {
		if f.S != uint64(i+1) {
			t.Fatalf("recorded frame %d has seq %d", i, f.S)
		}
	}
	if string(frames[9].D) != `[{"type":3,"n":7}]` {
		t.Fatalf("last recorded payload = %s", frames[9].D)
	}
}

func TestPersonGoneBeyondGraceEndsAssist(t *testing.T) {
	ctx, _, agent, p := startLive(t, app.Config{Grace: 300 * time.Millisecond})
	watch := mustWatch(t, ctx, agent, p.AssistID, 0)
	p.WS.CloseNow()
	_, body, err := simclient.ReadUntil(ctx, watch, "ended")
	if err != nil || !strings.Contains(string(body), "connection was lost") {
		t.Fatalf("agent: %s %v", body, err)
	}
	if _, _, err := p.Connect(ctx); err == nil {
		if _, _, err = p.Read(ctx); closeCode(err) != 4410 {
			t.Fatalf("reconnect after grace: %v, want close 4410", err)
		}
	}
}

func TestBadChannels(t *testing.T) {
	ctx, ts, agent, p := startLive(t, app.Config{})
	other := livePerson(t, ctx, ts, agent)

	dial := func(id, token, origin string) error {
		q := &simclient.Person{Base: ts.URL(), Origin: origin, SiteKey: ts.Site.Key, AssistID: id, Token: token, Client: ts.Client()}
		_, _, err := q.Connect(ctx)
		if err == nil {
			_, _, err = q.Read(ctx)
		}
		return err
	}
	tests := []struct {
		name, id, token, origin string
		code                    int
	}{
		{"unknown assist", "nope", p.Token, siteOrigin, 4404},
		{"bad token", p.AssistID, "forged", siteOrigin, 4401},
		{"another assist's token", p.AssistID, other.Token, siteOrigin, 4401},
		{"origin not allowed", p.AssistID, p.Token, "https://evil.example", 4403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := dial(tt.id, tt.token, tt.origin); closeCode(err) != tt.code {
				t.Fatalf("got %v, want close %d", err, tt.code)
			}
		})
	}
	frames := []struct {
		name, frame string
		code        int
	}{
		{"header not JSON", "{nope\n[]", 4400},
		{"unknown kind", `{"k":"launch"}`, 4400},
		{"data without seq", `{"k":"ev"}` + "\n[]", 4400},
		{"consent not asked", `{"k":"consent"}` + "\n" + `{"allow":true}`, 4400},
	}
	for _, tt := range frames {
		t.Run(tt.name, func(t *testing.T) {
			q := &simclient.Person{Base: ts.URL(), Origin: siteOrigin, AssistID: p.AssistID, Token: p.Token, Client: ts.Client()}
			if _, _, err := q.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			if err := q.WS.Write(ctx, websocket.MessageText, []byte(tt.frame)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := simclient.ReadUntil(ctx, q.WS, "never"); closeCode(err) != tt.code {
				t.Fatalf("got %v, want close %d", err, tt.code)
			}
		})
	}
	// The assist is unharmed: a fresh connection still streams.
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SendData(ctx, "meta", "a", "", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if h, _, err := simclient.ReadUntil(ctx, p.WS, "ack"); err != nil || h.Ack != 1 {
		t.Fatalf("ack after bad frames = %+v %v", h, err)
	}
}

func TestInvites(t *testing.T) {
	clock := newTestClock()
	ts, agent := start(t, app.Config{Now: clock.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	create := func(body map[string]any) (struct{ Link, Code string }, error) {
		var out struct{ Link, Code string }
		err := agent.Do(ctx, "POST", "/api/v1/invites", body, &out)
		return out, err
	}
	inv, err := create(map[string]any{"siteId": ts.Site.ID, "url": siteOrigin + "/checkout"})
	if err != nil {
		t.Fatal(err)
	}
	token, ok := strings.CutPrefix(inv.Link, siteOrigin+"/checkout#tandem-invite=")
	if !ok || len(inv.Code) != 9 {
		t.Fatalf("invite = %+v", inv)
	}
	if _, err := create(map[string]any{"siteId": ts.Site.ID, "url": "https://evil.example/"}); apiCode(err) != "invalid" {
		t.Fatalf("invite to a foreign origin: %v", err)
	}

	// Typed in lower case with a space: still the code.
	p := newPerson(ts)
	if err := p.Redeem(ctx, siteOrigin+"/checkout", "", strings.ToLower(strings.Replace(inv.Code, "-", " ", 1))); err != nil {
		t.Fatalf("redeem code: %v", err)
	}
	h, body, err := p.Connect(ctx)
	if err != nil || !strings.Contains(string(body), `"live"`) {
		t.Fatalf("welcome after invite = %+v %s %v", h, body, err)
	}
	// Single use: the link of the same invite is now refused.
	q := newPerson(ts)
	if err := q.Redeem(ctx, siteOrigin+"/", token, ""); apiCode(err) != "used" {
		t.Fatalf("second use: %v, want used", err)
	}
	if err := q.Redeem(ctx, siteOrigin+"/", "", "ZZZZ-ZZZZ"); apiCode(err) != "not_found" {
		t.Fatalf("unknown code: %v, want not_found", err)
	}
	short, err := create(map[string]any{"siteId": ts.Site.ID, "ttlSeconds": 1})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := q.Redeem(ctx, siteOrigin+"/", "", short.Code); apiCode(err) != "expired" {
		t.Fatalf("expired invite: %v, want expired", err)
	}
	var detail struct{ Consents []struct{ Method string } }
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID, nil, &detail); err != nil || len(detail.Consents) != 1 || detail.Consents[0].Method != "invite" {
		t.Fatalf("consent of invite = %+v %v", detail, err)
	}
}

// The grace periods run on a clock the test moves: that the assist is
// still live after an agent came back is proven by moving past the grace
// period, not by waiting for it and hoping the timer had its chance.
func TestAgentGoneBeyondGraceEndsAssist(t *testing.T) {
	const grace = 30 * time.Second
	clock := newTestClock()
	ctx, _, agent, p := startLive(t, app.Config{Grace: grace, Now: clock.Now, AfterFunc: clock.AfterFunc})
	watch := mustWatch(t, ctx, agent, p.AssistID, 0)
	if _, _, err := simclient.ReadUntil(ctx, watch, "state"); err != nil {
		t.Fatal(err)
	}
	// A reconnect within the grace period keeps the assist. The server
	// starts the grace period once it has seen the agent go: the reconnect
	// comes after that, so that it is the reconnect that stops it.
	watch.CloseNow()
	gone := clock.waitStarted(t, ctx)
	if gone.d != grace {
		t.Fatalf("the agent's grace period is %v, want %v", gone.d, grace)
	}
	again := mustWatch(t, ctx, agent, p.AssistID, 0)
	if _, _, err := simclient.ReadUntil(ctx, again, "state"); err != nil {
		t.Fatal(err)
	}
	if !gone.stopped() {
		t.Fatal("the agent came back, and the grace period still runs")
	}
	// Past the grace period: nothing is due, and the assist goes on (the
	// clock runs what is due before Advance returns).
	if n := clock.Advance(2 * grace); n != 0 {
		t.Fatalf("%d timers ran past the grace period although the agent came back", n)
	}
	if _, err := p.SendData(ctx, "meta", "a", "", []byte(`{}`)); err != nil {
		t.Fatalf("assist ended although an agent came back: %v", err)
	}
	if h, _, err := simclient.ReadUntil(ctx, p.WS, "ack"); err != nil || h.Ack != 1 {
		t.Fatalf("ack = %+v %v", h, err)
	}
	// Gone for longer: the assist lasts the grace period, then the person
	// is told why.
	again.CloseNow()
	if d := clock.waitStarted(t, ctx).d; d != grace {
		t.Fatalf("the agent's grace period is %v, want %v", d, grace)
	}
	if n := clock.Advance(grace - time.Millisecond); n != 0 {
		t.Fatalf("%d timers ran before the grace period was over", n)
	}
	if _, err := p.SendData(ctx, "meta", "b", "", []byte(`{}`)); err != nil {
		t.Fatalf("assist ended before the grace period was over: %v", err)
	}
	if h, _, err := simclient.ReadUntil(ctx, p.WS, "ack"); err != nil || h.Ack != 2 {
		t.Fatalf("ack within the grace period = %+v %v", h, err)
	}
	if n := clock.Advance(time.Millisecond); n != 1 {
		t.Fatalf("%d timers ran at the end of the grace period, want the agent's", n)
	}
	_, body, err := simclient.ReadUntil(ctx, p.WS, "ended")
	if err != nil || !strings.Contains(string(body), "agent's connection was lost") {
		t.Fatalf("person: %s %v", body, err)
	}
}

func TestOversizedFrameIsRefused(t *testing.T) {
	ctx, _, _, p := startLive(t, app.Config{})
	huge := make([]byte, 9<<20)
	for i := range huge {
		huge[i] = 'x'
	}
	_ = p.WS.Write(ctx, websocket.MessageText, append([]byte(`{"k":"ev","s":1}`+"\n"), huge...))
	if _, _, err := simclient.ReadUntil(ctx, p.WS, "never"); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("9 MiB frame: %v, want close 1009", err)
	}
	// Nothing was accepted, and the assist goes on.
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	p.SetNextSeq(1)
	if _, err := p.SendData(ctx, "meta", "a", "", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if h, _, err := simclient.ReadUntil(ctx, p.WS, "ack"); err != nil || h.Ack != 1 {
		t.Fatalf("ack after the refused frame = %+v %v", h, err)
	}
}
