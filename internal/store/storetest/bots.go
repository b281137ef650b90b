package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func botNames(bs []*tandem.Bot) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Name)
	}
	return out
}

func testBots(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	b := &tandem.Bot{OwnerID: alex.ID, Name: "triage", Description: "Answers first", AvatarURL: "https://img.example/t.png",
		URL: "http://127.0.0.1:9999/events", InterfaceURL: "https://bot.example/ui", TokenHash: "h1", TokenID: "tok1", SigningSecret: "whsec_abc",
		Scopes: []tandem.Scope{tandem.ScopeMessagesWrite, tandem.ScopeAssistInvite, tandem.ScopeMessagesWrite}}
	must(t, s.CreateBot(ctx, b), "CreateBot")
	checkID(t, b.ID, "bot")
	if b.CreatedAt.IsZero() || !slices.Equal(b.Scopes, []tandem.Scope{tandem.ScopeMessagesWrite, tandem.ScopeAssistInvite}) {
		t.Errorf("CreateBot set %+v", b)
	}
	for _, get := range []struct {
		name string
		fn   func() (*tandem.Bot, error)
	}{
		{"BotByID", func() (*tandem.Bot, error) { return s.BotByID(ctx, b.ID) }},
		{"BotByName", func() (*tandem.Bot, error) { return s.BotByName(ctx, "triage") }},
		{"BotByTokenHash", func() (*tandem.Bot, error) { return s.BotByTokenHash(ctx, "h1") }},
	} {
		got, err := get.fn()
		if err != nil {
			t.Errorf("%s: %v", get.name, err)
			continue
		}
		if got.ID != b.ID || got.OwnerID != alex.ID || got.Name != "triage" || got.Description != b.Description || got.AvatarURL != b.AvatarURL ||
			got.URL != b.URL || got.InterfaceURL != b.InterfaceURL || got.TokenHash != "h1" || got.TokenID != "tok1" ||
			got.SigningSecret != "whsec_abc" || got.Recommended || !slices.Equal(got.Scopes, b.Scopes) || !sameTime(got.CreatedAt, b.CreatedAt) {
			t.Errorf("%s = %+v, want %+v", get.name, got, b)
		}
	}
	wantCode(t, s.CreateBot(ctx, &tandem.Bot{OwnerID: sam.ID, Name: "triage", URL: "https://x.example"}), tandem.EConflict, "CreateBot with a name in use")
	wantCode(t, s.CreateBot(ctx, &tandem.Bot{OwnerID: sam.ID, Name: "other", URL: "https://x.example", TokenHash: "h1"}), tandem.EConflict, "CreateBot with a token in use")
	for _, name := range []string{"no-such-bot", ""} {
		_, err := s.BotByID(ctx, name)
		wantCode(t, err, tandem.ENotFound, "BotByID "+name)
		_, err = s.BotByName(ctx, name)
		wantCode(t, err, tandem.ENotFound, "BotByName "+name)
	}

	// Revoking: an empty hash finds no bot, even the revoked one.
	got, err := s.BotByID(ctx, b.ID)
	must(t, err, "BotByID")
	got.TokenHash, got.TokenID = "", ""
	got.Name, got.Recommended, got.Scopes = "triage2", true, []tandem.Scope{tandem.ScopeMessagesRead}
	got.OwnerID = sam.ID // not UpdateBot's to change
	must(t, s.UpdateBot(ctx, got), "UpdateBot")
	_, err = s.BotByTokenHash(ctx, "h1")
	wantCode(t, err, tandem.ENotFound, "BotByTokenHash of a revoked token")
	_, err = s.BotByTokenHash(ctx, "")
	wantCode(t, err, tandem.ENotFound, "BotByTokenHash empty")
	again, err := s.BotByID(ctx, b.ID)
	must(t, err, "BotByID")
	if again.Name != "triage2" || !again.Recommended || again.TokenHash != "" || again.OwnerID != alex.ID ||
		!slices.Equal(again.Scopes, []tandem.Scope{tandem.ScopeMessagesRead}) {
		t.Errorf("after UpdateBot: %+v", again)
	}
	newBot(t, s, sam, "echo")
	again.Name = "echo"
	wantCode(t, s.UpdateBot(ctx, again), tandem.EConflict, "UpdateBot to a name in use")
	again.Name = "Not Valid"
	wantCode(t, s.UpdateBot(ctx, again), tandem.EInvalid, "UpdateBot to a bad name")
	wantCode(t, s.UpdateBot(ctx, &tandem.Bot{ID: "no-such-bot", Name: "x", URL: "https://x.example"}), tandem.ENotFound, "UpdateBot unknown")
	if got, err := s.BotByID(ctx, b.ID); err != nil || got.Name != "triage2" {
		t.Errorf("refused updates changed the bot: %+v, %v", got, err)
	}

	// Listings.
	newBot(t, s, alex, "alerts")
	newGroup(t, s, "Ops", 0, userAccount(sam), tandem.Account{Kind: tandem.AccountBot, ID: b.ID})
	for _, tt := range []struct {
		name string
		f    store.BotFilter
		want []string
	}{
		{"all", store.BotFilter{}, []string{"alerts", "echo", "triage2"}},
		{"alex's", store.BotFilter{OwnerID: alex.ID}, []string{"alerts", "triage2"}},
		{"recommended", store.BotFilter{Recommended: true}, []string{"triage2"}},
		{"in sam's conversations", store.BotFilter{Member: userAccount(sam)}, []string{"triage2"}},
		{"in alex's conversations", store.BotFilter{Member: userAccount(alex)}, nil},
		{"sam's in sam's conversations", store.BotFilter{OwnerID: sam.ID, Member: userAccount(sam)}, nil},
	} {
		bs, err := s.ListBots(ctx, tt.f)
		must(t, err, "ListBots "+tt.name)
		if !slices.Equal(botNames(bs), tt.want) {
			t.Errorf("ListBots %s = %v, want %v", tt.name, botNames(bs), tt.want)
		}
	}
}

func testBotValidation(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	valid := func() tandem.Bot {
		return tandem.Bot{OwnerID: alex.ID, Name: "bot", URL: "https://bot.example/hook"}
	}
	with := func(f func(b *tandem.Bot)) tandem.Bot { b := valid(); f(&b); return b }
	for _, tt := range []struct {
		name string
		b    tandem.Bot
	}{
		{"no owner", with(func(b *tandem.Bot) { b.OwnerID = "" })},
		{"no name", with(func(b *tandem.Bot) { b.Name = "" })},
		{"capitals", with(func(b *tandem.Bot) { b.Name = "Bot" })},
		{"space", with(func(b *tandem.Bot) { b.Name = "my bot" })},
		{"at sign", with(func(b *tandem.Bot) { b.Name = "@bot" })},
		{"too long", with(func(b *tandem.Bot) { b.Name = strings.Repeat("b", 33) })},
		{"no URL", with(func(b *tandem.Bot) { b.URL = "" })},
		{"relative URL", with(func(b *tandem.Bot) { b.URL = "/hook" })},
		{"file URL", with(func(b *tandem.Bot) { b.URL = "file:///etc/passwd" })},
		{"user info", with(func(b *tandem.Bot) { b.URL = "https://me:pw@bot.example/" })},
		{"gopher interface", with(func(b *tandem.Bot) { b.InterfaceURL = "gopher://bot.example/" })},
		{"data avatar", with(func(b *tandem.Bot) { b.AvatarURL = "data:image/png;base64,AAAA" })},
		{"unknown scope", with(func(b *tandem.Bot) { b.Scopes = []tandem.Scope{tandem.ScopeMessagesRead, "admin"} })},
		{"long description", with(func(b *tandem.Bot) { b.Description = strings.Repeat("d", store.MaxDescription+1) })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			wantCode(t, s.CreateBot(ctx, &b), tandem.EInvalid, "CreateBot")
		})
	}
	bs, err := s.ListBots(ctx, store.BotFilter{})
	must(t, err, "ListBots")
	if len(bs) != 0 {
		t.Errorf("refused bots were written: %v", botNames(bs))
	}
	_, err = s.ListBots(ctx, store.BotFilter{Member: tandem.Account{Kind: "x", ID: "y"}})
	wantCode(t, err, tandem.EInvalid, "ListBots with a bad member")
}

func testBotCommands(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b, other := newBot(t, s, alex, "tickets"), newBot(t, s, alex, "other")
	open := &tandem.BotCommand{BotID: b.ID, Name: "ticket", Description: "Open a ticket", Hint: "[title] [priority]", URL: "https://tickets.example/cmd"}
	must(t, s.CreateBotCommand(ctx, open), "CreateBotCommand")
	checkID(t, open.ID, "command")
	must(t, s.CreateBotCommand(ctx, &tandem.BotCommand{BotID: b.ID, Name: "close"}), "CreateBotCommand close")
	must(t, s.CreateBotCommand(ctx, &tandem.BotCommand{BotID: other.ID, Name: "ticket"}), "another bot's command of the same name")
	wantCode(t, s.CreateBotCommand(ctx, &tandem.BotCommand{BotID: b.ID, Name: "ticket"}), tandem.EConflict, "CreateBotCommand twice")
	wantCode(t, s.CreateBotCommand(ctx, &tandem.BotCommand{BotID: "no-such-bot", Name: "x"}), tandem.ENotFound, "CreateBotCommand of an unknown bot")
	for _, bad := range []tandem.BotCommand{
		{BotID: b.ID, Name: "/ticket"},
		{BotID: b.ID, Name: "Ticket"},
		{BotID: b.ID, Name: ""},
		{BotID: b.ID, Name: "x", URL: "ftp://x.example"},
		{BotID: b.ID, Name: "x", Hint: strings.Repeat("h", 201)},
	} {
		wantCode(t, s.CreateBotCommand(ctx, &bad), tandem.EInvalid, "CreateBotCommand "+bad.Name)
	}
	cs, err := s.BotCommands(ctx, b.ID)
	must(t, err, "BotCommands")
	if len(cs) != 2 || cs[0].Name != "close" || cs[1].Name != "ticket" || cs[1].Hint != open.Hint || cs[1].URL != open.URL ||
		cs[1].Description != open.Description || !sameTime(cs[1].CreatedAt, open.CreatedAt) {
		t.Errorf("BotCommands = %+v", cs)
	}
	must(t, s.DeleteBotCommand(ctx, open.ID), "DeleteBotCommand")
	wantCode(t, s.DeleteBotCommand(ctx, open.ID), tandem.ENotFound, "DeleteBotCommand twice")
	if cs, err := s.BotCommands(ctx, b.ID); err != nil || len(cs) != 1 || cs[0].Name != "close" {
		t.Errorf("BotCommands after delete = %v, %v", cs, err)
	}
	_, err = s.BotCommands(ctx, "no-such-bot")
	wantCode(t, err, tandem.ENotFound, "BotCommands of an unknown bot")
}

func testHooks(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b := newBot(t, s, alex, "ci")
	c1 := newGroup(t, s, "Builds", 0, userAccount(alex), botAccount(b))
	c2 := newGroup(t, s, "Deploys", 1, userAccount(alex), botAccount(b))
	h1 := &tandem.Hook{BotID: b.ID, ConversationID: c1.ID, TokenHash: "hook-1", CreatedAt: at(0)}
	must(t, s.CreateHook(ctx, h1), "CreateHook")
	checkID(t, h1.ID, "hook")
	h2 := &tandem.Hook{BotID: b.ID, ConversationID: c2.ID, TokenHash: "hook-2", CreatedAt: at(1)}
	must(t, s.CreateHook(ctx, h2), "CreateHook 2")
	wantCode(t, s.CreateHook(ctx, &tandem.Hook{BotID: b.ID, ConversationID: c1.ID, TokenHash: "hook-3"}), tandem.EConflict, "a second hook in a conversation")
	wantCode(t, s.CreateHook(ctx, &tandem.Hook{BotID: b.ID, ConversationID: "no-such-conversation", TokenHash: "hook-4"}), tandem.ENotFound, "CreateHook unknown conversation")
	wantCode(t, s.CreateHook(ctx, &tandem.Hook{BotID: "no-such-bot", ConversationID: c1.ID, TokenHash: "hook-5"}), tandem.ENotFound, "CreateHook unknown bot")
	wantCode(t, s.CreateHook(ctx, &tandem.Hook{BotID: b.ID, ConversationID: c1.ID}), tandem.EInvalid, "CreateHook without a token hash")

	got, err := s.HookByTokenHash(ctx, "hook-1")
	must(t, err, "HookByTokenHash")
	if got.ID != h1.ID || got.BotID != b.ID || got.ConversationID != c1.ID || got.TokenHash != "hook-1" || !sameTime(got.CreatedAt, h1.CreatedAt) {
		t.Errorf("HookByTokenHash = %+v, want %+v", got, h1)
	}
	_, err = s.HookByTokenHash(ctx, "")
	wantCode(t, err, tandem.ENotFound, "HookByTokenHash empty")
	if got, err := s.HookFor(ctx, b.ID, c2.ID); err != nil || got.ID != h2.ID {
		t.Errorf("HookFor = %+v, %v", got, err)
	}
	hs, err := s.HooksForBot(ctx, b.ID)
	must(t, err, "HooksForBot")
	if len(hs) != 2 || hs[0].ID != h1.ID || hs[1].ID != h2.ID {
		t.Errorf("HooksForBot = %v", hs)
	}
	_, err = s.HooksForBot(ctx, "no-such-bot")
	wantCode(t, err, tandem.ENotFound, "HooksForBot unknown")

	// Deleting a hook removes the bot from that conversation only.
	must(t, s.DeleteHook(ctx, h1.ID), "DeleteHook")
	wantCode(t, s.DeleteHook(ctx, h1.ID), tandem.ENotFound, "DeleteHook twice")
	_, err = s.Member(ctx, c1.ID, botAccount(b))
	wantCode(t, err, tandem.ENotFound, "the bot's membership after its hook was deleted")
	if _, err := s.Member(ctx, c2.ID, botAccount(b)); err != nil {
		t.Errorf("the bot left another conversation too: %v", err)
	}
	if _, err := s.Member(ctx, c1.ID, userAccount(alex)); err != nil {
		t.Errorf("deleting a hook removed another member: %v", err)
	}
	// Removing the bot deletes its hook there.
	must(t, s.RemoveMember(ctx, c2.ID, botAccount(b)), "RemoveMember bot")
	_, err = s.HookFor(ctx, b.ID, c2.ID)
	wantCode(t, err, tandem.ENotFound, "HookFor after the bot was removed")
	if hs, err := s.HooksForBot(ctx, b.ID); err != nil || len(hs) != 0 {
		t.Errorf("HooksForBot after both went = %v, %v", hs, err)
	}
}

func testDeleteBot(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b, keep := newBot(t, s, alex, "doomed"), newBot(t, s, alex, "kept")
	c := newGroup(t, s, "Team", 0, userAccount(alex), botAccount(b), botAccount(keep))
	must(t, s.CreateBotCommand(ctx, &tandem.BotCommand{BotID: b.ID, Name: "go"}), "CreateBotCommand")
	must(t, s.CreateHook(ctx, &tandem.Hook{BotID: b.ID, ConversationID: c.ID, TokenHash: "doomed-hook"}), "CreateHook")
	d := newDelivery(b, c, tandem.DeliveryCommand)
	must(t, s.EnqueueDeliveries(ctx, []*tandem.Delivery{d, newDelivery(keep, c, tandem.DeliveryCommand)}), "EnqueueDeliveries")
	site := &tandem.Site{Name: "Shop", TriageBotID: b.ID}
	must(t, s.CreateSite(ctx, site), "CreateSite with a triage bot")

	must(t, s.DeleteBot(ctx, b.ID), "DeleteBot")
	wantCode(t, s.DeleteBot(ctx, b.ID), tandem.ENotFound, "DeleteBot twice")
	_, err := s.BotByID(ctx, b.ID)
	wantCode(t, err, tandem.ENotFound, "BotByID after delete")
	_, err = s.Member(ctx, c.ID, botAccount(b))
	wantCode(t, err, tandem.ENotFound, "the bot's membership after delete")
	_, err = s.HookByTokenHash(ctx, "doomed-hook")
	wantCode(t, err, tandem.ENotFound, "the bot's hook after delete")
	_, err = s.DeliveryByID(ctx, d.ID)
	wantCode(t, err, tandem.ENotFound, "the bot's delivery after delete")
	_, err = s.BotCommands(ctx, b.ID)
	wantCode(t, err, tandem.ENotFound, "the bot's commands after delete")
	if got, err := s.SiteByID(ctx, site.ID); err != nil || got.TriageBotID != "" {
		t.Errorf("the site of a deleted triage bot: %+v, %v; want no triage bot", got, err)
	}
	ms, err := s.Members(ctx, c.ID)
	must(t, err, "Members")
	if len(ms) != 2 || ms[1].Account != botAccount(keep) {
		t.Errorf("members after DeleteBot = %v, want alex and the kept bot", ms)
	}
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{})
	must(t, err, "ListDeliveries")
	if len(ds) != 1 || ds[0].BotID != keep.ID {
		t.Errorf("deliveries after DeleteBot = %v, want the kept bot's", ds)
	}
}

func testTriageBot(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b := newBot(t, s, alex, "triage")
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}, TriageBotID: b.ID}
	must(t, s.CreateSite(ctx, site), "CreateSite")
	got, err := s.SiteByKey(ctx, site.Key)
	must(t, err, "SiteByKey")
	if got.TriageBotID != b.ID {
		t.Errorf("TriageBotID = %q, want %q", got.TriageBotID, b.ID)
	}
	got.TriageBotID = ""
	must(t, s.UpdateSite(ctx, got), "UpdateSite without a triage bot")
	if got, err = s.SiteByID(ctx, site.ID); err != nil || got.TriageBotID != "" {
		t.Errorf("after clearing: %+v, %v", got, err)
	}
	got.TriageBotID = "no-such-bot"
	wantCode(t, s.UpdateSite(ctx, got), tandem.ENotFound, "UpdateSite with an unknown triage bot")
	got.TriageBotID = "bad id!"
	wantCode(t, s.UpdateSite(ctx, got), tandem.EInvalid, "UpdateSite with a bad triage bot id")
	wantCode(t, s.CreateSite(ctx, &tandem.Site{Name: "Blog", TriageBotID: "no-such-bot"}), tandem.ENotFound, "CreateSite with an unknown triage bot")
	if got, err = s.SiteByID(ctx, site.ID); err != nil || got.TriageBotID != "" {
		t.Errorf("refused updates changed the triage bot: %+v, %v", got, err)
	}
	if list, err := s.ListSites(ctx); err != nil || len(list) != 1 {
		t.Errorf("ListSites = %v, %v; want the one site", list, err)
	}
}
