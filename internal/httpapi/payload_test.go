package httpapi_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

// Frames whose payload is not what their kind claims are refused with 4400
// and a reason, and are neither relayed nor recorded: the recording then
// replays as JSON.
func TestBadPayloadsAreRefused(t *testing.T) {
	ctx, _, agent, p := startLive(t, app.Config{})
	watch := mustWatch(t, ctx, agent, p.AssistID, 0)
	if _, err := p.SendData(ctx, "meta", "a", "", []byte(`{"url":"https://shop.example.com/a","title":"A","pageId":"a"}`)); err != nil {
		t.Fatal(err)
	}
	// The meta frame is taken before the connection is replaced below (a
	// replaced connection's unread frames are the SDK's to send again).
	for {
		h, _, err := simclient.ReadUntil(ctx, p.WS, "ack")
		if err != nil {
			t.Fatalf("waiting for the meta frame's ack: %v", err)
		}
		if h.Ack >= 1 {
			break
		}
	}
	bad := []struct{ name, frame, reason string }{
		{"ev not JSON", `{"k":"ev","s":2,"p":"a"}` + "\n" + `[{"type":3},`, "not JSON"},
		{"ev of snapshots", `{"k":"ev","s":2,"p":"a"}` + "\n" + `[{"type":2}]`, "incremental"},
		{"snap without a full snapshot", `{"k":"snap","s":2,"p":"a","h":"h1"}` + "\n" + `[{"type":4}]`, "FullSnapshot"},
		{"meta not an object", `{"k":"meta","s":2,"p":"a"}` + "\n" + `"https://x"`, "meta"},
		{"leave with a payload", `{"k":"leave","s":2,"p":"b"}` + "\n" + `[]`, "no payload"},
		{"not UTF-8", `{"k":"ev","s":2,"p":"a"}` + "\n" + "[{\"type\":3,\"data\":\"\xff\"}]", "UTF-8"},
		{"control payload not an object", `{"k":"call.media"}` + "\n" + `[1,2]`, "JSON object"},
	}
	for _, tt := range bad {
		if _, _, err := p.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.WS.Write(ctx, websocket.MessageText, []byte(tt.frame)); err != nil {
			t.Fatal(err)
		}
		_, _, err := simclient.ReadUntil(ctx, p.WS, "never")
		var ce websocket.CloseError
		if closeCode(err) != 4400 || !asClose(err, &ce) || !strings.Contains(ce.Reason, tt.reason) {
			t.Fatalf("%s: closed with %v, want 4400 saying %q", tt.name, err, tt.reason)
		}
	}
	// The assist goes on, and nothing of the above was accepted.
	h, _, err := p.Connect(ctx)
	if err != nil || h.Ack != 1 {
		t.Fatalf("reconnect: ack %d, %v; want ack 1", h.Ack, err)
	}
	if _, err := p.SendData(ctx, "ev", "a", "", []byte(`[{"type":3,"data":{"source":2},"timestamp":1}]`)); err != nil {
		t.Fatal(err)
	}
	seqs, _ := readData(t, ctx, watch, 3)
	if seqs[len(seqs)-1] != 2 {
		t.Fatalf("agent got %v, want the good frame as 2", seqs)
	}
	// An agent's frames are checked too.
	if err := watch.Write(ctx, websocket.MessageText, []byte(`{"k":"pointer"}`+"\n"+`not json`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := simclient.ReadUntil(ctx, watch, "never"); closeCode(err) != 4400 {
		t.Fatalf("agent's bad pointer: %v, want 4400", err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	frames := recording(t, ctx, agent, p.AssistID)
	if len(frames) != 2 || frames[1].K != "ev" || !json.Valid(frames[1].D) {
		t.Fatalf("recording = %+v, want the meta and the good ev", frames)
	}
}

func asClose(err error, ce *websocket.CloseError) bool { return errors.As(err, ce) }
