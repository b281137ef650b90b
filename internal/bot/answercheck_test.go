package bot

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/conversation"
)

// stopped is a clock that moves only when told.
type stopped struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stopped) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stopped) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// An answer whose posts are over the bot's rate is refused whole, before
// anything is applied: no post of it, no rename; the bot is told each post
// was refused as rate_limited. Through the bot API it is a 429
// (ERateLimited), with nothing applied either. Within the rate it applies.
func TestAnswerOverRateRefusedWhole(t *testing.T) {
	clock := &stopped{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := newFullWith(t, conversation.Config{BotBurst: 4, BotEvery: time.Second, Now: clock.Now})
	b, _ := f.bot("chatty", tandem.ScopeMessagesWrite, tandem.ScopeConversationsWrite)
	c := f.conversation(b, tandem.ScopeMessagesWrite, tandem.ScopeConversationsWrite)
	me := botAccount(b)
	if _, err := f.convs.PostAs(f.ctx, me, c.ID, &botapi.Message{Text: "earlier"}, ""); err != nil {
		t.Fatal(err)
	}
	post := func(text string) botapi.Instruction {
		return botapi.Instruction{Type: botapi.Post, Message: &botapi.Message{Text: text}}
	}
	// 3 posts are left in the bucket; this answer makes 4.
	answer := []botapi.Instruction{post("1"), post("2"), {Type: botapi.Rename, Name: "Renamed"}, post("3"), post("4")}

	tests := []struct {
		name string
		run  func() error
	}{
		{"answer to an event", func() error { return f.s.Apply(f.ctx, f.mention(b, c), &botapi.Answer{Instructions: answer}) }},
		{"bot API", func() error {
			_, err := f.s.Instruct(f.ctx, b, c.ID, answer)
			if tandem.ErrorCode(err) != tandem.ERateLimited {
				t.Fatalf("Instruct over the rate: %v, want rate_limited (429)", err)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err != nil {
				t.Fatal(err)
			}
			if ms := f.messages(c); len(ms) != 1 {
				t.Fatalf("%d messages: an answer over the rate was half applied", len(ms))
			}
			if got, _ := f.db.ConversationByID(f.ctx, c.ID); got.Name != "Room" {
				t.Fatalf("renamed to %q by a refused answer", got.Name)
			}
		})
	}
	ds := f.deliveries(b)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want the one refusal of the answer to the event", len(ds))
	}
	r := refusals(t, ds[0])
	if len(r.Refused) != 4 {
		t.Fatalf("refusal %+v: want the 4 posts", r)
	}
	for i, want := range []int{0, 1, 3, 4} {
		if got := r.Refused[i]; got.Index != want || got.Type != string(botapi.Post) || !strings.HasPrefix(got.Reason, "rate_limited") {
			t.Fatalf("refused %d: %+v, want post %d rate_limited", i, got, want)
		}
	}
	// The refused answers took nothing from the bucket: the 3 posts left
	// are there for an answer of 2, and, once it refilled, for all 4.
	if _, err := f.s.Instruct(f.ctx, b, c.ID, answer[:3]); err != nil {
		t.Fatalf("three instructions within the rate: %v", err)
	}
	clock.Add(4 * time.Second)
	if n, err := f.s.Instruct(f.ctx, b, c.ID, answer); err != nil || n != 5 {
		t.Fatalf("the answer once the bucket refilled: %d, %v", n, err)
	}
	if ms := f.messages(c); len(ms) != 1+2+4 {
		t.Fatalf("%d messages, want 7", len(ms))
	}
}

// A name of nothing visible is refused when the answer is checked, not
// when it is half applied: the conversation service would store it
// without its invisible characters, as an empty name.
func TestInvisibleNameRefusedWhole(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("namer", tandem.ScopeMessagesWrite, tandem.ScopeConversationsWrite, tandem.ScopeConversationsCreate)
	c := f.conversation(b, tandem.ScopeMessagesWrite, tandem.ScopeConversationsWrite, tandem.ScopeConversationsCreate)
	for _, in := range []botapi.Instruction{
		{Type: botapi.Rename, Name: "\u202E\u200B"},
		{Type: botapi.CreateConversation, Name: "\u2066 \u2069"},
	} {
		_, err := f.s.Instruct(f.ctx, b, c.ID, []botapi.Instruction{{Type: botapi.Post, Message: &botapi.Message{Text: "renaming"}}, in})
		var r *RefusedError
		if !asRefusedErr(err, &r) || len(r.Refused) != 1 || r.Refused[0].Index != 1 {
			t.Fatalf("%s to nothing visible: %v", in.Type, err)
		}
	}
	if ms := f.messages(c); len(ms) != 0 {
		t.Fatalf("%d messages from refused answers", len(ms))
	}
}
