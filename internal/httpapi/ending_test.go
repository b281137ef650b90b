package httpapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/simclient"
)

// An agent ends assists while their people stream: every person is told
// "ended" and closed with 4410, never 4409 (which the SDK shows as
// "continued in another tab").
func TestEndWhileStreaming(t *testing.T) {
	ctx, ts, agent, _ := startLive(t, app.Config{})
	for i := range 20 {
		p := livePerson(t, ctx, ts, agent)
		streaming, stop := context.WithCancel(ctx)
		sending := make(chan struct{})
		go func() {
			defer close(sending)
			for n := 0; streaming.Err() == nil; n++ {
				if _, err := p.SendData(streaming, "ev", "a", "", []byte(fmt.Sprintf(`[{"type":3,"data":{"n":%d},"timestamp":1}]`, n))); err != nil {
					return // the channel closed under it
				}
			}
		}()
		if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
			t.Fatal(err)
		}
		_, _, err := simclient.ReadUntil(ctx, p.WS, "ended")
		if err != nil {
			t.Fatalf("try %d: person got no ended frame: %v", i, err)
		}
		if _, _, err := simclient.ReadUntil(ctx, p.WS, "never"); closeCode(err) != 4410 {
			t.Fatalf("try %d: person closed with %v, want 4410", i, err)
		}
		stop()
		<-sending
	}
}
