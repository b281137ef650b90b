package conversation

import (
	"testing"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello", "hello"},
		{"right-to-left override", "invoice\u202Egpj.exe", "invoicegpj.exe"},
		{"every embedding and override", "a\u202Ab\u202Bc\u202Cd\u202De\u202Ef", "abcdef"},
		{"isolates", "a\u2066b\u2067c\u2068d\u2069e", "abcde"},
		{"marks that flip digit groups", "call \u200F123-456\u200E \u061C", "call 123-456 "},
		{"zero-width space and word joiner", "@bo\u200Bb\u2060", "@bob"},
		{"byte-order mark and soft hyphen", "\uFEFFsoft\u00ADware", "software"},
		{"hidden tag text", "ok\U000E0069\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065", "ok"},
		{"emoji joiner kept", "👩\u200D💻", "👩\u200D💻"},
		{"non-joiner kept", "می\u200Cخواهم", "می\u200Cخواهم"},
		{"subdivision flag kept", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F!", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F!"},
		{"tags after a flag's end", "🏴\U000E0067\U000E007F\U000E0067", "🏴\U000E0067\U000E007F"},
		{"Arabic number sign kept", "\u0600١٢", "\u0600١٢"},
		{"right-to-left text kept", "שלום עולם", "שלום עולם"},
		{"only invisible", "\u202E\u200B", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Clean(tt.in)
			if got != tt.want {
				t.Fatalf("Clean(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("Clean(%+q) is not UTF-8", tt.in)
			}
		})
	}
}

// Invisible characters are removed from everything people read in a
// message: its text, block texts, fields, alt texts and button labels.
// What is left must still be a message.
func TestFromWireCleans(t *testing.T) {
	const rlo, zw = "\u202E", "\u200B"
	m, err := FromWire(&botapi.Message{Text: "pay " + rlo + "exe.pdf @bo" + zw + "b", Blocks: []botapi.Block{
		{Type: "header", Text: "Al" + rlo + "ert"},
		{Type: "section", Text: "x\u2066y", Fields: []string{"a\u200Fb"}},
		{Type: "image", ImageURL: "https://a.example/i.png", AltText: "c" + zw + "at"},
		{Type: "actions", Buttons: []botapi.Button{{Label: "O\u2067K", ActionID: "ok", Value: "v" + rlo}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{m.Text, m.Blocks[0].Text, m.Blocks[1].Text, m.Blocks[1].Fields[0], m.Blocks[2].AltText, m.Blocks[3].Buttons[0].Label}
	want := []string{"pay exe.pdf @bob", "Alert", "xy", "ab", "cat", "OK"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("shown text %d = %+q, want %+q", i, got[i], want[i])
		}
	}
	// What only the bot reads is its own business.
	if v := m.Blocks[3].Buttons[0].Value; v != "v"+rlo {
		t.Errorf("a callback's value was changed: %+q", v)
	}
	for _, tt := range []struct {
		name string
		m    *botapi.Message
	}{
		{"text of nothing visible", &botapi.Message{Text: rlo + zw}},
		{"header of nothing visible", &botapi.Message{Blocks: []botapi.Block{{Type: "header", Text: rlo}}}},
		{"label of nothing visible", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: zw, URL: "https://a.example"}}}}}},
		{"invalid UTF-8 beside a control", &botapi.Message{Text: "\xff" + rlo}},
	} {
		if _, err := FromWire(tt.m); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("%s: %v, want invalid", tt.name, err)
		}
	}
}

// Names, descriptions, summaries, person ids and file names are cleaned
// too; a group name of nothing visible is no name.
func TestInfoCleaned(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.group()
	upd := *c
	upd.Name, upd.Description = "o\u202Eps", "\uFEFFnotes"
	if err := h.s.Update(h.ctx, h.alex, &upd); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.s.Get(h.ctx, c.ID); got.Name != "ops" || got.Description != "notes" {
		t.Fatalf("stored %+q, %+q", got.Name, got.Description)
	}
	upd.Name = "\u202E\u2066"
	if err := h.s.Update(h.ctx, h.alex, &upd); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("a group renamed to nothing visible: %v", err)
	}
	if _, err := h.s.Create(h.ctx, h.alex, &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "\u200B"}, nil); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("a group named nothing visible: %v", err)
	}

	sc, _, err := h.s.OpenSupport(h.ctx, h.site.Key, testOrigin, "jo\u202E@shop")
	if err != nil {
		t.Fatal(err)
	}
	person := tandem.Account{Kind: tandem.AccountPerson, ID: sc.ID}
	if n := h.s.nameOf(h.ctx, person); n != "jo@shop" {
		t.Fatalf("the person is called %+q", n)
	}
	if err := h.s.SetQueued(h.ctx, sc.ID, true, "wants\u2067 a refund"); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.s.Get(h.ctx, sc.ID); got.Summary != "wants a refund" {
		t.Fatalf("summary %+q", got.Summary)
	}
	if n, _ := cleanName("invoice\u202Efdp.exe"); n != "invoicefdp.exe" {
		t.Fatalf("file name %+q", n)
	}
}
