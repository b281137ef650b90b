package conversation

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/store"
)

func TestCreateRules(t *testing.T) {
	h := newHarness(t, Config{})
	person := tandem.Account{Kind: tandem.AccountPerson, ID: "c1"}
	ghost := tandem.Account{Kind: tandem.AccountUser, ID: "nobody"}
	for _, tt := range []struct {
		name    string
		by      tandem.Account
		c       tandem.Conversation
		members []tandem.Account
		code    string
	}{
		{"direct", h.alex, tandem.Conversation{Kind: tandem.ConversationDirect}, []tandem.Account{h.sam}, ""},
		{"direct with oneself", h.alex, tandem.Conversation{Kind: tandem.ConversationDirect}, []tandem.Account{h.alex}, tandem.EInvalid},
		{"direct of three", h.alex, tandem.Conversation{Kind: tandem.ConversationDirect}, []tandem.Account{h.sam, h.user("kim@example.com", "Kim")}, tandem.EInvalid},
		{"group", h.alex, tandem.Conversation{Kind: tandem.ConversationGroup, Name: "ops"}, []tandem.Account{h.sam}, ""},
		{"group without name", h.alex, tandem.Conversation{Kind: tandem.ConversationGroup}, nil, tandem.EInvalid},
		{"support by hand", h.alex, tandem.Conversation{Kind: tandem.ConversationSupport, Name: "x"}, nil, tandem.EInvalid},
		{"by a person", person, tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"}, nil, tandem.EForbidden},
		{"with a person", h.alex, tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"}, []tandem.Account{person}, tandem.EInvalid},
		{"with a bot, no grant", h.alex, tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"}, []tandem.Account{h.botA}, tandem.EInvalid},
		{"with nobody", h.alex, tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"}, []tandem.Account{ghost}, tandem.EInvalid},
		{"name too long", h.alex, tandem.Conversation{Kind: tandem.ConversationGroup, Name: strings.Repeat("n", 101)}, nil, tandem.ETooLarge},
		{"script avatar", h.alex, tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x", AvatarURL: "javascript:x"}, nil, tandem.EInvalid},
		{"by a bot", h.botA, tandem.Conversation{Kind: tandem.ConversationGroup, Name: "bot's"}, []tandem.Account{h.alex}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := h.s.Create(h.ctx, tt.by, &tt.c, tt.members)
			if tandem.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Fatalf("Create: %v, want %q", err, tt.code)
			}
			if err != nil {
				return
			}
			ms, err := h.db.Members(h.ctx, c.ID)
			if err != nil || len(ms) != 1+len(tt.members) || ms[0].Account != tt.by {
				t.Fatalf("members %v, %v", ms, err)
			}
			if tt.by.Kind == tandem.AccountBot {
				// A bot that starts a conversation has its own scopes there, and its hook.
				if len(ms[0].Granted) != len(h.bot.Scopes) {
					t.Errorf("the bot's grant %v", ms[0].Granted)
				}
				if _, err := h.db.HookFor(h.ctx, h.bot.ID, c.ID); err != nil {
					t.Errorf("hook: %v", err)
				}
			}
		})
	}
}

// Members only: a non-member reads nothing and learns nothing; messages
// page both ways; a repeated clientId posts once; text stays text.
func TestPostAndHistory(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.group(h.sam)
	outsider := h.user("eve@example.com", "Eve")
	var last *tandem.Message
	for i := range 7 {
		h.clock.Add(time.Second)
		last = h.post(h.alex, c, "message "+string(rune('a'+i)))
	}
	if last.Seq != 7 || last.Author != h.alex {
		t.Fatalf("last message %+v", last)
	}
	m, created, err := h.s.Post(h.ctx, h.sam, c.ID, "<script>alert(1)</script>", "cid-1", nil)
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := h.s.Post(h.ctx, h.sam, c.ID, "<script>alert(1)</script>", "cid-1", nil)
	if err != nil || created || again.ID != m.ID {
		t.Fatalf("repeat: %v %v %v", again, created, err)
	}
	page, more, err := h.s.History(h.ctx, h.sam, c.ID, store.MessageFilter{Limit: 3})
	if err != nil || len(page) != 3 || !more || page[0].Seq != 8 || page[0].Text != "<script>alert(1)</script>" {
		t.Fatalf("newest page: %v more=%v %v", page, more, err)
	}
	older, more, err := h.s.History(h.ctx, h.sam, c.ID, store.MessageFilter{Before: 3, Limit: 3})
	if err != nil || len(older) != 2 || more || older[0].Seq != 2 {
		t.Fatalf("oldest page: %v more=%v %v", older, more, err)
	}
	after, _, err := h.s.History(h.ctx, h.alex, c.ID, store.MessageFilter{After: 6})
	if err != nil || len(after) != 2 || after[0].Seq != 7 {
		t.Fatalf("after 6: %v %v", after, err)
	}
	for _, tt := range []struct {
		name string
		err  error
		code string
	}{
		{"history", third(h.s.History(h.ctx, outsider, c.ID, store.MessageFilter{})), tandem.ENotFound},
		{"detail", second(h.s.Detail(h.ctx, outsider, c.ID)), tandem.ENotFound},
		{"post", third(h.s.Post(h.ctx, outsider, c.ID, "hi", "", nil)), tandem.ENotFound},
		{"read", h.s.MarkRead(h.ctx, outsider, c.ID, 1), tandem.ENotFound},
		{"typing", h.s.Typing(h.ctx, outsider, c.ID), tandem.ENotFound},
		{"oversize", third(h.s.Post(h.ctx, h.alex, c.ID, strings.Repeat("x", MaxText+1), "", nil)), tandem.ETooLarge},
		{"empty", third(h.s.Post(h.ctx, h.alex, c.ID, "", "", nil)), tandem.EInvalid},
		{"both ways", third(h.s.History(h.ctx, h.alex, c.ID, store.MessageFilter{Before: 3, After: 1})), tandem.EInvalid},
		{"no such", third(h.s.History(h.ctx, h.alex, "nope", store.MessageFilter{})), tandem.ENotFound},
	} {
		if tandem.ErrorCode(tt.err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, tt.err, tt.code)
		}
	}
	if n, _, _ := h.s.History(h.ctx, h.alex, c.ID, store.MessageFilter{Limit: 200}); len(n) != 8 {
		t.Errorf("refused posts were stored: %d messages", len(n))
	}
	// Unread: what one wrote counts as read (sam's message marks all
	// before it read too, as in a chat); alex has not read sam's.
	list, _, err := h.s.ListFor(h.ctx, h.sam, ListOptions{})
	if err != nil || len(list) != 1 || list[0].Unread != 0 || list[0].Last.Seq != 8 {
		t.Fatalf("sam's list %+v %v", list[0], err)
	}
	list, _, err = h.s.ListFor(h.ctx, h.alex, ListOptions{})
	if err != nil || len(list) != 1 || list[0].Unread != 1 {
		t.Fatalf("alex's list %+v %v", list[0], err)
	}
	if err := h.s.MarkRead(h.ctx, h.alex, c.ID, 8); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := h.s.ListFor(h.ctx, h.alex, ListOptions{}); list[0].Unread != 0 {
		t.Errorf("unread after reading: %d", list[0].Unread)
	}
	if list, _, _ := h.s.ListFor(h.ctx, outsider, ListOptions{}); len(list) != 0 {
		t.Errorf("an outsider lists %d conversations", len(list))
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// A mention of a bot member writes its delivery with the message: the
// event a bot server gets. A revoked bot, a bot's own mention of another
// bot, and a non-member's name get none.
func TestMentionDeliveries(t *testing.T) {
	h := newHarness(t, Config{})
	revoked := h.newBot("ticket", tandem.ScopeMessagesWrite)
	revoked.TokenHash = ""
	if err := h.db.UpdateBot(h.ctx, revoked); err != nil {
		t.Fatal(err)
	}
	outside := h.newBot("outsider", tandem.ScopeMessagesWrite)
	c := h.group(h.sam)
	for _, b := range []*tandem.Bot{h.bot, revoked} {
		err := h.s.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: c.ID, Account: tandem.Account{Kind: tandem.AccountBot, ID: b.ID},
			Granted: []tandem.Scope{tandem.ScopeMessagesWrite}})
		if err != nil {
			t.Fatal(err)
		}
	}
	m := h.post(h.alex, c, "@triage and @ticket, ask @sam.lee — not @outsider, nor mail x@triage.example")
	want := map[tandem.Account]bool{h.botA: true, {Kind: tandem.AccountBot, ID: revoked.ID}: true, h.sam: true}
	if len(m.Mentions) != len(want) {
		t.Fatalf("mentions %v", m.Mentions)
	}
	for _, a := range m.Mentions {
		if !want[a] {
			t.Errorf("mentions %s", a)
		}
	}
	ds := deliveries(t, h, h.bot.ID)
	if len(ds) != 1 || ds[0].Kind != tandem.DeliveryMention || ds[0].URL != h.bot.URL || ds[0].State != tandem.DeliveryPending {
		t.Fatalf("deliveries %+v", ds)
	}
	var ev botapi.Event
	if err := json.Unmarshal(ds[0].Payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID != ds[0].ID || ev.Type != botapi.EventMention || ev.Conversation.ID != c.ID || ev.From.Account != h.alex.String() ||
		ev.From.Name != "Alex" || ev.Message == nil || ev.Message.Text != m.Text || ev.Bot.ID != h.bot.ID {
		t.Fatalf("event %+v", ev)
	}
	// What the adder granted, within the token's scopes: not assist:read.
	if strings.Join(ev.Scopes, ",") != "messages:write" {
		t.Errorf("event scopes %v", ev.Scopes)
	}
	for _, id := range []string{revoked.ID, outside.ID} {
		if ds := deliveries(t, h, id); len(ds) != 0 {
			t.Errorf("bot %s got %d deliveries", id, len(ds))
		}
	}
	// A bot mentioning a bot tells nobody.
	if _, err := h.s.PostAs(h.ctx, tandem.Account{Kind: tandem.AccountBot, ID: revoked.ID}, c.ID, &botapi.Message{Text: "@triage ping"}, ""); err != nil {
		t.Fatal(err)
	}
	if ds := deliveries(t, h, h.bot.ID); len(ds) != 1 {
		t.Errorf("a bot's mention made a delivery: %d", len(ds))
	}
}

func deliveries(t *testing.T, h *harness, botID string) []*tandem.Delivery {
	t.Helper()
	ds, err := h.db.ListDeliveries(h.ctx, store.DeliveryFilter{BotID: botID})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// Adding a bot takes the adder's grant, within the bot's scopes, and makes
// its hook, whose URL token is derived from the hook's id.
func TestAddBotMember(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.group()
	direct, err := h.s.Create(h.ctx, h.alex, &tandem.Conversation{Kind: tandem.ConversationDirect}, []tandem.Account{h.sam})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		by   tandem.Account
		conv string
		m    tandem.Member
		code string
	}{
		{"no grant", h.alex, c.ID, tandem.Member{Account: h.botA}, tandem.EInvalid},
		{"more than it asks", h.alex, c.ID, tandem.Member{Account: h.botA, Granted: []tandem.Scope{tandem.ScopeAssistEnd}}, tandem.EInvalid},
		{"by a non-member", h.sam, c.ID, tandem.Member{Account: h.botA, Granted: []tandem.Scope{}}, tandem.ENotFound},
		{"a grant to a user", h.alex, c.ID, tandem.Member{Account: h.sam, Granted: []tandem.Scope{tandem.ScopeMessagesRead}}, tandem.EInvalid},
		{"to a direct", h.alex, direct.ID, tandem.Member{Account: h.botA, Granted: []tandem.Scope{}}, tandem.EInvalid},
		{"a person", h.alex, c.ID, tandem.Member{Account: tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}}, tandem.EInvalid},
		{"granted", h.alex, c.ID, tandem.Member{Account: h.botA, Granted: []tandem.Scope{tandem.ScopeMessagesWrite, tandem.ScopeMessagesWrite}}, ""},
		{"twice", h.alex, c.ID, tandem.Member{Account: h.botA, Granted: []tandem.Scope{}}, tandem.EConflict},
		{"a user", h.alex, c.ID, tandem.Member{Account: h.sam}, ""},
	} {
		m := tt.m
		m.ConversationID = tt.conv
		err := h.s.AddMember(h.ctx, tt.by, &m)
		if tandem.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.code)
		}
	}
	m, err := h.db.Member(h.ctx, c.ID, h.botA)
	if err != nil || len(m.Granted) != 1 || m.Granted[0] != tandem.ScopeMessagesWrite || m.AddedBy != h.alex {
		t.Fatalf("the bot's membership %+v, %v", m, err)
	}
	hook, err := h.db.HookFor(h.ctx, h.bot.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := h.db.HookByTokenHash(h.ctx, auth.HashToken(HookToken(testKey, hook.ID))); err != nil || got.ID != hook.ID {
		t.Fatalf("the hook's URL token does not find it: %v", err)
	}
	// Removing: anyone removes a bot; sam, not the creator, cannot remove alex.
	if err := h.s.RemoveMember(h.ctx, h.sam, c.ID, h.alex); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Errorf("sam removes alex: %v", err)
	}
	if err := h.s.RemoveMember(h.ctx, h.sam, c.ID, h.botA); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.HookFor(h.ctx, h.bot.ID, c.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("the hook outlived its bot's membership: %v", err)
	}
}

// A bot flooding a conversation is refused with nothing stored, until
// time passes.
func TestBotRateLimit(t *testing.T) {
	h := newHarness(t, Config{BotBurst: 3, BotEvery: time.Second})
	c := h.group()
	if err := h.s.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: c.ID, Account: h.botA, Granted: []tandem.Scope{}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := h.s.PostAs(h.ctx, h.botA, c.ID, &botapi.Message{Text: "alert"}, ""); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if _, err := h.s.PostAs(h.ctx, h.botA, c.ID, &botapi.Message{Text: "alert"}, ""); tandem.ErrorCode(err) != tandem.ERateLimited {
		t.Fatalf("fourth post: %v", err)
	}
	if cur, _ := h.s.Get(h.ctx, c.ID); cur.LastSeq != 3 {
		t.Fatalf("a refused post was stored: last seq %d", cur.LastSeq)
	}
	// Users are not limited by the bots' limit.
	h.post(h.alex, c, "fine")
	h.clock.Add(time.Second)
	if _, err := h.s.PostAs(h.ctx, h.botA, c.ID, &botapi.Message{Text: "alert"}, ""); err != nil {
		t.Fatalf("after a second: %v", err)
	}
}

// Only its author replaces a message; a bot cannot edit a member's.
func TestReplace(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.group(h.sam)
	if err := h.s.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: c.ID, Account: h.botA, Granted: []tandem.Scope{tandem.ScopeMessagesWrite}}); err != nil {
		t.Fatal(err)
	}
	mine := h.post(h.alex, c, "original")
	botMsg, err := h.s.PostAs(h.ctx, h.botA, c.ID, &botapi.Message{Text: "working", Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{{Label: "Go", ActionID: "go"}}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.s.Replace(h.ctx, h.botA, &tandem.Message{ID: mine.ID, Text: "edited by a bot"}); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("a bot replaced a member's message: %v", err)
	}
	if err := h.s.Replace(h.ctx, h.sam, &tandem.Message{ID: mine.ID, Text: "edited by sam"}); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("sam replaced alex's message: %v", err)
	}
	if err := h.s.Replace(h.ctx, h.botA, &tandem.Message{ID: botMsg.ID, Text: "done"}); err != nil {
		t.Fatal(err)
	}
	got, err := h.db.MessageByID(h.ctx, mine.ID)
	if err != nil || got.Text != "original" {
		t.Fatalf("alex's message is %q", got.Text)
	}
	got, err = h.db.MessageByID(h.ctx, botMsg.ID)
	if err != nil || got.Text != "done" || len(got.Blocks) != 0 || got.EditedAt.IsZero() {
		t.Fatalf("the bot's message %+v", got)
	}
}

func storeFilter() store.MessageFilter { return store.MessageFilter{} }

// A client completes "@" with each member's handle: what the server
// resolves mentions by, not a guess from the display name.
func TestDetailCarriesHandles(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.group(h.sam)
	if err := h.s.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: c.ID, Account: h.botA, Granted: []tandem.Scope{}}); err != nil {
		t.Fatal(err)
	}
	d, err := h.s.Detail(h.ctx, h.alex, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[tandem.Account]string{h.alex: "alex", h.sam: "sam.lee", h.botA: "triage"}
	for _, m := range d.Members {
		if m.Handle != want[m.Account] {
			t.Errorf("%s (%s): handle %q, want %q", m.Account, m.Name, m.Handle, want[m.Account])
		}
		delete(want, m.Account)
	}
	if len(want) != 0 {
		t.Errorf("members missing from the detail: %v", want)
	}
	// The handle is what a mention resolves by: @sam.lee reaches Sam.
	m := h.post(h.alex, c, "over to you @sam.lee")
	if len(m.Mentions) != 1 || m.Mentions[0] != h.sam {
		t.Fatalf("mentions %v, want Sam", m.Mentions)
	}
}
