package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/assist"
)

// endingChannel is a channel that the assist closes while a frame is being
// handled: Handle finds the channel detached, queues the assist's "ended"
// frame and close (as the end of an assist does), and refuses the frame
// with another close, as a detached channel's Handle used to.
type endingChannel struct {
	mu     sync.Mutex
	wake   func()
	out    [][]byte
	closed *assist.CloseError
}

func (c *endingChannel) Start(wake func()) { c.wake = wake }

func (c *endingChannel) Handle(context.Context, []byte) error {
	c.mu.Lock()
	c.out = append(c.out, []byte(`{"k":"ended"}`+"\n"+`{"reason":"ended by Alex"}`))
	c.closed = &assist.CloseError{Code: 4410, Reason: "ended by Alex"}
	c.mu.Unlock()
	// No wake here: the transport must send the channel's own close even
	// when it learns of it only through the refused frame.
	return &assist.CloseError{Code: assist.CloseReplaced, Reason: "replaced by a newer connection"}
}

func (c *endingChannel) Abort(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed == nil {
		c.closed = &assist.CloseError{Code: code, Reason: reason}
	}
}

func (c *endingChannel) Next() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.out) > 0 {
		f := c.out[0]
		c.out = c.out[1:]
		return f, nil
	}
	if c.closed != nil {
		return nil, c.closed
	}
	return nil, nil
}

func (c *endingChannel) Close() {}

// serveChannel runs ch behind a WebSocket endpoint and dials it.
func serveChannel(t *testing.T, ch channel) *websocket.Conn {
	t.Helper()
	s := New(Deps{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := accept(w, r, false)
		if err != nil {
			return
		}
		s.pump(r.URL.Path, ws, ch, "test", 1<<20)
	}))
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// The assist ending while a frame of the person is on its way: the person
// gets "ended" and 4410, never the refusal of the frame (4409, which the
// SDK reads as "continued in another tab").
func TestRefusedFrameClosesWithTheChannelsOwnClose(t *testing.T) {
	ws := serveChannel(t, &endingChannel{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"k":"ev","s":7}`+"\n[]")); err != nil {
		t.Fatal(err)
	}
	_, msg, err := ws.Read(ctx)
	if err != nil || !strings.HasPrefix(string(msg), `{"k":"ended"}`) {
		t.Fatalf("first frame = %q, %v; want ended", msg, err)
	}
	_, _, err = ws.Read(ctx)
	if code := websocket.CloseStatus(err); code != 4410 {
		t.Fatalf("close = %v (%d), want 4410", err, code)
	}
}

// refusingChannel refuses every frame with a long reason.
type refusingChannel struct {
	endingChannel
	reason string
}

func (c *refusingChannel) Handle(context.Context, []byte) error {
	return &assist.CloseError{Code: assist.CloseBadFrame, Reason: c.reason}
}

func TestLongCloseReasonIsCut(t *testing.T) {
	// 200 bytes, with a character of 3 bytes across the limit.
	reason := strings.Repeat("x", 121) + "€" + strings.Repeat("y", 76)
	ws := serveChannel(t, &refusingChannel{reason: reason})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"k":"x"}`)); err != nil {
		t.Fatal(err)
	}
	_, _, err := ws.Read(ctx)
	var ce websocket.CloseError
	if code := websocket.CloseStatus(err); code != assist.CloseBadFrame {
		t.Fatalf("close = %v, want 4400", err)
	}
	if !asCloseError(err, &ce) || len(ce.Reason) > 123 || !utf8.ValidString(ce.Reason) || !strings.HasPrefix(ce.Reason, strings.Repeat("x", 100)) {
		t.Fatalf("reason = %q (%d bytes)", ce.Reason, len(ce.Reason))
	}
}

func TestTruncateReason(t *testing.T) {
	for _, in := range []string{"", "short", strings.Repeat("é", 100), strings.Repeat("a", 122) + "日本", "bad \xff byte"} {
		out := truncateReason(in)
		if len(out) > maxCloseReason || !utf8.ValidString(out) {
			t.Errorf("truncateReason(%q) = %q (%d bytes)", in, out, len(out))
		}
		if len(in) <= maxCloseReason && utf8.ValidString(in) && out != in {
			t.Errorf("truncateReason(%q) changed a reason that fits: %q", in, out)
		}
	}
}

func asCloseError(err error, ce *websocket.CloseError) bool {
	return errors.As(err, ce)
}

// closingChannel records that its pump closed it.
type closingChannel struct {
	endingChannel
	closed atomic.Bool
}

func (c *closingChannel) Handle(context.Context, []byte) error { return nil }
func (c *closingChannel) Close()                               { c.closed.Store(true) }

// Wait returns once every channel's pump has ended, and refuses new ones.
func TestWaitForChannels(t *testing.T) {
	stopping, stop := context.WithCancel(context.Background())
	s := New(Deps{Stopping: stopping})
	ch := &closingChannel{}
	opened := make(chan struct{})
	var once sync.Once
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := accept(w, r, false)
		if err != nil {
			return
		}
		s.run(ws, ch, func() { s.pump(r.URL.Path, ws, ch, "test", 1<<20) })
		once.Do(func() { close(opened) })
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	<-opened
	stop()
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if !ch.closed.Load() {
		t.Fatal("Wait returned before the channel's pump closed it")
	}
	// A channel opened after Wait began is closed at once.
	late, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := late.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("channel after Wait: %v, want 1001", err)
	}
}
