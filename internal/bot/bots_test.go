package bot

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/auth"
)

func TestCreateShowsSecretsOnce(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, token := h.bot("triage", tandem.ScopeMessagesWrite)
	if !strings.HasPrefix(token, "tdb_") || b.TokenHash != auth.HashToken(token) || strings.Contains(b.TokenHash, token) {
		t.Fatalf("token %q, hash %q", token, b.TokenHash)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(b.SigningSecret, "whsec_"))
	if err != nil || len(key) != 32 || !strings.HasPrefix(b.SigningSecret, "whsec_") {
		t.Fatalf("signing secret %q", b.SigningSecret)
	}
	stored, err := h.db.BotByID(h.ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.TokenHash != auth.HashToken(token) || stored.TokenID == "" {
		t.Fatalf("stored %+v", stored)
	}
	name := "triage"
	url := "https://x.example"
	scopes := []tandem.Scope{tandem.ScopeMessagesRead}
	if _, err := h.s.Create(h.ctx, h.other, Input{Name: &name, URL: &url, Scopes: &scopes}); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("same name: %v", err)
	}
	yes := true
	other := "helper"
	if _, err := h.s.Create(h.ctx, h.other, Input{Name: &other, URL: &url, Scopes: &scopes, Recommended: &yes}); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("an agent recommends: %v", err)
	}
}

// Revoking stops the token at once; a new one replaces the old.
func TestRevokeAndRegenerate(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, token := h.bot("triage", tandem.ScopeMessagesRead)
	if got, err := h.s.Authenticate(h.ctx, token); err != nil || got.ID != b.ID {
		t.Fatalf("authenticate: %v", err)
	}
	if _, err := h.s.RevokeToken(h.ctx, h.other, b.ID); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("another user revokes: %v", err)
	}
	if _, err := h.s.RevokeToken(h.ctx, h.owner, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Authenticate(h.ctx, token); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Fatalf("revoked token: %v", err)
	}
	fresh, _, err := h.s.RegenerateToken(h.ctx, h.admin, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Authenticate(h.ctx, fresh); err != nil {
		t.Fatalf("new token: %v", err)
	}
	again, _, err := h.s.RegenerateToken(h.ctx, h.owner, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Authenticate(h.ctx, fresh); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Fatalf("replaced token: %v", err)
	}
	if _, err := h.s.Authenticate(h.ctx, again); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "tdb_", "Bearer x", again + "x", strings.Repeat("tdb_", 100)} {
		if _, err := h.s.Authenticate(h.ctx, bad); tandem.ErrorCode(err) != tandem.EUnauthorized {
			t.Fatalf("token %q: %v", bad, err)
		}
	}
}

func TestUpdateAndViews(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, _ := h.bot("triage", tandem.ScopeMessagesRead)
	if _, full, err := h.s.Get(h.ctx, h.other, b.ID); err != nil || full {
		t.Fatalf("another user: full %v, %v", full, err)
	}
	if _, full, err := h.s.Get(h.ctx, h.owner, b.ID); err != nil || !full {
		t.Fatalf("owner: full %v, %v", full, err)
	}
	desc := "answers first"
	if _, err := h.s.Update(h.ctx, h.other, b.ID, Input{Description: &desc}); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("another user updates: %v", err)
	}
	bad := "ftp://x"
	if _, err := h.s.Update(h.ctx, h.owner, b.ID, Input{URL: &bad}); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("bad url: %v", err)
	}
	yes := true
	if _, err := h.s.Update(h.ctx, h.owner, b.ID, Input{Recommended: &yes}); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("owner recommends: %v", err)
	}
	got, err := h.s.Update(h.ctx, h.admin, b.ID, Input{Recommended: &yes, Description: &desc})
	if err != nil || !got.Recommended || got.Description != desc {
		t.Fatalf("admin update: %+v %v", got, err)
	}
	stored, _ := h.db.BotByID(h.ctx, b.ID)
	if stored.URL != b.URL || stored.TokenHash != b.TokenHash || !stored.Recommended {
		t.Fatalf("stored %+v", stored)
	}
	l, err := h.s.List(h.ctx, h.other)
	if err != nil || len(l.Mine) != 0 || len(l.Recommended) != 1 {
		t.Fatalf("list of another: %+v %v", l, err)
	}
}

func TestCommandsAndHooks(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, _ := h.bot("triage", tandem.ScopeMessagesWrite)
	for _, c := range []*tandem.BotCommand{{Name: "Ticket"}, {Name: "/ticket"}, {Name: "ticket", URL: "javascript:x"}} {
		if err := h.s.AddCommand(h.ctx, h.owner, b.ID, c); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Fatalf("command %+v: %v", c, err)
		}
	}
	cmd := &tandem.BotCommand{Name: "ticket", Description: "open a ticket", Hint: "[title]"}
	if err := h.s.AddCommand(h.ctx, h.other, b.ID, cmd); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("another user: %v", err)
	}
	if err := h.s.AddCommand(h.ctx, h.owner, b.ID, cmd); err != nil {
		t.Fatal(err)
	}
	if err := h.s.AddCommand(h.ctx, h.owner, b.ID, &tandem.BotCommand{Name: "ticket"}); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("twice: %v", err)
	}
	c := h.conversation(b, tandem.ScopeMessagesWrite)
	list, err := h.s.MemberCommands(h.ctx, userAcc(h.owner), c.ID)
	if err != nil || len(list) != 1 || list[0].Hint != "[title]" || list[0].BotName != "triage" {
		t.Fatalf("commands %+v %v", list, err)
	}
	if _, err := h.s.MemberCommands(h.ctx, userAcc(h.other), c.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("non-member lists commands: %v", err)
	}

	hk, err := h.s.EnsureHook(h.ctx, b.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := h.s.Hooks(h.ctx, h.owner, b.ID)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("hooks %v %v", hooks, err)
	}
	url := hooks[0].URL
	token := strings.TrimPrefix(url, "https://tandem.example.com/hooks/")
	if token == url || auth.HashToken(token) != hk.TokenHash {
		t.Fatalf("hook url %q does not carry the token whose hash is stored", url)
	}
	if err := h.s.DeleteHook(h.ctx, h.other, b.ID, hk.ID); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("another deletes: %v", err)
	}
	if err := h.s.DeleteHook(h.ctx, h.owner, b.ID, hk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.Member(h.ctx, c.ID, botAccount(b)); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("bot still a member after its hook went: %v", err)
	}
	if err := h.s.DeleteCommand(h.ctx, h.owner, b.ID, cmd.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.s.DeleteCommand(h.ctx, h.owner, b.ID, cmd.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("deleted twice: %v", err)
	}
}

// A pressed callback button goes to its bot with what the server kept;
// a link button, another's button or a non-member's press goes nowhere.
func TestPress(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, _ := h.bot("triage", tandem.ScopeMessagesWrite)
	c := h.conversation(b, tandem.ScopeMessagesWrite)
	m := h.post(c, botAccount(b), &botapi.Message{Text: "choose", Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
		{Label: "Docs", URL: "https://docs.example.com"}, {Label: "Go", ActionID: "go", Value: "42"}}}}})
	userMsg := h.post(c, userAcc(h.owner), &botapi.Message{Text: "fake", Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
		{Label: "Go", ActionID: "go"}}}}})
	tests := []struct {
		name         string
		by           tandem.Account
		message, btn string
		code         string
	}{
		{"a link", userAcc(h.owner), m.ID, "b1", tandem.EInvalid},
		{"no such button", userAcc(h.owner), m.ID, "b9", tandem.ENotFound},
		{"a user's message", userAcc(h.owner), userMsg.ID, "b1", tandem.EInvalid},
		{"not a member", userAcc(h.other), m.ID, "b2", tandem.ENotFound},
		{"no such message", userAcc(h.owner), "nope", "b2", tandem.ENotFound},
	}
	for _, tt := range tests {
		if err := h.s.Press(h.ctx, tt.by, c.ID, tt.message, tt.btn); tandem.ErrorCode(err) != tt.code {
			t.Fatalf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if n := len(h.deliveries(b)); n != 0 {
		t.Fatalf("%d deliveries after refused presses", n)
	}
	if err := h.s.Press(h.ctx, userAcc(h.owner), c.ID, m.ID, "b2"); err != nil {
		t.Fatal(err)
	}
	ds := h.deliveries(b)
	if len(ds) != 1 || ds[0].Kind != tandem.DeliveryAction || ds[0].URL != b.URL || ds[0].MessageID != m.ID {
		t.Fatalf("deliveries %+v", ds)
	}
	var ev botapi.Event
	if err := json.Unmarshal(ds[0].Payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID != ds[0].ID || ev.Type != botapi.EventAction || ev.Action.ActionID != "go" || ev.Action.Value != "42" ||
		ev.From.Account != userAcc(h.owner).String() || ev.Conversation.ID != c.ID || len(ev.Scopes) != 1 {
		t.Fatalf("event %+v", ev)
	}
	// A revoked bot gets nothing.
	if _, err := h.s.RevokeToken(h.ctx, h.owner, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.s.Press(h.ctx, userAcc(h.owner), c.ID, m.ID, "b2"); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("press for a revoked bot: %v", err)
	}
	if n := len(h.deliveries(b)); n != 1 {
		t.Fatalf("%d deliveries", n)
	}
}

func TestRunCommand(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, _ := h.bot("triage", tandem.ScopeMessagesWrite)
	if err := h.s.AddCommand(h.ctx, h.owner, b.ID, &tandem.BotCommand{Name: "ticket", Hint: "[title]", URL: "https://tickets.example.com/cmd"}); err != nil {
		t.Fatal(err)
	}
	c := h.conversation(b, tandem.ScopeMessagesWrite)
	if err := h.s.Run(h.ctx, userAcc(h.owner), c.ID, "nope", ""); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("unknown command: %v", err)
	}
	if err := h.s.Run(h.ctx, userAcc(h.other), c.ID, "ticket", "x"); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("non-member: %v", err)
	}
	if err := h.s.Run(h.ctx, userAcc(h.owner), c.ID, "ticket", "printer on fire"); err != nil {
		t.Fatal(err)
	}
	ds := h.deliveries(b)
	if len(ds) != 1 || ds[0].URL != "https://tickets.example.com/cmd" || ds[0].Kind != tandem.DeliveryCommand {
		t.Fatalf("deliveries %+v", ds)
	}
	var ev botapi.Event
	_ = json.Unmarshal(ds[0].Payload, &ev)
	if ev.Command == nil || ev.Command.Name != "ticket" || ev.Command.Text != "printer on fire" {
		t.Fatalf("event %+v", ev)
	}
}

// A dead delivery is sent again as a new delivery of the same event.
func TestRetryDead(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, _ := h.bot("triage", tandem.ScopeMessagesWrite)
	c := h.conversation(b, tandem.ScopeMessagesWrite)
	if err := h.s.AddCommand(h.ctx, h.owner, b.ID, &tandem.BotCommand{Name: "go"}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.Run(h.ctx, userAcc(h.owner), c.ID, "go", ""); err != nil {
		t.Fatal(err)
	}
	d := h.deliveries(b)[0]
	if _, err := h.s.Retry(h.ctx, h.owner, b.ID, d.ID); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("retry a pending one: %v", err)
	}
	d.State, d.Attempts, d.LastStatus, d.DoneAt = tandem.DeliveryDead, 1, 500, h.s.cfg.Now()
	if err := h.db.RecordAttempt(h.ctx, d, &tandem.DeliveryAttempt{DeliveryID: d.ID, N: 1, At: d.DoneAt, Status: 500}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Retry(h.ctx, h.other, b.ID, d.ID); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("another retries: %v", err)
	}
	next, err := h.s.Retry(h.ctx, h.owner, b.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	_ = json.Unmarshal(next.Payload, &ev)
	if next.ID == d.ID || ev["id"] != next.ID || next.State != tandem.DeliveryPending {
		t.Fatalf("retry %+v", next)
	}
	got, attempts, err := h.s.Delivery(h.ctx, h.owner, b.ID, d.ID)
	if err != nil || got.State != tandem.DeliveryDead || len(attempts) != 1 {
		t.Fatalf("the dead one: %+v %v %v", got, attempts, err)
	}
	list, err := h.s.Deliveries(h.ctx, h.owner, b.ID, []tandem.DeliveryState{tandem.DeliveryPending}, 0)
	if err != nil || len(list) != 1 || list[0].ID != next.ID {
		t.Fatalf("pending %+v %v", list, err)
	}
	if _, err := h.s.Deliveries(h.ctx, h.owner, b.ID, []tandem.DeliveryState{"lost"}, 0); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("bad state: %v", err)
	}
}
