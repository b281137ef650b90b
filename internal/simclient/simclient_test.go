package simclient_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
)

const origin = "https://shop.example"

func TestGoLiveAndWatchAttached(t *testing.T) {
	ts := apptest.Start(t, app.Config{}, origin)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	agent, err := ts.Login(ctx, ts.AgentEmail, ts.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Live", func(t *testing.T) { testLive(t, ctx, ts, agent) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, ctx, ts, agent) })
}

// GoLive leaves the assist live with the agent, and WatchAttached leaves
// the agent's channel attached: the person's next frame reaches it.
func testLive(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent) {
	p := ts.Person(origin)
	if err := p.GoLive(ctx, agent, origin+"/cart"); err != nil {
		t.Fatalf("GoLive: %v", err)
	}
	defer p.WS.CloseNow()
	var got struct {
		Assist struct {
			State   string `json:"state"`
			PageURL string `json:"pageUrl"`
		} `json:"assist"`
	}
	if err := agent.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID, nil, &got); err != nil {
		t.Fatal(err)
	}
	if got.Assist.State != "live" || got.Assist.PageURL != origin+"/cart" {
		t.Errorf("after GoLive the assist is %+v, want live on %s/cart", got.Assist, origin)
	}

	watch, err := agent.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatalf("WatchAttached: %v", err)
	}
	defer watch.CloseNow()
	meta := `{"url":"https://shop.example/cart","title":"Cart","pageId":"a","viewport":{"width":800,"height":600,"dpr":1}}`
	seq, err := p.SendData(ctx, "meta", "a", "", []byte(meta))
	if err != nil {
		t.Fatal(err)
	}
	h, body, err := simclient.ReadUntil(ctx, watch, "meta")
	if err != nil || h.Seq != seq || string(body) != meta {
		t.Errorf("the agent's channel read %+v %s (%v), want the meta frame %d", h, body, err, seq)
	}
}

// GoLive and WatchAttached say which step failed.
func testErrors(t *testing.T, ctx context.Context, ts *apptest.TestServer, agent *simclient.Agent) {
	p := ts.Person(origin)
	p.SiteKey = "no-such-key"
	if err := p.GoLive(ctx, agent, origin+"/cart"); err == nil || !strings.HasPrefix(err.Error(), "request help: ") || p.WS != nil {
		t.Errorf("GoLive with an unknown site key = %v (channel %v), want a request help error and no channel", err, p.WS)
	}
	if ws, err := agent.WatchAttached(ctx, "no-such-assist"); err == nil {
		ws.CloseNow()
		t.Error("WatchAttached of an unknown assist succeeded")
	}
}
