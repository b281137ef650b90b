package conversation

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// ReservePosts takes n posts of a bot at once or none; the posts made with
// its context are not limited again, and posts beyond it are.
func TestReservePosts(t *testing.T) {
	tests := []struct {
		name     string
		before   int // posts the bot made first
		reserve  int
		wantErr  bool
		postWith int // posts made with the reservation's context, all allowed
		thenOne  bool
	}{
		{"whole burst", 0, 4, false, 4, false},
		{"what is left", 1, 3, false, 3, false},
		{"one too many: none taken", 2, 3, true, 0, true},
		{"over the burst", 0, 5, true, 0, true},
		{"posts beyond the reservation are limited", 0, 4, false, 4, true},
		{"the rest of the bucket stays", 0, 2, false, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{BotBurst: 4, BotEvery: time.Second})
			c := h.group()
			if err := h.s.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: c.ID, Account: h.botA, Granted: []tandem.Scope{}}); err != nil {
				t.Fatal(err)
			}
			for i := range tt.before {
				if _, err := h.s.PostAs(h.ctx, h.botA, c.ID, &botapi.Message{Text: "early"}, ""); err != nil {
					t.Fatalf("post %d: %v", i, err)
				}
			}
			rctx, err := h.s.ReservePosts(h.ctx, h.botA, c.ID, tt.reserve)
			if tt.wantErr {
				if tandem.ErrorCode(err) != tandem.ERateLimited {
					t.Fatalf("reserve %d after %d: %v, want rate_limited", tt.reserve, tt.before, err)
				}
				rctx = h.ctx
			} else if err != nil {
				t.Fatalf("reserve %d after %d: %v", tt.reserve, tt.before, err)
			}
			for i := range tt.postWith {
				if _, err := h.s.PostAs(rctx, h.botA, c.ID, &botapi.Message{Text: "reserved"}, ""); err != nil {
					t.Fatalf("reserved post %d: %v", i, err)
				}
			}
			if !tt.thenOne {
				return
			}
			// A refused reservation took nothing: what was left is left.
			_, err = h.s.PostAs(rctx, h.botA, c.ID, &botapi.Message{Text: "one more"}, "")
			left := 4 - tt.before
			if !tt.wantErr {
				left -= tt.reserve
			}
			if (err == nil) != (left > 0) {
				t.Fatalf("one more post with %d left: %v", left, err)
			}
		})
	}
}

// A reservation is for its bot and conversation only.
func TestReservationIsForOneConversation(t *testing.T) {
	h := newHarness(t, Config{BotBurst: 2, BotEvery: time.Second})
	c, other := h.group(), h.group()
	for _, conv := range []*tandem.Conversation{c, other} {
		if err := h.s.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: conv.ID, Account: h.botA, Granted: []tandem.Scope{}}); err != nil {
			t.Fatal(err)
		}
	}
	rctx, err := h.s.ReservePosts(h.ctx, h.botA, c.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		_, err := h.s.PostAs(rctx, h.botA, other.ID, &botapi.Message{Text: "elsewhere"}, "")
		if (err == nil) != (i < 2) {
			t.Fatalf("post %d in another conversation with the reservation's context: %v", i, err)
		}
	}
}
