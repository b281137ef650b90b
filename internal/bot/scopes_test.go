package bot

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/conversation"
)

// A bot's power is its token's scopes ∩ what was granted where it is.
func TestEffectiveScopes(t *testing.T) {
	const (
		r  = tandem.ScopeMessagesRead
		w  = tandem.ScopeMessagesWrite
		cw = tandem.ScopeConversationsWrite
		ai = tandem.ScopeAssistInvite
	)
	tests := []struct {
		name    string
		token   []tandem.Scope
		granted []tandem.Scope
		revoked bool
		want    []tandem.Scope
	}{
		{"all granted", []tandem.Scope{r, w}, []tandem.Scope{r, w}, false, []tandem.Scope{r, w}},
		{"granted less", []tandem.Scope{r, w, cw}, []tandem.Scope{w}, false, []tandem.Scope{w}},
		{"token narrowed since", []tandem.Scope{r}, []tandem.Scope{r, w}, false, []tandem.Scope{r}},
		{"nothing granted", []tandem.Scope{r, w}, nil, false, nil},
		{"disjoint", []tandem.Scope{ai}, []tandem.Scope{r, w}, false, nil},
		{"in the console's order", []tandem.Scope{ai, w, r}, []tandem.Scope{ai, r, w}, false, []tandem.Scope{r, w, ai}},
		{"revoked token", []tandem.Scope{r, w}, []tandem.Scope{r, w}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &tandem.Bot{Scopes: tt.token, TokenHash: "h"}
			if tt.revoked {
				b.TokenHash = ""
			}
			got := Effective(b, &tandem.Member{Granted: tt.granted})
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Effective = %v, want %v", got, tt.want)
			}
		})
	}
	if got := Effective(&tandem.Bot{Scopes: []tandem.Scope{r}, TokenHash: "h"}, nil); got != nil {
		t.Fatalf("no membership: %v", got)
	}
}

func TestCheckBot(t *testing.T) {
	ok := func() *tandem.Bot {
		return &tandem.Bot{Name: "triage", URL: "https://bots.example.com/t", Scopes: []tandem.Scope{tandem.ScopeMessagesWrite}}
	}
	tests := []struct {
		name   string
		change func(b *tandem.Bot)
		want   string // part of the error; "" for none
	}{
		{"fine", func(b *tandem.Bot) {}, ""},
		{"upper case", func(b *tandem.Bot) { b.Name = "Triage" }, "a bot's name"},
		{"space", func(b *tandem.Bot) { b.Name = "tri age" }, "a bot's name"},
		{"too long", func(b *tandem.Bot) { b.Name = strings.Repeat("a", 33) }, "a bot's name"},
		{"no url", func(b *tandem.Bot) { b.URL = "" }, "url must be"},
		{"ftp url", func(b *tandem.Bot) { b.URL = "ftp://x.example" }, "url must be"},
		{"credentials", func(b *tandem.Bot) { b.URL = "https://u:p@x.example" }, "user or password"},
		{"bad interface url", func(b *tandem.Bot) { b.InterfaceURL = "javascript:alert(1)" }, "interfaceUrl"},
		{"no scopes", func(b *tandem.Bot) { b.Scopes = nil }, "at least one scope"},
		{"unknown scope", func(b *tandem.Bot) { b.Scopes = []tandem.Scope{"admin:all"} }, "not a scope"},
		{"twice", func(b *tandem.Bot) { b.Scopes = []tandem.Scope{tandem.ScopeMessagesWrite, tandem.ScopeMessagesWrite} }, "twice"},
		{"long description", func(b *tandem.Bot) { b.Description = strings.Repeat("x", maxDescription+1) }, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ok()
			tt.change(b)
			err := CheckBot(b)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckBot: %v", err)
				}
				return
			}
			if tandem.ErrorCode(err) != tandem.EInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckBot = %v, want invalid with %q", err, tt.want)
			}
		})
	}
}

func TestCheckMessage(t *testing.T) {
	link := botapi.Button{Label: "Docs", URL: "https://docs.example.com"}
	call := botapi.Button{Label: "Go", ActionID: "go", Value: "1"}
	tests := []struct {
		name string
		m    *botapi.Message
		ok   bool
	}{
		{"text", &botapi.Message{Text: "hi"}, true},
		{"buttons", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{link, call}}}}, true},
		{"nil", nil, false},
		{"empty", &botapi.Message{}, false},
		{"too long", &botapi.Message{Text: strings.Repeat("x", conversation.MaxText+1)}, false},
		{"not UTF-8", &botapi.Message{Text: "\xff"}, false},
		{"unknown block", &botapi.Message{Blocks: []botapi.Block{{Type: "html", Text: "<b>"}}}, false},
		{"http image", &botapi.Message{Blocks: []botapi.Block{{Type: "image", ImageURL: "http://x.example/a.png"}}}, false},
		{"button both", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "x", URL: "https://a.example", ActionID: "a"}}}}}, false},
		{"javascript link", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "x", URL: "javascript:alert(1)"}}}}}, false},
		{"same id twice", &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{ID: "a", Label: "x", ActionID: "1"}, {ID: "a", Label: "y", ActionID: "2"}}}}}, false},
		{"buttons outside actions", &botapi.Message{Blocks: []botapi.Block{{Type: "section", Text: "x", Buttons: []botapi.Button{call}}}}, false},
		{"too many blocks", &botapi.Message{Blocks: slices.Repeat([]botapi.Block{{Type: "divider"}}, conversation.MaxBlocks+1)}, false},
		{"attachments", &botapi.Message{Text: "x", Attachments: []botapi.Attachment{{ID: "a"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMessage(tt.m)
			if (err == nil) != tt.ok {
				t.Fatalf("checkMessage = %v, want ok %v", err, tt.ok)
			}
			if code := tandem.ErrorCode(err); err != nil && code != tandem.EInvalid && code != tandem.ETooLarge {
				t.Fatalf("code %s, want invalid or too_large", code)
			}
		})
	}
}

// Clients see a callback button's id, label and style only; the bot sees
// its own buttons whole.
func TestViewsHideCallbacks(t *testing.T) {
	m := &botapi.Message{Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
		{ID: "b1", Label: "taken id", URL: "https://a.example"},
		{Label: "Go", ActionID: "go", Value: "secret"},
	}}}}
	stored := &tandem.Message{ID: "m", ConversationID: "c", Blocks: blocksOf(m)}
	bts := stored.Blocks[0].Buttons
	if bts[1].ID != "b2" || bts[1].Kind != tandem.ButtonCallback || bts[0].Kind != tandem.ButtonLink {
		t.Fatalf("stored buttons %+v", bts)
	}
	client := ClientView(stored, nil).Blocks[0].Buttons[1]
	if client.ActionID != "" || client.Value != "" || client.ID != "b2" {
		t.Fatalf("client sees %+v", client)
	}
	own := BotView(stored, nil, true).Blocks[0].Buttons[1]
	if own.ActionID != "go" || own.Value != "secret" {
		t.Fatalf("bot sees %+v", own)
	}
}

func TestPreview(t *testing.T) {
	res, err := Preview(&botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Post, Message: &botapi.Message{Text: "hi", Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "Go", ActionID: "go", Value: "v"}}}}}},
		{Type: botapi.Rename, Name: "x"},
		{Type: botapi.Post, Message: &botapi.Message{}},
		{Type: "explode"},
		{Type: botapi.Invite},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 2 || res.Messages[0].Text != "hi" || res.Messages[0].Blocks[0].Buttons[0].Value != "" {
		t.Fatalf("messages %+v", res.Messages)
	}
	if res.Messages[1].Blocks[0].Buttons[0].Label != defaultInviteLabel {
		t.Fatalf("invite preview %+v", res.Messages[1])
	}
	if len(res.Errors) != 2 || res.Errors[0].Index != 2 || res.Errors[1].Index != 3 {
		t.Fatalf("errors %+v", res.Errors)
	}
	if _, err := Preview(&botapi.Answer{Instructions: make([]botapi.Instruction, MaxInstructions+1)}); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("too many: %v", err)
	}
}
