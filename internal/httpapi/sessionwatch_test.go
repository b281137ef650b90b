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
// channels close with CloseBadToken once their session ends, by signing
// out on another tab; a channel of another session stays open.
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
