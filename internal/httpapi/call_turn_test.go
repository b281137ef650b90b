package httpapi_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/turnserver/turntest"
)

type turnCred struct{ Username, Credential string }

// callMemberCred waits on ws for an active call.state with n members and
// returns the embedded TURN server's credentials in it.
func callMemberCred(t *testing.T, ctx context.Context, ws *websocket.Conn, n int) turnCred {
	t.Helper()
	var st struct {
		State      string
		Members    []struct{ ID string }
		IceServers []struct {
			URLs []string
			turnCred
		}
	}
	for st.State != "active" || len(st.Members) != n {
		expect(t, ctx, ws, "call.state", &st)
	}
	for _, s := range st.IceServers {
		if len(s.URLs) > 0 && strings.HasPrefix(s.URLs[0], "turn:") {
			return s.turnCred
		}
	}
	t.Fatalf("no TURN server in the call state: %+v", st)
	return turnCred{}
}

// Each member of a call gets TURN credentials of its own; a member who
// leaves loses its relay and its credentials, and the call's end takes
// every relay with it.
func TestCallTURNCredentialsPerMemberAndRevoked(t *testing.T) {
	ctx, ts, alex, p := startLive(t, app.Config{ICE: app.ICEConfig{TURNAddr: "127.0.0.1:0"}})
	a1, _ := watchAs(t, ctx, alex, p.AssistID)
	a2, _ := watchAs(t, ctx, alex, p.AssistID)
	sendCtl(t, ctx, a1, "call", `{"video":false}`)
	var ring struct{ CallID string }
	expect(t, ctx, p.WS, "call", &ring)
	sendCtl(t, ctx, p.WS, "call.answer", `{"callId":"`+ring.CallID+`","accept":true}`)
	agentCred := callMemberCred(t, ctx, a1, 2)
	personCred := callMemberCred(t, ctx, p.WS, 2)
	sendCtl(t, ctx, a2, "call.join", "")
	joinerCred := callMemberCred(t, ctx, a2, 3)
	seen := map[string]bool{}
	for _, c := range []turnCred{agentCred, personCred, joinerCred} {
		if c.Username == "" || seen[c.Username] || seen[c.Credential] {
			t.Fatalf("members share TURN credentials: agent %+v, person %+v, joiner %+v", agentCred, personCred, joinerCred)
		}
		seen[c.Username], seen[c.Credential] = true, true
	}

	addr := ts.TURNAddr()
	alloc := func(c turnCred) (net.PacketConn, *turntest.Client) {
		t.Helper()
		relay, cl, err := turntest.Allocate(t, addr, c.Username, c.Credential)
		if err != nil {
			t.Fatalf("allocate as %s: %v", c.Username, err)
		}
		return relay, cl
	}
	agentRelay, _ := alloc(agentCred)
	personRelay, person := alloc(personCred)
	joinerRelay, _ := alloc(joinerCred)
	turntest.Exchange(t, personRelay, agentRelay)
	turntest.Exchange(t, personRelay, joinerRelay)

	// The joiner hangs up; the others are told once it has been revoked.
	sendCtl(t, ctx, a2, "call.leave", "")
	callMemberCred(t, ctx, a1, 2)
	if !turntest.RelayClosed(t, joinerRelay.LocalAddr(), 5*time.Second) {
		t.Fatal("the relay of the agent who left still listens")
	}
	if _, _, err := turntest.Allocate(t, addr, joinerCred.Username, joinerCred.Credential); err == nil {
		t.Fatal("the agent who left allocated again with its credentials")
	}
	turntest.Exchange(t, agentRelay, personRelay)

	// The last agent hangs up: the call ends and every relay closes.
	sendCtl(t, ctx, a1, "call.leave", "")
	var st struct{ State string }
	for st.State != "ended" {
		expect(t, ctx, p.WS, "call.state", &st)
	}
	for name, relay := range map[string]net.PacketConn{"person": personRelay, "agent": agentRelay} {
		if !turntest.RelayClosed(t, relay.LocalAddr(), 5*time.Second) {
			t.Errorf("the %s's relay still listens after the call ended", name)
		}
	}
	if err := person.Refresh(); err == nil {
		t.Error("the person refreshed its allocation after the call ended")
	}
}
