package bot

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// full is a harness with the real conversation and assist services.
type full struct {
	*harness
	convs   *conversation.Service
	assists *assist.Service
}

func newFull(t *testing.T) *full {
	t.Helper()
	return newFullWith(t, conversation.Config{})
}

// newFullWith is newFull with the conversation service configured by cfg.
func newFullWith(t *testing.T, cfg conversation.Config) *full {
	t.Helper()
	f := &full{}
	f.harness = newHarness(t, func(db *sqlite.DB) Conversations {
		cfg.Key = []byte("0123456789abcdef0123456789abcdef")
		f.convs = conversation.New(cfg, db)
		t.Cleanup(f.convs.Close)
		bs, err := dirblobs.New(filepath.Join(t.TempDir(), "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		f.assists = assist.New(assist.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Conversations: f.convs}, db, bs, nil)
		t.Cleanup(func() { _ = f.assists.Shutdown(t.Context()) })
		return f.convs
	}, nil)
	f.s.assist = f.assists
	f.convs.SetHooks(f.s)
	return f
}

// mention is a delivery of a mention of b in c by the owner, as the
// conversation service writes it.
func (f *full) mention(b *tandem.Bot, c *tandem.Conversation) *tandem.Delivery {
	ev, _ := json.Marshal(botapi.Event{ID: "d-" + c.ID, Type: botapi.EventMention, From: botapi.Ref{Account: userAcc(f.owner).String()}})
	return &tandem.Delivery{ID: "d-" + c.ID, BotID: b.ID, Kind: tandem.DeliveryMention, ConversationID: c.ID, Payload: ev}
}

func (f *full) messages(c *tandem.Conversation) []*tandem.Message {
	f.t.Helper()
	ms, err := f.db.Messages(f.ctx, c.ID, storeFilter())
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

func refusals(t *testing.T, d *tandem.Delivery) *botapi.Refusal {
	t.Helper()
	var ev botapi.Event
	if err := json.Unmarshal(d.Payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != botapi.EventRefused || ev.Refused == nil {
		t.Fatalf("event %s, want refused", ev.Type)
	}
	return ev.Refused
}

// Every instruction names the scope it needs; refused, nothing is applied
// and the bot is told which and why.
func TestApplyAllOrNothing(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("helper", tandem.ScopeMessagesWrite, tandem.ScopeConversationsWrite)
	c := f.conversation(b, tandem.ScopeMessagesWrite) // conversations:write not granted
	d := f.mention(b, c)
	err := f.s.Apply(f.ctx, d, &botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Post, Message: &botapi.Message{Text: "first"}},
		{Type: botapi.Rename, Name: "Taken over"},
		{Type: botapi.Post, Message: &botapi.Message{}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := f.messages(c); len(ms) != 0 {
		t.Fatalf("%d messages stored from a refused answer", len(ms))
	}
	if got, _ := f.db.ConversationByID(f.ctx, c.ID); got.Name != "Room" {
		t.Fatalf("renamed to %q", got.Name)
	}
	ds := f.deliveries(b)
	if len(ds) != 1 || ds[0].URL != b.URL {
		t.Fatalf("deliveries %+v", ds)
	}
	r := refusals(t, ds[0])
	if r.DeliveryID != d.ID || len(r.Refused) != 2 || r.Refused[0].Index != 1 || r.Refused[0].Scope != "conversations:write" ||
		r.Refused[1].Index != 2 || r.Refused[1].Scope != "" {
		t.Fatalf("refusal %+v", r)
	}
	// A bad answer to the refusal is not refused back.
	again := &tandem.Delivery{ID: ds[0].ID, BotID: b.ID, Kind: ds[0].Kind, ConversationID: c.ID, Payload: ds[0].Payload}
	if err := f.s.Apply(f.ctx, again, &botapi.Answer{Instructions: []botapi.Instruction{{Type: botapi.Rename, Name: "x"}}}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.deliveries(b)); n != 1 {
		t.Fatalf("%d deliveries: a refusal was refused back", n)
	}

	// Granted, the same answer applies in order.
	c2 := f.conversation(b, tandem.ScopeMessagesWrite, tandem.ScopeConversationsWrite)
	if err := f.s.Apply(f.ctx, f.mention(b, c2), &botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Post, Message: &botapi.Message{Text: "first"}},
		{Type: botapi.Rename, Name: "Taken over"},
		{Type: botapi.SetDescription, Description: "by a bot"},
	}}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.ConversationByID(f.ctx, c2.ID)
	if ms := f.messages(c2); len(ms) != 1 || got.Name != "Taken over" || got.Description != "by a bot" {
		t.Fatalf("applied: %d messages, %+v", len(ms), got)
	}
}

// Each instruction is refused without its scope, naming it.
func TestInstructionScopes(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("helper", tandem.AllScopes()...)
	c := f.conversation(b) // nothing granted
	msg := &botapi.Message{Text: "x"}
	tests := []struct {
		in    botapi.Instruction
		scope tandem.Scope
	}{
		{botapi.Instruction{Type: botapi.Post, Message: msg}, tandem.ScopeMessagesWrite},
		{botapi.Instruction{Type: botapi.Rename, Name: "x"}, tandem.ScopeConversationsWrite},
		{botapi.Instruction{Type: botapi.SetAvatar, AvatarURL: "https://a.example/x.png"}, tandem.ScopeConversationsWrite},
		{botapi.Instruction{Type: botapi.SetDescription, Description: "x"}, tandem.ScopeConversationsWrite},
		{botapi.Instruction{Type: botapi.AddMember, Account: f.other.Email}, tandem.ScopeMembersWrite},
		{botapi.Instruction{Type: botapi.CreateConversation, Name: "x"}, tandem.ScopeConversationsCreate},
		{botapi.Instruction{Type: botapi.Invite}, tandem.ScopeAssistInvite},
		{botapi.Instruction{Type: botapi.Handover, Summary: "x"}, tandem.ScopeAssistHandover},
		{botapi.Instruction{Type: botapi.EndAssist}, tandem.ScopeAssistEnd},
	}
	for _, tt := range tests {
		t.Run(string(tt.in.Type), func(t *testing.T) {
			_, err := f.s.Instruct(f.ctx, b, c.ID, []botapi.Instruction{tt.in})
			var r *RefusedError
			if !asRefusedErr(err, &r) || len(r.Refused) != 1 || r.Refused[0].Scope != string(tt.scope) {
				t.Fatalf("Instruct = %v, want refused for %s", err, tt.scope)
			}
		})
	}
}

func asRefusedErr(err error, r **RefusedError) bool { return errors.As(err, r) }

// The answer to a button press may replace the message and show a notice
// to whoever pressed, and nobody else.
func TestAnswerToPress(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("helper", tandem.ScopeMessagesWrite)
	c := f.conversation(b, tandem.ScopeMessagesWrite)
	if err := f.convs.AddMember(f.ctx, userAcc(f.owner), &tandem.Member{ConversationID: c.ID, Account: userAcc(f.other)}); err != nil {
		t.Fatal(err)
	}
	m, err := f.convs.PostAs(f.ctx, botAccount(b), c.ID, &botapi.Message{Text: "pick", Blocks: []botapi.Block{{Type: "actions",
		Buttons: []botapi.Button{{Label: "Yes", ActionID: "yes"}}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	mine, stopMine := f.convs.Subscribe(userAcc(f.owner))
	defer stopMine()
	theirs, stopTheirs := f.convs.Subscribe(userAcc(f.other))
	defer stopTheirs()
	if err := f.s.Press(f.ctx, userAcc(f.owner), c.ID, m.ID, m.Blocks[0].Buttons[0].ID); err != nil {
		t.Fatal(err)
	}
	d := f.deliveries(b)[0]
	if err := f.s.Apply(f.ctx, d, &botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Replace, Message: &botapi.Message{Text: "You chose yes"}},
		{Type: botapi.Notice, Message: &botapi.Message{Text: "only for you"}},
	}}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.MessageByID(f.ctx, m.ID)
	if got.Text != "You chose yes" || len(got.Blocks) != 0 || got.EditedAt.IsZero() {
		t.Fatalf("replaced message %+v", got)
	}
	sawNotice := func(ch <-chan []byte) bool {
		for {
			select {
			case data := <-ch:
				if strings.Contains(string(data), `"notice"`) && strings.Contains(string(data), "only for you") {
					return true
				}
			case <-time.After(2 * time.Second):
				return false
			}
		}
	}
	if !sawNotice(mine.C()) {
		t.Fatal("the presser got no notice")
	}
	// The other member got the replacement but no notice (they are told
	// of the replacement first, so the wait ends on their events).
	select {
	case data := <-theirs.C():
		if strings.Contains(string(data), "only for you") {
			t.Fatal("another member saw the notice")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the other member heard nothing of the replacement")
	}
	for len(theirs.C()) > 0 {
		if data := <-theirs.C(); strings.Contains(string(data), "only for you") {
			t.Fatal("another member saw the notice")
		}
	}

	// To a mention, replace and notice are refused.
	if err := f.s.Apply(f.ctx, f.mention(b, c), &botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Replace, Message: &botapi.Message{Text: "x"}}, {Type: botapi.Notice, Message: &botapi.Message{Text: "x"}},
	}}); err != nil {
		t.Fatal(err)
	}
	ds := f.deliveries(b)
	if r := refusals(t, ds[0]); len(r.Refused) != 2 {
		t.Fatalf("refusal %+v", r)
	}

	// A refusal about a press is no press: replace is refused in its answer.
	if err := f.s.Apply(f.ctx, d, &botapi.Answer{Instructions: []botapi.Instruction{{Type: botapi.Rename, Name: "x"}}}); err != nil {
		t.Fatal(err)
	}
	refusal := f.deliveries(b)[0]
	if refusal.Kind != tandem.DeliveryAction || refusal.MessageID != m.ID {
		t.Fatalf("refusal of a press: %+v", refusal)
	}
	if err := f.s.Apply(f.ctx, refusal, &botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Replace, Message: &botapi.Message{Text: "sneaky"}}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.MessageByID(f.ctx, m.ID); got.Text != "You chose yes" {
		t.Fatalf("a refusal's answer replaced the message: %q", got.Text)
	}
}

// A revoked bot's answer is dropped: nothing applied, nothing sent back.
func TestApplyRevoked(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("helper", tandem.ScopeMessagesWrite)
	c := f.conversation(b, tandem.ScopeMessagesWrite)
	if _, err := f.s.RevokeToken(f.ctx, f.owner, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Apply(f.ctx, f.mention(b, c), &botapi.Answer{Instructions: []botapi.Instruction{{Type: botapi.Post, Message: &botapi.Message{Text: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	if len(f.messages(c)) != 0 || len(f.deliveries(b)) != 0 {
		t.Fatal("a revoked bot's answer was applied or answered")
	}
}
