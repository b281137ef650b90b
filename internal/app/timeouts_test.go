package app_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
)

const siteOrigin = "https://shop.example.com"

// short are timeouts short enough for tests; the bound of each check is a
// few times them, far below what a connection without them would last.
var short = app.HTTPTimeouts{ReadHeader: 300 * time.Millisecond, Read: 300 * time.Millisecond, Write: 300 * time.Millisecond, Idle: 300 * time.Millisecond}

const giveUp = 5 * time.Second // a connection still open by then was never cut

// dialShort starts a server with the short timeouts and returns a raw TCP
// connection to it, closed at the end of the test.
func dialShort(t *testing.T) net.Conn {
	t.Helper()
	ts := apptest.Start(t, app.Config{Timeouts: short}, siteOrigin)
	conn, err := net.Dial("tcp", ts.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitClosed reads conn until the server closes it and returns how long
// that took; it fails the test if giveUp passes first.
func waitClosed(t *testing.T, conn net.Conn, start time.Time) time.Duration {
	t.Helper()
	_ = conn.SetReadDeadline(start.Add(giveUp))
	_, err := io.Copy(io.Discard, conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept the connection open for %v", giveUp)
	}
	return time.Since(start)
}

// A request body sent one byte at a time is cut when the read timeout
// passes, not when the client is done.
func TestSlowBodyIsCut(t *testing.T) {
	conn := dialShort(t)
	start := time.Now()
	_, err := io.WriteString(conn, "POST /api/v1/login HTTP/1.1\r\nHost: tandem\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() { // the slow client: a byte every 20 ms, until the server hangs up
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("{")); err != nil {
					return
				}
			}
		}
	}()
	if took := waitClosed(t, conn, start); took > short.Read+2*time.Second {
		t.Fatalf("cut after %v, want about the read timeout (%v)", took, short.Read)
	}
}

// An idle keep-alive connection is closed after the idle timeout.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	conn := dialShort(t)
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: tandem\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("healthz: %d, close=%v; want a kept-alive 200", resp.StatusCode, resp.Close)
	}
	start := time.Now()
	if took := waitClosed(t, conn, start); took > short.Idle+2*time.Second {
		t.Fatalf("idle connection closed after %v, want about the idle timeout (%v)", took, short.Idle)
	}
}

// WebSocket channels outlive every timeout: after well past all of them,
// the server still reads the person's frames and writes to both sides.
func TestWebSocketsOutliveTimeouts(t *testing.T) {
	// Timeouts short enough to pass while a channel idles, long enough
	// for the requests around it (a help request opens a conversation too)
	// on a loaded machine under the race detector.
	short := app.HTTPTimeouts{ReadHeader: time.Second, Read: time.Second, Write: time.Second, Idle: time.Second}
	ts := apptest.Start(t, app.Config{Timeouts: short}, siteOrigin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent, err := simclient.Login(ctx, ts.URL(), ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	p := &simclient.Person{Base: ts.URL(), Origin: siteOrigin, SiteKey: ts.Site.Key}
	if err := p.RequestHelp(ctx, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	// Past every timeout while the channel is idle: this wait is what is
	// under test, not a way to let something happen.
	time.Sleep(4 * short.Write)
	if err := agent.Accept(ctx, p.AssistID); err != nil {
		t.Fatal(err)
	}
	if err := p.Allow(ctx); err != nil {
		t.Fatalf("the person's channel after the timeouts: %v", err)
	}
	watch, err := agent.Watch(ctx, p.AssistID, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.CloseNow()
	time.Sleep(4 * short.Write)
	if _, err := p.SendData(ctx, "meta", "a", "", []byte(`{"url":"https://shop.example.com/a","title":"A","pageId":"a","viewport":{"width":800,"height":600,"dpr":1}}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := simclient.ReadUntil(ctx, watch, "meta"); err != nil {
		t.Fatalf("the agent's channel after the timeouts: %v", err)
	}
}
