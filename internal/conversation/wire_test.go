package conversation

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// What a bot, a webhook or a client sends is checked before it is stored:
// bad input gets a clear error.
func TestFromWireRefuses(t *testing.T) {
	link := botapi.Button{Label: "Open", URL: "https://example.com"}
	for _, tt := range []struct {
		name string
		m    *botapi.Message
		code string
	}{
		{"nothing", &botapi.Message{}, tandem.EInvalid},
		{"nil", nil, tandem.EInvalid},
		{"text too long", &botapi.Message{Text: strings.Repeat("a", MaxText+1)}, tandem.ETooLarge},
		{"not UTF-8", &botapi.Message{Text: "\xff"}, tandem.EInvalid},
		{"too many blocks", &botapi.Message{Blocks: make([]botapi.Block, MaxBlocks+1)}, tandem.EInvalid},
		{"too many attachments", &botapi.Message{Text: "x", Attachments: make([]botapi.Attachment, MaxAttachments+1)}, tandem.EInvalid},
		{"unknown block", &botapi.Message{Blocks: []botapi.Block{{Type: "script", Text: "x"}}}, tandem.EInvalid},
		{"empty section", &botapi.Message{Blocks: []botapi.Block{{Type: "section"}}}, tandem.EInvalid},
		{"image over http", &botapi.Message{Blocks: []botapi.Block{{Type: "image", ImageURL: "http://example.com/a.png"}}}, tandem.EInvalid},
		{"javascript link", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "x", URL: "javascript:alert(1)"}}}}}, tandem.EInvalid},
		{"button both kinds", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "x", URL: "https://a.example", ActionID: "a"}}}}}, tandem.EInvalid},
		{"button neither", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "x"}}}}}, tandem.EInvalid},
		{"button no label", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{URL: "https://a.example"}}}}}, tandem.EInvalid},
		{"button style", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "x", URL: "https://a.example", Style: "blink"}}}}}, tandem.EInvalid},
		{"buttons twice the id", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
			{ID: "a", Label: "x", ActionID: "1"}, {ID: "a", Label: "y", ActionID: "2"}}}}}, tandem.EInvalid},
		{"buttons outside actions", &botapi.Message{Blocks: []botapi.Block{{Type: "section", Text: "x", Buttons: []botapi.Button{link}}}}, tandem.EInvalid},
		{"attachment without id", &botapi.Message{Attachments: []botapi.Attachment{{Name: "a"}}}, tandem.EInvalid},
	} {
		if _, err := FromWire(tt.m); tandem.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

// Callback buttons get ids; clients never see a callback's action id or
// value, bots do; HTML stays text.
func TestWireRoundTrip(t *testing.T) {
	m, err := FromWire(&botapi.Message{Text: "<b>hi</b>", Blocks: []botapi.Block{
		{Type: "header", Text: "Order"},
		{Type: "actions", Buttons: []botapi.Button{
			{Label: "Yes", ActionID: "confirm", Value: "order-7", Style: "primary"},
			{ID: "b1", Label: "No", ActionID: "cancel"},
			{Label: "Docs", URL: "https://docs.example/x"},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	btns := m.Blocks[1].Buttons
	if btns[0].ID == "" || btns[0].ID == "b1" || btns[1].ID != "b1" || btns[2].ID == "" || btns[2].ID == btns[0].ID {
		t.Fatalf("button ids %q %q %q", btns[0].ID, btns[1].ID, btns[2].ID)
	}
	if btns[0].Kind != tandem.ButtonCallback || btns[2].Kind != tandem.ButtonLink {
		t.Fatalf("button kinds %s %s", btns[0].Kind, btns[2].Kind)
	}
	m.Author = tandem.Account{Kind: tandem.AccountBot, ID: "k1"}
	names := func(tandem.Account) string { return "triage" }
	client := ToWire(m, names, false)
	if client.Text != "<b>hi</b>" || client.Author.Account != "bot:k1" || client.Author.Name != "triage" {
		t.Fatalf("client view %+v", client)
	}
	cb := client.Blocks[1].Buttons[0]
	if cb.ActionID != "" || cb.Value != "" || cb.Label != "Yes" || cb.ID != btns[0].ID {
		t.Fatalf("a client sees the callback button as %+v", cb)
	}
	if client.Blocks[1].Buttons[2].URL != "https://docs.example/x" {
		t.Fatal("a client does not see the link button's URL")
	}
	bot := ToWire(m, names, true)
	if b := bot.Blocks[1].Buttons[0]; b.ActionID != "confirm" || b.Value != "order-7" {
		t.Fatalf("a bot sees the callback button as %+v", b)
	}
}

func TestMentionedHandles(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"@triage help", []string{"triage"}},
		{"hi @Bob.", []string{"bob.", "bob"}},
		{"mail alice@example.com", nil},
		{"@a,@b", []string{"a", "b"}},
		{"(@ticket-bot)", []string{"ticket-bot"}},
		{"@@x", nil},
	} {
		got := mentionedHandles(tt.text)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("mentionedHandles(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":             "report.pdf",
		"../../etc/passwd":       "passwd",
		`C:\Users\a\photo.png`:   "photo.png",
		"a\r\nb\".txt":           "ab.txt",
		"":                       "file",
		"..":                     "file",
		strings.Repeat("é", 200): strings.Repeat("é", 127),
	} {
		got, err := cleanName(in)
		if err != nil || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
