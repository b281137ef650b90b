package httpapi_test

import (
	"context"
	"testing"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
)

type callMember struct {
	ID   string
	Away bool
}

type callStateFrame struct {
	CallID, State, You string
	Members            []callMember
}

// personAway reports whether the frame lists the person as away; ok is
// false when the person is not a member.
func (st callStateFrame) personAway() (away, ok bool) {
	for _, m := range st.Members {
		if m.ID == "person" {
			return m.Away, true
		}
	}
	return false, false
}

// awaitCallState reads call.state frames until one satisfies ok.
func awaitCallState(t *testing.T, ctx context.Context, ws *websocket.Conn, what string, ok func(callStateFrame) bool) callStateFrame {
	t.Helper()
	for {
		var st callStateFrame
		expect(t, ctx, ws, "call.state", &st)
		if ok(st) {
			return st
		}
		if st.State == "ended" || st.State == "declined" {
			t.Fatalf("waiting for %s: the call is %s", what, st.State)
		}
	}
}

// A call survives the person's page going away: the person stays a member,
// marked away, their next page is told the call is on and rejoins it with
// call.answer, without being asked again.
func TestCallSurvivesThePersonsNavigation(t *testing.T) {
	ctx, _, alex, p := startLive(t, app.Config{ICE: app.ICEConfig{TURNAddr: "127.0.0.1:0"}})
	a, aID := watchAs(t, ctx, alex, p.AssistID)
	sendCtl(t, ctx, a, "call", `{"video":false}`)
	var ring struct{ CallID string }
	expect(t, ctx, p.WS, "call", &ring)
	sendCtl(t, ctx, p.WS, "call.answer", `{"callId":"`+ring.CallID+`","accept":true}`)
	awaitCallState(t, ctx, a, "the call to be active", func(st callStateFrame) bool { return st.State == "active" })

	// The page goes away (a navigation).
	if err := p.WS.Close(websocket.StatusGoingAway, "navigating"); err != nil {
		t.Fatal(err)
	}
	awaitCallState(t, ctx, a, "the person away", func(st callStateFrame) bool {
		away, ok := st.personAway()
		return st.State == "active" && ok && away
	})

	// The next page: the call is on, and it is a member.
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	st := awaitCallState(t, ctx, p.WS, "the call on the new page", func(st callStateFrame) bool { return st.State == "active" })
	if away, ok := st.personAway(); st.You != "person" || st.CallID != ring.CallID || !ok || !away {
		t.Fatalf("call state on the new page = %+v", st)
	}
	// A rejoin for another call is refused and changes nothing.
	sendCtl(t, ctx, p.WS, "call.answer", `{"callId":"other","accept":true}`)
	var e errFrame
	expect(t, ctx, p.WS, "error", &e)
	if e.Ref != "call.answer" || e.Code != "conflict" {
		t.Fatalf("rejoining another call: %+v", e)
	}
	sendCtl(t, ctx, p.WS, "call.answer", `{"callId":"`+ring.CallID+`","accept":true}`)
	awaitCallState(t, ctx, a, "the person back", func(st callStateFrame) bool {
		away, ok := st.personAway()
		return st.State == "active" && ok && !away
	})
	// Signalling flows again both ways.
	sendCtl(t, ctx, a, "rtc", `{"callId":"`+ring.CallID+`","to":"person","description":{"type":"offer","sdp":"v=0"}}`)
	var offer struct{ From string }
	expect(t, ctx, p.WS, "rtc", &offer)
	if offer.From != aID {
		t.Fatalf("offer at the new page from %q", offer.From)
	}
	// A page that connects before the last one's channel closed (the old
	// one is replaced) rejoins too.
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	awaitCallState(t, ctx, a, "the person away again", func(st callStateFrame) bool {
		away, ok := st.personAway()
		return ok && away
	})
	st = awaitCallState(t, ctx, p.WS, "the call on the newest page", func(st callStateFrame) bool { return st.State == "active" })
	if away, _ := st.personAway(); !away || st.You != "person" {
		t.Fatalf("call state on the newest page = %+v", st)
	}
	sendCtl(t, ctx, p.WS, "call.answer", `{"callId":"`+ring.CallID+`","accept":true}`)
	awaitCallState(t, ctx, a, "the person back again", func(st callStateFrame) bool {
		away, ok := st.personAway()
		return ok && !away
	})
	// Hanging up from the new page ends the call.
	sendCtl(t, ctx, p.WS, "call.leave", "")
	awaitCallState(t, ctx, a, "the call to end", func(st callStateFrame) bool { return st.State == "ended" })
}

// A call still ringing when the page goes away ends: the person has not
// accepted it.
func TestRingingCallEndsWhenThePageGoes(t *testing.T) {
	ctx, _, alex, p := startLive(t, app.Config{})
	a, _ := watchAs(t, ctx, alex, p.AssistID)
	sendCtl(t, ctx, a, "call", `{"video":false}`)
	expect(t, ctx, p.WS, "call", nil)
	if err := p.WS.Close(websocket.StatusGoingAway, "navigating"); err != nil {
		t.Fatal(err)
	}
	awaitCallState(t, ctx, a, "the call to end", func(st callStateFrame) bool { return st.State == "ended" })
}
