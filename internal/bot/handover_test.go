package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// A handover puts a conversation in the queue only while no agent is in
// it: once an agent took it, the handover is refused (409 conflict in the
// bot API, a refusal of the whole answer otherwise) and the conversation
// stays out of the queue with the agent. After the agent leaves, the bot
// may hand over again.
func TestHandoverAfterAgentTook(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("triage", tandem.ScopeMessagesWrite, tandem.ScopeAssistHandover)
	f.site.TriageBotID = b.ID
	if err := f.db.UpdateSite(f.ctx, f.site); err != nil {
		t.Fatal(err)
	}
	c, _, err := f.convs.OpenSupport(f.ctx, f.site.Key, shop, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Handover(f.ctx, b, c.ID, "wants a refund"); err != nil {
		t.Fatalf("first handover: %v", err)
	}
	agent := userAcc(f.other)
	if _, err := f.convs.Take(f.ctx, agent, c.ID); err != nil {
		t.Fatalf("take: %v", err)
	}

	tests := []struct {
		name string
		run  func() error
	}{
		{"bot API", func() error {
			_, err := f.s.Handover(f.ctx, b, c.ID, "again")
			return err
		}},
		{"instructions", func() error {
			_, err := f.s.Instruct(f.ctx, b, c.ID, []botapi.Instruction{
				{Type: botapi.Post, Message: &botapi.Message{Text: "Passing you to a human"}},
				{Type: botapi.Handover, Summary: "again"},
			})
			var r *RefusedError
			if !asRefusedErr(err, &r) || len(r.Refused) != 1 || r.Refused[0].Index != 1 {
				t.Fatalf("refusal %v", err)
			}
			return tandem.Errorf(tandem.EConflict, "%s", r.Refused[0].Reason)
		}},
		{"the service", func() error { return f.convs.SetQueued(f.ctx, c.ID, true, "again") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if tandem.ErrorCode(err) != tandem.EConflict || !strings.Contains(tandem.ErrorMessage(err), "an agent is already in this conversation") {
				t.Fatalf("handover with an agent in: %v", err)
			}
			got, _ := f.db.ConversationByID(f.ctx, c.ID)
			if got.Queued || got.Summary != "wants a refund" {
				t.Fatalf("back in the queue: queued %v, summary %q", got.Queued, got.Summary)
			}
			if ms := f.messages(c); len(ms) != 0 {
				t.Fatalf("%d messages from a refused answer", len(ms))
			}
		})
	}

	// An answer to an event is refused whole, and the bot told why.
	if err := f.s.Apply(f.ctx, f.mention(b, c), &botapi.Answer{Instructions: []botapi.Instruction{{Type: botapi.Handover, Summary: "again"}}}); err != nil {
		t.Fatal(err)
	}
	var told bool
	for _, d := range f.deliveries(b) {
		var ev botapi.Event
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if r := ev.Refused; ev.Type == botapi.EventRefused && r != nil && len(r.Refused) == 1 && strings.Contains(r.Refused[0].Reason, "an agent is already") {
			told = true
		}
	}
	if !told {
		t.Fatal("the bot was not told why its handover was refused")
	}

	if err := f.convs.RemoveMember(f.ctx, agent, c.ID, agent); err != nil {
		t.Fatalf("the agent leaves: %v", err)
	}
	if got, err := f.s.Handover(f.ctx, b, c.ID, "the agent left"); err != nil || !got.Queued {
		t.Fatalf("handover once the agent left: %+v %v", got, err)
	}
}
