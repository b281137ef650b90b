package conversation

import (
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// A support conversation is named after its person, as the site said:
// no member renames it (the person's messages would show under the new
// name), whoever asks; its description is theirs to change. The person's
// name in events stays what the site gave.
func TestSupportConversationNotRenamed(t *testing.T) {
	h := newHarness(t, Config{})
	for _, personID := range []string{"jo@shop", ""} {
		c, _, err := h.s.OpenSupport(h.ctx, h.site.Key, testOrigin, personID)
		if err != nil {
			t.Fatal(err)
		}
		person := tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}
		if _, err := h.s.Take(h.ctx, h.sam, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := h.s.AddMember(h.ctx, h.sam, &tandem.Member{ConversationID: c.ID, Account: h.botA, Granted: []tandem.Scope{tandem.ScopeMessagesWrite}}); err != nil {
			t.Fatal(err)
		}
		wantName := personID
		if wantName == "" {
			wantName = visitor
		}
		for _, tt := range []struct {
			name string
			by   tandem.Account
		}{{"agent", h.sam}, {"bot", h.botA}, {"person", person}} {
			t.Run(wantName+"/"+tt.name, func(t *testing.T) {
				for _, name := range []string{"The CEO", ""} {
					upd := *c
					upd.Name = name
					if name == c.Name {
						continue
					}
					if err := h.s.Update(h.ctx, tt.by, &upd); tandem.ErrorCode(err) != tandem.EInvalid {
						t.Fatalf("%s renames a support conversation to %q: %v", tt.name, name, err)
					}
				}
				got, _ := h.s.Get(h.ctx, c.ID)
				if got.Name != c.Name {
					t.Fatalf("renamed to %q", got.Name)
				}
				if n := h.s.nameOf(h.ctx, person); n != wantName {
					t.Fatalf("the person is called %q, want %q", n, wantName)
				}
				m, err := h.s.PostAs(h.ctx, person, c.ID, &botapi.Message{Text: "hi"}, "")
				if err != nil {
					t.Fatal(err)
				}
				if w := h.s.Render(h.ctx, []*tandem.Message{m}, false)[0]; w.Author.Name != wantName {
					t.Fatalf("the person's message is signed %q, want %q", w.Author.Name, wantName)
				}
			})
		}
		// The description is a note agents may keep.
		upd := *c
		upd.Description = "refund for order 42"
		if err := h.s.Update(h.ctx, h.sam, &upd); err != nil {
			t.Fatalf("describe a support conversation: %v", err)
		}
	}
}
