package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

func sendCtl(t *testing.T, ctx context.Context, ws *websocket.Conn, kind, body string) {
	t.Helper()
	var payload []byte
	if body != "" {
		payload = []byte(body)
	}
	if err := ws.Write(ctx, websocket.MessageText, simclient.Frame(simclient.Header{Kind: kind}, payload)); err != nil {
		t.Fatalf("send %s: %v", kind, err)
	}
}

func expect(t *testing.T, ctx context.Context, ws *websocket.Conn, kind string, into any) {
	t.Helper()
	_, body, err := simclient.ReadUntil(ctx, ws, kind)
	if err != nil {
		t.Fatalf("waiting for %s: %v", kind, err)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("%s payload %s: %v", kind, body, err)
		}
	}
}

type errFrame struct{ Ref, Code, Message string }

func watchAs(t *testing.T, ctx context.Context, a *simclient.Agent, id string) (*websocket.Conn, string) {
	t.Helper()
	ws, err := a.Watch(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var you struct{ Conn string }
	expect(t, ctx, ws, "you", &you)
	if you.Conn == "" {
		t.Fatal("no channel id in the you frame")
	}
	return ws, you.Conn
}

func TestRemoteControlNeedsConsentAndOneHolder(t *testing.T) {
	ts, alex := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	email, pw := ts.AddAgent(t, "sam@example.com", "Sam")
	sam, err := ts.Login(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	p := livePerson(t, ctx, ts, alex)
	a, aID := watchAs(t, ctx, alex, p.AssistID)
	b, bID := watchAs(t, ctx, sam, p.AssistID)

	// No control yet: operations are refused and nothing reaches the page.
	var e errFrame
	sendCtl(t, ctx, a, "op", `{"op":"click","node":12,"x":10,"y":10}`)
	expect(t, ctx, a, "error", &e)
	if e.Ref != "op" || e.Code != "forbidden" {
		t.Fatalf("op without control: %+v", e)
	}

	sendCtl(t, ctx, a, "control.request", "")
	var req struct{ Agent, Text string }
	expect(t, ctx, p.WS, "control.request", &req)
	if req.Text != "Alex from Support wants to control this page" {
		t.Fatalf("control prompt = %+v", req)
	}
	sendCtl(t, ctx, b, "control.request", "")
	expect(t, ctx, b, "error", &e)
	if !strings.Contains(e.Message, "answering") {
		t.Fatalf("second request while one is pending: %+v", e)
	}
	sendCtl(t, ctx, p.WS, "control.answer", `{"allow":true}`)
	var st struct{ Holder *struct{ ID, Name string } }
	expect(t, ctx, b, "control.state", &st)
	for st.Holder == nil {
		expect(t, ctx, b, "control.state", &st)
	}
	if st.Holder.ID != aID || st.Holder.Name != "Alex" {
		t.Fatalf("holder = %+v, want Alex (%s)", st.Holder, aID)
	}

	// The holder's operation reaches the page, marked with who sent it.
	sendCtl(t, ctx, a, "op", `{"op":"click","node":12,"x":10,"y":10}`)
	var op struct {
		Op       string
		Node     int
		From     string
		FromName string
	}
	expect(t, ctx, p.WS, "op", &op)
	if op.Op != "click" || op.Node != 12 || op.From != aID || op.FromName != "Alex" {
		t.Fatalf("op at the page = %+v", op)
	}
	// The page's result goes back to the agent who sent the op, as JSON.
	sendCtl(t, ctx, p.WS, "op.result", `{"opId":"o1","from":"`+aID+`","ok":false,"error":"masked field"}`)
	var result struct {
		OpID  string
		OK    bool
		Error string
	}
	expect(t, ctx, a, "op.result", &result)
	if result.OpID != "o1" || result.OK || result.Error != "masked field" {
		t.Fatalf("op.result at the agent = %+v", result)
	}
	// Another agent's operation is refused; navigation off the site too.
	sendCtl(t, ctx, b, "op", `{"op":"click","node":3}`)
	expect(t, ctx, b, "error", &e)
	if e.Code != "forbidden" {
		t.Fatalf("op from a non-holder: %+v", e)
	}
	sendCtl(t, ctx, a, "op", `{"op":"navigate","url":"https://evil.example/"}`)
	expect(t, ctx, a, "error", &e)
	if e.Code != "invalid" {
		t.Fatalf("navigate off the site: %+v", e)
	}

	// Explicit hand-over to Sam; then Alex is refused.
	sendCtl(t, ctx, a, "control.handover", `{"to":"`+bID+`"}`)
	expect(t, ctx, b, "control.state", &st)
	if st.Holder == nil || st.Holder.ID != bID {
		t.Fatalf("after hand-over holder = %+v", st.Holder)
	}
	sendCtl(t, ctx, a, "op", `{"op":"click","node":12}`)
	expect(t, ctx, a, "error", &e)
	if e.Code != "forbidden" {
		t.Fatalf("op after handing over: %+v", e)
	}

	// The person takes control back; Sam's next operation is refused.
	sendCtl(t, ctx, p.WS, "control.revoke", "")
	expect(t, ctx, b, "control.state", &st)
	if st.Holder != nil {
		t.Fatalf("after revoke holder = %+v", st.Holder)
	}
	sendCtl(t, ctx, b, "op", `{"op":"type","node":5,"text":"hello"}`)
	expect(t, ctx, b, "error", &e)
	if e.Code != "forbidden" {
		t.Fatalf("op after revoke: %+v", e)
	}

	// Repairs are asked of the person; the answer goes back to the agent.
	sendCtl(t, ctx, b, "repair.request", `{"actions":["clear-storage","format-disk"]}`)
	expect(t, ctx, b, "error", &e)
	if e.Code != "invalid" {
		t.Fatalf("unknown repair: %+v", e)
	}
	sendCtl(t, ctx, b, "repair.request", `{"actions":["clear-storage","reload"]}`)
	var repair struct{ Text string }
	expect(t, ctx, p.WS, "repair.request", &repair)
	if repair.Text != "Sam from Support wants to fix this page: clear its saved data, reload it" {
		t.Fatalf("repair prompt = %q", repair.Text)
	}
	sendCtl(t, ctx, p.WS, "repair.answer", `{"allow":true,"done":["clear-storage","reload"]}`)
	var answer struct {
		Allow bool
		Done  []string
	}
	expect(t, ctx, b, "repair.answer", &answer)
	if !answer.Allow || len(answer.Done) != 2 {
		t.Fatalf("repair answer at the agent = %+v", answer)
	}

	var detail struct {
		Audit []struct{ Actor, Action string }
	}
	if err := alex.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID, nil, &detail); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range detail.Audit {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"control.request", "control.grant", "op.click", "op.refused", "control.handover", "control.revoke", "repair.request", "repair.allow"} {
		if !strings.Contains(strings.Join(actions, ","), want) {
			t.Errorf("audit log lacks %s: %v", want, actions)
		}
	}
}

func TestCallSignalling(t *testing.T) {
	ctx, _, alex, p := startLive(t, app.Config{ICE: app.ICEConfig{TURNAddr: "127.0.0.1:0"}})
	a, aID := watchAs(t, ctx, alex, p.AssistID)

	sendCtl(t, ctx, a, "call", `{"video":true}`)
	var ring struct {
		CallID, From string
		Video        bool
	}
	expect(t, ctx, p.WS, "call", &ring)
	if ring.From != "Alex" || !ring.Video || ring.CallID == "" {
		t.Fatalf("call prompt = %+v", ring)
	}
	// Signalling before the person answers: the person is not a member yet.
	sendCtl(t, ctx, p.WS, "rtc", `{"callId":"`+ring.CallID+`","to":"`+aID+`","description":{"type":"answer"}}`)
	var e errFrame
	expect(t, ctx, p.WS, "error", &e)
	if e.Code != "forbidden" {
		t.Fatalf("rtc before answering: %+v", e)
	}
	sendCtl(t, ctx, p.WS, "call.answer", `{"callId":"`+ring.CallID+`","accept":true}`)
	type iceServer struct {
		URLs                 []string
		Username, Credential string
	}
	var st struct {
		State      string
		You        string
		IceServers []iceServer
		Members    []struct{ ID string }
	}
	expect(t, ctx, a, "call.state", &st)
	for st.State != "active" {
		expect(t, ctx, a, "call.state", &st)
	}
	if st.You != aID || len(st.Members) != 2 || len(st.IceServers) == 0 || st.IceServers[0].Credential == "" ||
		!strings.HasPrefix(st.IceServers[0].URLs[0], "turn:") {
		t.Fatalf("call state for the agent = %+v", st)
	}
	sendCtl(t, ctx, a, "rtc", `{"callId":"`+ring.CallID+`","to":"person","description":{"type":"offer","sdp":"v=0"}}`)
	var offer struct {
		From        string
		Description struct{ Type, SDP string }
	}
	expect(t, ctx, p.WS, "rtc", &offer)
	if offer.From != aID || offer.Description.Type != "offer" {
		t.Fatalf("offer at the person = %+v", offer)
	}
	// Hanging up ends the call for everyone; its TURN credentials die.
	sendCtl(t, ctx, a, "call.leave", "")
	expect(t, ctx, p.WS, "call.state", &st)
	for st.State != "ended" {
		expect(t, ctx, p.WS, "call.state", &st)
	}
	sendCtl(t, ctx, a, "rtc", `{"callId":"`+ring.CallID+`","to":"person"}`)
	expect(t, ctx, a, "error", &e)
	if e.Code != "conflict" {
		t.Fatalf("signalling after hang-up: %+v", e)
	}
}

func TestCallDeclined(t *testing.T) {
	ctx, _, alex, p := startLive(t, app.Config{})
	a, _ := watchAs(t, ctx, alex, p.AssistID)
	sendCtl(t, ctx, a, "call", `{"video":false}`)
	var ring struct{ CallID string }
	expect(t, ctx, p.WS, "call", &ring)
	sendCtl(t, ctx, p.WS, "call.answer", `{"callId":"`+ring.CallID+`","accept":false}`)
	var st struct{ State string }
	expect(t, ctx, a, "call.state", &st)
	for st.State == "ringing" {
		expect(t, ctx, a, "call.state", &st)
	}
	if st.State != "declined" {
		t.Fatalf("state after decline = %q", st.State)
	}
}
