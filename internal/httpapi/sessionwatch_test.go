package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/protocol"
	"github.com/tandemhq/tandem/internal/simclient"
)

// TestConsoleChannelsCloseWithTheSession: an agent's open console
// channels (the queue, a live assist) close with CloseBadToken once their
// session ends, by signing out on another tab; a channel of another
// session stays open.
func TestConsoleChannelsCloseWithTheSession(t *testing.T) {
	ts := apptest.Start(t, app.Config{SessionRecheck: 50 * time.Millisecond}, siteOrigin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leaving, err := simclient.Login(ctx, ts.URL(), ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	email, pw := ts.AddAgent(t, "kim@example.com", "Kim")
	staying, err := simclient.Login(ctx, ts.URL(), email, pw)
	if err != nil {
		t.Fatal(err)
	}
	gone := dialQueue(t, ctx, ts, leaving)
	kept := dialQueue(t, ctx, ts, staying)
	p := ts.Person(siteOrigin)
	if err := p.GoLive(ctx, leaving, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	defer p.WS.CloseNow()
	live, err := leaving.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	defer live.CloseNow()
	readAvailQueue(t, ctx, gone, func(availQueue) bool { return true })
	readAvailQueue(t, ctx, kept, func(availQueue) bool { return true })

	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL()+"/api/v1/logout", nil)
	req.Header.Set("Origin", ts.URL())
	resp, err := leaving.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("logout = %d", resp.StatusCode)
	}
	for {
		_, _, err := gone.Read(ctx)
		if err == nil {
			continue // a queue frame sent before the check
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || int(ce.Code) != protocol.CloseBadToken {
			t.Fatalf("the signed-out agent's queue channel ended with %v, want close %d", err, protocol.CloseBadToken)
		}
		break
	}
	waitClosed(t, ctx, "the signed-out agent's live channel", live)
	// The other agent's channel is still served: a new request reaches it.
	helpRequest(t, ctx, ts)
	readAvailQueue(t, ctx, kept, func(availQueue) bool { return true })

	// A channel opened with a session already gone is refused before
	// the handshake.
	_, resp, err = websocket.Dial(ctx, strings.Replace(ts.URL(), "http", "ws", 1)+"/api/v1/queue/ws",
		&websocket.DialOptions{HTTPClient: leaving.Client, HTTPHeader: http.Header{"Origin": {ts.URL()}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a queue channel without a session: %v, %v; want 401", err, resp)
	}
}

// waitClosed reads ws until it ends, and fails unless it ended with
// CloseBadToken within a few seconds (the sessions are rechecked every
// 50 ms).
func waitClosed(t *testing.T, ctx context.Context, what string, ws *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue // a frame sent before the session ended
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || int(ce.Code) != protocol.CloseBadToken {
			t.Fatalf("%s ended with %v, want close %d", what, err, protocol.CloseBadToken)
		}
		return
	}
}
