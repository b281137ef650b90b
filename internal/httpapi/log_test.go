package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
)

// TestWebAssistsAreLogged: at the default level (info) the log has each web
// assist's request, accept, consent and end with its reason, as structured
// records, and none of the secrets or page addresses involved.
func TestWebAssistsAreLogged(t *testing.T) {
	var logs apptest.LogBuffer
	cfg := app.Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	ctx, ts, agent, p := startLive(t, cfg)
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}

	type record struct {
		Level, Msg, Assist, Site, Agent, Reason, By, Method string
		Allowed                                             *bool
	}
	var got []record
	for line := range strings.SplitSeq(logs.String(), "\n") {
		var r record
		if json.Unmarshal([]byte(line), &r) == nil && r.Assist == p.AssistID {
			got = append(got, r)
		}
	}
	find := func(msg string) *record {
		for i := range got {
			if got[i].Msg == msg {
				return &got[i]
			}
		}
		t.Errorf("no %q record for the assist in the log:\n%s", msg, logs.String())
		return &record{}
	}
	if r := find("web assist requested"); r.Site != ts.Site.ID || r.Level != "INFO" {
		t.Errorf("request record %+v, want the site at INFO", r)
	}
	if r := find("web assist accepted"); r.Agent == "" {
		t.Errorf("accept record %+v, want the agent", r)
	}
	if r := find("web assist consent"); r.Allowed == nil || !*r.Allowed || r.Method != "prompt" {
		t.Errorf("consent record %+v, want allowed by prompt", r)
	}
	if r := find("web assist ended"); r.Reason != "ended by Alex" || !strings.HasPrefix(r.By, "agent:") {
		t.Errorf("end record %+v, want the reason and the agent", r)
	}
	for _, secret := range []string{p.Token, "person-1", siteOrigin + "/cart", ts.AgentPassword} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}
