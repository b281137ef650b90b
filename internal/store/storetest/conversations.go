package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Chat is a store with conversations, bots and the outbox.
type Chat interface {
	store.Store
	store.Conversations
	store.Bots
	store.Outbox
}

// RunChat runs the suite of conversations, bots and the outbox. open must
// return a new, empty store for each call; RunChat closes what it opens.
func RunChat(t *testing.T, open func(t *testing.T) Chat) {
	groups := []struct {
		name string
		fn   func(t *testing.T, s Chat)
	}{
		{"Conversations", testConversations},
		{"ConversationValidation", testConversationValidation},
		{"Members", testMembers},
		{"Messages", testMessages},
		{"MessageValidation", testMessageValidation},
		{"ClientID", testClientID},
		{"Attachments", testAttachments},
		{"ReplaceMessage", testReplaceMessage},
		{"ListConversations", testListConversations},
		{"Queue", testQueue},
		{"MarkRead", testMarkRead},
		{"DeleteConversation", testDeleteConversation},
		{"Bots", testBots},
		{"BotValidation", testBotValidation},
		{"BotCommands", testBotCommands},
		{"Hooks", testHooks},
		{"DeleteBot", testDeleteBot},
		{"TriageBot", testTriageBot},
		{"MentionDeliveries", testMentionDeliveries},
		{"Outbox", testOutbox},
		{"OutboxLock", testOutboxLock},
		{"OutboxValidation", testOutboxValidation},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			g.fn(t, s)
		})
	}
}

func userAccount(u *tandem.User) tandem.Account {
	return tandem.Account{Kind: tandem.AccountUser, ID: u.ID}
}
func botAccount(b *tandem.Bot) tandem.Account {
	return tandem.Account{Kind: tandem.AccountBot, ID: b.ID}
}

func newBot(t *testing.T, s Chat, owner *tandem.User, name string) *tandem.Bot {
	t.Helper()
	b := &tandem.Bot{OwnerID: owner.ID, Name: name, URL: "https://" + name + ".example/hook", TokenHash: "hash-" + name, TokenID: "tok-" + name,
		SigningSecret: "whsec_" + name, Scopes: []tandem.Scope{tandem.ScopeMessagesRead, tandem.ScopeMessagesWrite}}
	must(t, s.CreateBot(context.Background(), b), "CreateBot "+name)
	return b
}

// newGroup creates a group of the given accounts, the first its creator.
func newGroup(t *testing.T, s Chat, name string, minutes int, accounts ...tandem.Account) *tandem.Conversation {
	t.Helper()
	c := &tandem.Conversation{Kind: tandem.ConversationGroup, Name: name, CreatedBy: accounts[0], CreatedAt: at(minutes)}
	var ms []*tandem.Member
	for _, a := range accounts {
		m := &tandem.Member{Account: a}
		if a.Kind == tandem.AccountBot {
			m.Granted = []tandem.Scope{tandem.ScopeMessagesWrite}
		}
		ms = append(ms, m)
	}
	must(t, s.CreateConversation(context.Background(), c, ms), "CreateConversation "+name)
	return c
}

// post stores a text message and returns it.
func post(t *testing.T, s Chat, c *tandem.Conversation, author tandem.Account, text string, minutes int) *tandem.Message {
	t.Helper()
	m := &tandem.Message{ConversationID: c.ID, Author: author, Text: text, CreatedAt: at(minutes)}
	created, err := s.PostMessage(context.Background(), &store.NewMessage{Message: m})
	must(t, err, "PostMessage "+text)
	if !created {
		t.Fatalf("PostMessage %q: not created", text)
	}
	return m
}

// newSupport creates a support conversation of site with its person.
func newSupport(t *testing.T, s Chat, site *tandem.Site, minutes int, queued bool) *tandem.Conversation {
	t.Helper()
	c := &tandem.Conversation{Kind: tandem.ConversationSupport, SiteID: site.ID, Queued: queued, CreatedAt: at(minutes)}
	must(t, s.CreateConversation(context.Background(), c, []*tandem.Member{{Account: tandem.Account{Kind: tandem.AccountPerson}}}),
		"CreateConversation support")
	return c
}

func person(c *tandem.Conversation) tandem.Account {
	return tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}
}

func testConversations(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	bot := newBot(t, s, alex, "triage")
	c := &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "  Billing  ", Description: "Invoices", AvatarURL: "https://img.example/b.png",
		CreatedBy: userAccount(alex)}
	members := []*tandem.Member{
		{Account: userAccount(alex)},
		{Account: userAccount(sam), AddedBy: userAccount(alex)},
		{Account: botAccount(bot), AddedBy: userAccount(alex), Granted: []tandem.Scope{tandem.ScopeMessagesWrite, tandem.ScopeMessagesWrite}},
	}
	must(t, s.CreateConversation(ctx, c, members), "CreateConversation")
	checkID(t, c.ID, "conversation")
	if c.Name != "Billing" || c.CreatedAt.IsZero() || !sameTime(c.UpdatedAt, c.CreatedAt) || c.LastSeq != 0 {
		t.Errorf("CreateConversation set %+v", c)
	}
	if members[2].ConversationID != c.ID || members[2].JoinedAt.IsZero() || !slices.Equal(members[2].Granted, []tandem.Scope{tandem.ScopeMessagesWrite}) {
		t.Errorf("CreateConversation set the bot member to %+v", members[2])
	}
	got, err := s.ConversationByID(ctx, c.ID)
	must(t, err, "ConversationByID")
	if got.Kind != tandem.ConversationGroup || got.Name != "Billing" || got.Description != "Invoices" || got.AvatarURL != c.AvatarURL ||
		got.CreatedBy != userAccount(alex) || got.SiteID != "" || got.Queued || !sameTime(got.CreatedAt, c.CreatedAt) || !got.LastMessageAt.IsZero() {
		t.Errorf("ConversationByID = %+v, want %+v", got, c)
	}
	ms, err := s.Members(ctx, c.ID)
	must(t, err, "Members")
	if len(ms) != 3 || ms[0].Account != userAccount(alex) || ms[1].Account != userAccount(sam) || ms[2].Account != botAccount(bot) {
		t.Fatalf("Members = %v, want alex, sam, the bot in joining order", ms)
	}
	if ms[1].AddedBy != userAccount(alex) || !ms[0].AddedBy.IsZero() || !slices.Equal(ms[2].Granted, []tandem.Scope{tandem.ScopeMessagesWrite}) || ms[0].Granted != nil {
		t.Errorf("Members read back %+v %+v %+v", ms[0], ms[1], ms[2])
	}

	got.Name, got.Description, got.AvatarURL = "Billing EU", "", ""
	must(t, s.UpdateConversation(ctx, got), "UpdateConversation")
	again, err := s.ConversationByID(ctx, c.ID)
	must(t, err, "ConversationByID")
	if again.Name != "Billing EU" || again.Description != "" || again.AvatarURL != "" || again.UpdatedAt.Before(c.UpdatedAt) || !sameTime(again.UpdatedAt, got.UpdatedAt) {
		t.Errorf("after UpdateConversation: %+v", again)
	}
	// The kind and site are not UpdateConversation's to change.
	again.Kind, again.SiteID, again.Name = tandem.ConversationSupport, "some-site", "Still a group"
	must(t, s.UpdateConversation(ctx, again), "UpdateConversation with another kind")
	if again, err = s.ConversationByID(ctx, c.ID); err != nil || again.Kind != tandem.ConversationGroup || again.SiteID != "" || again.Name != "Still a group" {
		t.Errorf("UpdateConversation changed the kind or site: %+v, %v", again, err)
	}
	again.Name = ""
	wantCode(t, s.UpdateConversation(ctx, again), tandem.EInvalid, "UpdateConversation of a group without a name")
	wantCode(t, s.UpdateConversation(ctx, &tandem.Conversation{ID: "no-such-conversation", Kind: tandem.ConversationGroup, Name: "x"}),
		tandem.ENotFound, "UpdateConversation unknown")
	_, err = s.ConversationByID(ctx, "no-such-conversation")
	wantCode(t, err, tandem.ENotFound, "ConversationByID unknown")

	// A support conversation: its person is person:<its id>, set when
	// left empty; its assist finds it.
	site := newSite(t, s, "Shop")
	sup := newSupport(t, s, site, 0, true)
	if m, err := s.Member(ctx, sup.ID, person(sup)); err != nil || m.Account.ID != sup.ID {
		t.Errorf("the person of a support conversation = %+v, %v; want person:%s", m, err, sup.ID)
	}
	a := newAssist(t, s, site.ID, at(1))
	sup.AssistID, sup.Summary = a.ID, "Wants a refund"
	must(t, s.UpdateConversation(ctx, sup), "UpdateConversation assist")
	byAssist, err := s.ConversationForAssist(ctx, a.ID)
	must(t, err, "ConversationForAssist")
	if byAssist.ID != sup.ID || byAssist.SiteID != site.ID || !byAssist.Queued || byAssist.Summary != "Wants a refund" {
		t.Errorf("ConversationForAssist = %+v, want %+v", byAssist, sup)
	}
	_, err = s.ConversationForAssist(ctx, "no-such-assist")
	wantCode(t, err, tandem.ENotFound, "ConversationForAssist unknown")
	_, err = s.ConversationForAssist(ctx, "")
	wantCode(t, err, tandem.ENotFound, "ConversationForAssist empty")

	direct := &tandem.Conversation{Kind: tandem.ConversationDirect, CreatedBy: userAccount(alex)}
	must(t, s.CreateConversation(ctx, direct, []*tandem.Member{{Account: userAccount(alex)}, {Account: userAccount(sam)}}), "CreateConversation direct")
	wantCode(t, s.AddMember(ctx, &tandem.Member{ConversationID: direct.ID, Account: botAccount(bot), Granted: []tandem.Scope{tandem.ScopeMessagesRead}}),
		tandem.EInvalid, "AddMember to a direct conversation")

	// Deleting a site deletes its support conversations.
	must(t, s.DeleteSite(ctx, site.ID), "DeleteSite")
	_, err = s.ConversationByID(ctx, sup.ID)
	wantCode(t, err, tandem.ENotFound, "a support conversation after its site was deleted")
}

func testConversationValidation(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	site := newSite(t, s, "Shop")
	users := func() []*tandem.Member {
		return []*tandem.Member{{Account: userAccount(alex)}, {Account: userAccount(sam)}}
	}
	long := strings.Repeat("x", store.MaxConversationName+1)
	tests := []struct {
		name    string
		c       tandem.Conversation
		members []*tandem.Member
		code    string
	}{
		{"no kind", tandem.Conversation{Name: "x"}, users(), tandem.EInvalid},
		{"unknown kind", tandem.Conversation{Kind: "channel", Name: "x"}, users(), tandem.EInvalid},
		{"group without a name", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "  "}, users(), tandem.EInvalid},
		{"long name", tandem.Conversation{Kind: tandem.ConversationGroup, Name: long}, users(), tandem.EInvalid},
		{"long description", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x", Description: strings.Repeat("d", store.MaxDescription+1)}, users(), tandem.EInvalid},
		{"javascript avatar", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x", AvatarURL: "javascript:alert(1)"}, users(), tandem.EInvalid},
		{"invalid UTF-8 name", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "\xff"}, users(), tandem.EInvalid},
		{"group with a site", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x", SiteID: site.ID}, users(), tandem.EInvalid},
		{"queued group", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x", Queued: true}, users(), tandem.EInvalid},
		{"support without a site", tandem.Conversation{Kind: tandem.ConversationSupport}, nil, tandem.EInvalid},
		{"support of an unknown site", tandem.Conversation{Kind: tandem.ConversationSupport, SiteID: "no-such-site"}, nil, tandem.ENotFound},
		{"direct of one", tandem.Conversation{Kind: tandem.ConversationDirect}, users()[:1], tandem.EInvalid},
		{"direct of three", tandem.Conversation{Kind: tandem.ConversationDirect},
			append(users(), &tandem.Member{Account: tandem.Account{Kind: tandem.AccountUser, ID: "third"}}), tandem.EInvalid},
		{"member twice", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"}, append(users(), &tandem.Member{Account: userAccount(alex)}), tandem.EInvalid},
		{"unknown user", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"},
			append(users(), &tandem.Member{Account: tandem.Account{Kind: tandem.AccountUser, ID: "nobody"}}), tandem.ENotFound},
		{"unknown bot", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"},
			append(users(), &tandem.Member{Account: tandem.Account{Kind: tandem.AccountBot, ID: "nobot"}}), tandem.ENotFound},
		{"person in a group", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"},
			append(users(), &tandem.Member{Account: tandem.Account{Kind: tandem.AccountPerson, ID: "someone"}}), tandem.EInvalid},
		{"another's person", tandem.Conversation{Kind: tandem.ConversationSupport, SiteID: site.ID},
			[]*tandem.Member{{Account: tandem.Account{Kind: tandem.AccountPerson, ID: "other-conversation"}}}, tandem.EInvalid},
		{"scopes granted to a user", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"},
			[]*tandem.Member{{Account: userAccount(alex), Granted: []tandem.Scope{tandem.ScopeMessagesRead}}}, tandem.EInvalid},
		{"bad account kind", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"},
			[]*tandem.Member{{Account: tandem.Account{Kind: "admin", ID: alex.ID}}}, tandem.EInvalid},
		{"account id with a quote", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"},
			[]*tandem.Member{{Account: tandem.Account{Kind: tandem.AccountUser, ID: "x' OR '1'='1"}}}, tandem.EInvalid},
		{"nil member", tandem.Conversation{Kind: tandem.ConversationGroup, Name: "x"}, []*tandem.Member{nil}, tandem.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			wantCode(t, s.CreateConversation(ctx, &c, tt.members), tt.code, "CreateConversation")
		})
	}
	for _, a := range []tandem.Account{userAccount(alex), userAccount(sam)} {
		list, err := s.ListConversations(ctx, store.ConversationFilter{Member: a})
		must(t, err, "ListConversations")
		if len(list) != 0 {
			t.Errorf("refused conversations were written: %s is in %d", a, len(list))
		}
	}
	list, err := s.ListConversations(ctx, store.ConversationFilter{SiteIDs: []string{site.ID}})
	must(t, err, "ListConversations of a site")
	if len(list) != 0 {
		t.Errorf("refused support conversations were written: %d", len(list))
	}
	for _, f := range []store.ConversationFilter{
		{},
		{Member: userAccount(alex), Limit: store.MaxConversationLimit + 1},
		{Member: userAccount(alex), Limit: -1},
		{Member: userAccount(alex), After: "not a cursor"},
		{SiteIDs: []string{""}},
		{Member: tandem.Account{Kind: "robot", ID: "x"}},
	} {
		_, err := s.ListConversations(ctx, f)
		wantCode(t, err, tandem.EInvalid, fmt.Sprintf("ListConversations(%+v)", f))
	}
}

func testMembers(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam, kim := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com"), newUser(t, s, "kim@example.com")
	bot := newBot(t, s, alex, "helper")
	c := newGroup(t, s, "Team", 0, userAccount(alex))

	m := &tandem.Member{ConversationID: c.ID, Account: userAccount(sam), AddedBy: userAccount(alex)}
	must(t, s.AddMember(ctx, m), "AddMember")
	if m.JoinedAt.IsZero() {
		t.Error("AddMember left JoinedAt zero")
	}
	wantCode(t, s.AddMember(ctx, &tandem.Member{ConversationID: c.ID, Account: userAccount(sam)}), tandem.EConflict, "AddMember twice")
	wantCode(t, s.AddMember(ctx, &tandem.Member{ConversationID: "no-such-conversation", Account: userAccount(kim)}), tandem.ENotFound, "AddMember to an unknown conversation")
	wantCode(t, s.AddMember(ctx, &tandem.Member{ConversationID: c.ID, Account: tandem.Account{Kind: tandem.AccountUser, ID: "nobody"}}), tandem.ENotFound, "AddMember of an unknown user")
	wantCode(t, s.AddMember(ctx, &tandem.Member{ConversationID: c.ID, Account: botAccount(bot), Granted: []tandem.Scope{"messages:delete"}}), tandem.EInvalid, "AddMember with an unknown scope")
	wantCode(t, s.AddMember(ctx, &tandem.Member{ConversationID: c.ID, Account: tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}}), tandem.EInvalid, "AddMember of a person to a group")
	must(t, s.AddMember(ctx, &tandem.Member{ConversationID: c.ID, Account: botAccount(bot), AddedBy: userAccount(sam),
		Granted: []tandem.Scope{tandem.ScopeMessagesRead, tandem.ScopeConversationsWrite}}), "AddMember bot")

	got, err := s.Member(ctx, c.ID, botAccount(bot))
	must(t, err, "Member")
	if got.AddedBy != userAccount(sam) || !slices.Equal(got.Granted, []tandem.Scope{tandem.ScopeMessagesRead, tandem.ScopeConversationsWrite}) || got.LastRead != 0 {
		t.Errorf("Member = %+v", got)
	}
	_, err = s.Member(ctx, c.ID, userAccount(kim))
	wantCode(t, err, tandem.ENotFound, "Member of a non-member")
	_, err = s.Members(ctx, "no-such-conversation")
	wantCode(t, err, tandem.ENotFound, "Members of an unknown conversation")

	must(t, s.RemoveMember(ctx, c.ID, userAccount(sam)), "RemoveMember")
	wantCode(t, s.RemoveMember(ctx, c.ID, userAccount(sam)), tandem.ENotFound, "RemoveMember twice")
	ms, err := s.Members(ctx, c.ID)
	must(t, err, "Members")
	if len(ms) != 2 || ms[0].Account != userAccount(alex) || ms[1].Account != botAccount(bot) {
		t.Errorf("Members after RemoveMember = %v", ms)
	}
	// A member removed and added again is a member anew.
	must(t, s.AddMember(ctx, &tandem.Member{ConversationID: c.ID, Account: userAccount(sam)}), "AddMember again")
}

func testMessages(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam, kim := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com"), newUser(t, s, "kim@example.com")
	c := newGroup(t, s, "Team", 0, userAccount(alex), userAccount(sam))
	other := newGroup(t, s, "Other", 0, userAccount(alex))

	var posted []*tandem.Message
	for i := range 7 {
		author := userAccount(alex)
		if i%2 == 1 {
			author = userAccount(sam)
		}
		posted = append(posted, post(t, s, c, author, fmt.Sprintf("message %d", i+1), i+1))
	}
	post(t, s, other, userAccount(alex), "elsewhere", 1)
	for i, m := range posted {
		checkID(t, m.ID, "message")
		if m.Seq != int64(i+1) {
			t.Errorf("message %d has seq %d", i+1, m.Seq)
		}
	}
	got, err := s.ConversationByID(ctx, c.ID)
	must(t, err, "ConversationByID")
	if got.LastSeq != 7 || !sameTime(got.LastMessageAt, at(7)) {
		t.Errorf("after 7 messages: LastSeq %d LastMessageAt %v, want 7 at %v", got.LastSeq, got.LastMessageAt, at(7))
	}

	m, err := s.MessageByID(ctx, posted[2].ID)
	must(t, err, "MessageByID")
	if m.Text != "message 3" || m.Seq != 3 || m.Author != userAccount(alex) || m.ConversationID != c.ID || !sameTime(m.CreatedAt, at(3)) || !m.EditedAt.IsZero() {
		t.Errorf("MessageByID = %+v", m)
	}
	_, err = s.MessageByID(ctx, "no-such-message")
	wantCode(t, err, tandem.ENotFound, "MessageByID unknown")

	seqs := func(ms []*tandem.Message) []int64 {
		var out []int64
		for _, m := range ms {
			out = append(out, m.Seq)
		}
		return out
	}
	for _, tt := range []struct {
		f    store.MessageFilter
		want []int64
	}{
		{store.MessageFilter{}, []int64{7, 6, 5, 4, 3, 2, 1}},
		{store.MessageFilter{Limit: 3}, []int64{7, 6, 5}},
		{store.MessageFilter{Before: 5, Limit: 3}, []int64{4, 3, 2}},
		{store.MessageFilter{Before: 2}, []int64{1}},
		{store.MessageFilter{Before: 1}, nil},
		{store.MessageFilter{After: 5}, []int64{6, 7}},
		{store.MessageFilter{After: 0, Limit: 2}, []int64{7, 6}},
		{store.MessageFilter{After: 2, Limit: 2}, []int64{3, 4}},
		{store.MessageFilter{After: 7}, nil},
	} {
		ms, err := s.Messages(ctx, c.ID, tt.f)
		must(t, err, "Messages")
		if !slices.Equal(seqs(ms), tt.want) {
			t.Errorf("Messages(%+v) = %v, want %v", tt.f, seqs(ms), tt.want)
		}
	}
	for _, f := range []store.MessageFilter{{Before: 3, After: 1}, {Before: -1}, {Limit: store.MaxMessageLimit + 1}} {
		_, err := s.Messages(ctx, c.ID, f)
		wantCode(t, err, tandem.EInvalid, fmt.Sprintf("Messages(%+v)", f))
	}
	_, err = s.Messages(ctx, "no-such-conversation", store.MessageFilter{})
	wantCode(t, err, tandem.ENotFound, "Messages of an unknown conversation")

	// A non-member cannot post; nothing is written.
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(kim), Text: "let me in"}})
	wantCode(t, err, tandem.EForbidden, "PostMessage by a non-member")
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: "no-such-conversation", Author: userAccount(alex), Text: "hello"}})
	wantCode(t, err, tandem.ENotFound, "PostMessage to an unknown conversation")
	if got, err := s.ConversationByID(ctx, c.ID); err != nil || got.LastSeq != 7 {
		t.Errorf("refused posts moved LastSeq to %d (%v)", got.LastSeq, err)
	}

	// Mentions and blocks round-trip; the next message takes the next seq.
	rich := &tandem.Message{ConversationID: c.ID, Author: userAccount(sam), Text: "@alex look", Mentions: []tandem.Account{userAccount(alex)},
		Blocks: []tandem.Block{
			{Kind: tandem.BlockHeader, Text: "Order 42"},
			{Kind: tandem.BlockSection, Text: "*Paid*", Fields: []string{"a", "b"}},
			{Kind: tandem.BlockImage, ImageURL: "https://img.example/x.png", AltText: "x"},
			{Kind: tandem.BlockActions, Buttons: []tandem.Button{
				{ID: "b1", Kind: tandem.ButtonLink, Label: "Open", URL: "https://shop.example/o/42"},
				{ID: "b2", Kind: tandem.ButtonCallback, Label: "Refund", ActionID: "refund", Value: "42", Style: "danger"},
			}},
		}}
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: rich})
	must(t, err, "PostMessage rich")
	back, err := s.MessageByID(ctx, rich.ID)
	must(t, err, "MessageByID rich")
	if back.Seq != 8 || !slices.Equal(back.Mentions, rich.Mentions) || fmt.Sprint(back.Blocks) != fmt.Sprint(rich.Blocks) {
		t.Errorf("rich message read back as %+v, want %+v", back, rich)
	}
}

func testMessageValidation(t *testing.T, s Chat) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	c := newGroup(t, s, "Team", 0, userAccount(alex))
	base := func() tandem.Message {
		return tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "hello"}
	}
	with := func(f func(m *tandem.Message)) tandem.Message { m := base(); f(&m); return m }
	blocks := func(n int) []tandem.Block {
		out := make([]tandem.Block, n)
		for i := range out {
			out[i] = tandem.Block{Kind: tandem.BlockDivider}
		}
		return out
	}
	tests := []struct {
		name string
		m    tandem.Message
	}{
		{"empty", with(func(m *tandem.Message) { m.Text = "  " })},
		{"text too long", with(func(m *tandem.Message) { m.Text = strings.Repeat("a", store.MaxMessageText+1) })},
		{"text not UTF-8", with(func(m *tandem.Message) { m.Text = "bad \xff" })},
		{"no author", with(func(m *tandem.Message) { m.Author = tandem.Account{} })},
		{"no conversation", with(func(m *tandem.Message) { m.ConversationID = "" })},
		{"too many blocks", with(func(m *tandem.Message) { m.Blocks = blocks(store.MaxMessageBlocks + 1) })},
		{"unknown block", with(func(m *tandem.Message) { m.Blocks = []tandem.Block{{Kind: "iframe"}} })},
		{"http image", with(func(m *tandem.Message) {
			m.Blocks = []tandem.Block{{Kind: tandem.BlockImage, ImageURL: "http://img.example/x.png"}}
		})},
		{"buttons outside actions", with(func(m *tandem.Message) {
			m.Blocks = []tandem.Block{{Kind: tandem.BlockSection, Text: "x", Buttons: []tandem.Button{{ID: "b", Kind: tandem.ButtonCallback}}}}
		})},
		{"button ids twice", with(func(m *tandem.Message) {
			m.Blocks = []tandem.Block{{Kind: tandem.BlockActions, Buttons: []tandem.Button{{ID: "b", Kind: tandem.ButtonCallback}}},
				{Kind: tandem.BlockActions, Buttons: []tandem.Button{{ID: "b", Kind: tandem.ButtonCallback}}}}
		})},
		{"button without id", with(func(m *tandem.Message) {
			m.Blocks = []tandem.Block{{Kind: tandem.BlockActions, Buttons: []tandem.Button{{Kind: tandem.ButtonCallback}}}}
		})},
		{"javascript link", with(func(m *tandem.Message) {
			m.Blocks = []tandem.Block{{Kind: tandem.BlockActions, Buttons: []tandem.Button{{ID: "b", Kind: tandem.ButtonLink, URL: "javascript:alert(1)"}}}}
		})},
		{"unknown button kind", with(func(m *tandem.Message) {
			m.Blocks = []tandem.Block{{Kind: tandem.BlockActions, Buttons: []tandem.Button{{ID: "b", Kind: "submit"}}}}
		})},
		{"too many attachments", with(func(m *tandem.Message) {
			for i := range store.MaxAttachments + 1 {
				m.Attachments = append(m.Attachments, tandem.Attachment{ID: fmt.Sprintf("att-%d", i)})
			}
		})},
		{"unknown attachment", with(func(m *tandem.Message) { m.Attachments = []tandem.Attachment{{ID: "no-such-attachment"}} })},
		{"client id too long", with(func(m *tandem.Message) { m.ClientID = strings.Repeat("c", store.MaxClientID+1) })},
		{"client id with a space", with(func(m *tandem.Message) { m.ClientID = "a b" })},
		{"bad mention", with(func(m *tandem.Message) { m.Mentions = []tandem.Account{{Kind: "group", ID: "all"}} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			created, err := s.PostMessage(ctx, &store.NewMessage{Message: &m})
			wantCode(t, err, tandem.EInvalid, "PostMessage")
			if created {
				t.Error("PostMessage reported a refused message created")
			}
		})
	}
	_, err := s.PostMessage(ctx, nil)
	wantCode(t, err, tandem.EInvalid, "PostMessage(nil)")
	_, err = s.PostMessage(ctx, &store.NewMessage{})
	wantCode(t, err, tandem.EInvalid, "PostMessage without a message")
	got, err := s.ConversationByID(ctx, c.ID)
	must(t, err, "ConversationByID")
	ms, err := s.Messages(ctx, c.ID, store.MessageFilter{})
	must(t, err, "Messages")
	if got.LastSeq != 0 || len(ms) != 0 {
		t.Errorf("refused messages were written: LastSeq %d, %d messages", got.LastSeq, len(ms))
	}
}

func testClientID(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	c := newGroup(t, s, "Team", 0, userAccount(alex), userAccount(sam))
	first := &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "once", ClientID: "tab-1:42"}
	created, err := s.PostMessage(ctx, &store.NewMessage{Message: first})
	must(t, err, "PostMessage")
	if !created {
		t.Fatal("the first post of a client id was not created")
	}
	repeat := &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "once again", ClientID: "tab-1:42"}}
	created, err = s.PostMessage(ctx, repeat)
	must(t, err, "PostMessage repeat")
	if created || repeat.Message.ID != first.ID || repeat.Message.Text != "once" || repeat.Message.Seq != 1 {
		t.Errorf("a repeated client id gave created=%v and %+v, want the stored first message", created, repeat.Message)
	}
	// The same client id of another author is another message.
	other := &tandem.Message{ConversationID: c.ID, Author: userAccount(sam), Text: "mine", ClientID: "tab-1:42"}
	created, err = s.PostMessage(ctx, &store.NewMessage{Message: other})
	must(t, err, "PostMessage by another author")
	if !created || other.Seq != 2 {
		t.Errorf("another author's message with the same client id: created=%v seq %d", created, other.Seq)
	}
	if got, err := s.ConversationByID(ctx, c.ID); err != nil || got.LastSeq != 2 {
		t.Errorf("after a repeated client id, LastSeq = %d (%v), want 2: no gap", got.LastSeq, err)
	}
}

func testAttachments(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	c := newGroup(t, s, "Team", 0, userAccount(alex), userAccount(sam))
	other := newGroup(t, s, "Other", 0, userAccount(alex))
	upload := func(conv *tandem.Conversation, by tandem.Account, name string) *tandem.Attachment {
		a := &tandem.Attachment{Name: name, ContentType: "image/png", Size: 1234, BlobKey: "conversations/" + conv.ID + "/" + name, Width: 64, Height: 32}
		must(t, s.CreateAttachment(ctx, conv.ID, by, a), "CreateAttachment "+name)
		return a
	}
	shot := upload(c, userAccount(alex), "shot.png")
	checkID(t, shot.ID, "attachment")
	got, conv, by, msg, err := s.AttachmentByID(ctx, shot.ID)
	must(t, err, "AttachmentByID")
	if *got != *shot || conv != c.ID || by != userAccount(alex) || msg != "" {
		t.Errorf("AttachmentByID = %+v %s %s %q", got, conv, by, msg)
	}
	wantCode(t, s.CreateAttachment(ctx, c.ID, tandem.Account{Kind: tandem.AccountUser, ID: "stranger"}, &tandem.Attachment{Name: "x", ContentType: "text/plain", BlobKey: "k"}),
		tandem.EForbidden, "CreateAttachment by a non-member")
	wantCode(t, s.CreateAttachment(ctx, "no-such-conversation", userAccount(alex), &tandem.Attachment{Name: "x", ContentType: "text/plain", BlobKey: "k"}),
		tandem.ENotFound, "CreateAttachment to an unknown conversation")
	wantCode(t, s.CreateAttachment(ctx, c.ID, userAccount(alex), &tandem.Attachment{Name: "", ContentType: "text/plain", BlobKey: "k"}),
		tandem.EInvalid, "CreateAttachment without a name")
	_, _, _, _, err = s.AttachmentByID(ctx, "no-such-attachment")
	wantCode(t, err, tandem.ENotFound, "AttachmentByID unknown")

	samsFile := upload(c, userAccount(sam), "sam.txt")
	elsewhere := upload(other, userAccount(alex), "other.png")
	for _, tt := range []struct {
		name string
		a    *tandem.Attachment
	}{
		{"another uploader's file", samsFile},
		{"another conversation's file", elsewhere},
	} {
		_, err := s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex),
			Attachments: []tandem.Attachment{{ID: shot.ID}, {ID: tt.a.ID}}}})
		wantCode(t, err, tandem.EInvalid, "PostMessage with "+tt.name)
	}
	if _, _, _, msg, err := s.AttachmentByID(ctx, shot.ID); err != nil || msg != "" {
		t.Errorf("a refused message marked its attachment: %q, %v", msg, err)
	}

	// The message carries what was stored at upload, not what the poster claims.
	m := &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Attachments: []tandem.Attachment{{ID: shot.ID, BlobKey: "someone-elses-blob", Size: 1}}}
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: m})
	must(t, err, "PostMessage with an attachment")
	if len(m.Attachments) != 1 || m.Attachments[0] != *shot {
		t.Errorf("the posted message carries %+v, want the stored %+v", m.Attachments, shot)
	}
	back, err := s.MessageByID(ctx, m.ID)
	must(t, err, "MessageByID")
	if len(back.Attachments) != 1 || back.Attachments[0] != *shot {
		t.Errorf("the message read back carries %+v, want %+v", back.Attachments, shot)
	}
	if _, _, _, msg, err := s.AttachmentByID(ctx, shot.ID); err != nil || msg != m.ID {
		t.Errorf("AttachmentByID after the post: message %q, %v; want %s", msg, err, m.ID)
	}
	_, err = s.PostMessage(ctx, &store.NewMessage{Message: &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "again",
		Attachments: []tandem.Attachment{{ID: shot.ID}}}})
	wantCode(t, err, tandem.EInvalid, "PostMessage with an attachment another message carries")
}

func testReplaceMessage(t *testing.T, s Chat) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	bot := newBot(t, s, alex, "ticketer")
	c := newGroup(t, s, "Team", 0, userAccount(alex), botAccount(bot))
	mine := post(t, s, c, botAccount(bot), "Ticket?", 1)
	theirs := post(t, s, c, userAccount(alex), "my words", 2)

	theirsEdit := *theirs
	theirsEdit.Author, theirsEdit.Text = botAccount(bot), "words put in alex's mouth"
	wantCode(t, s.ReplaceMessage(ctx, &theirsEdit), tandem.EForbidden, "ReplaceMessage of another's message")
	if got, err := s.MessageByID(ctx, theirs.ID); err != nil || got.Text != "my words" || !got.EditedAt.IsZero() {
		t.Errorf("a refused replace changed the message: %+v, %v", got, err)
	}
	wantCode(t, s.ReplaceMessage(ctx, &tandem.Message{ID: "no-such-message", Author: botAccount(bot), Text: "x"}), tandem.ENotFound, "ReplaceMessage unknown")

	a := &tandem.Attachment{Name: "t.pdf", ContentType: "application/pdf", Size: 9, BlobKey: "k/t.pdf"}
	must(t, s.CreateAttachment(ctx, c.ID, botAccount(bot), a), "CreateAttachment")
	edit := &tandem.Message{ID: mine.ID, Author: botAccount(bot), Text: "Ticket #7 opened",
		Blocks:      []tandem.Block{{Kind: tandem.BlockContext, Fields: []string{"by ticketer"}}},
		Attachments: []tandem.Attachment{{ID: a.ID}}}
	must(t, s.ReplaceMessage(ctx, edit), "ReplaceMessage")
	if edit.EditedAt.IsZero() || edit.ConversationID != c.ID {
		t.Errorf("ReplaceMessage set %+v", edit)
	}
	got, err := s.MessageByID(ctx, mine.ID)
	must(t, err, "MessageByID")
	if got.Text != "Ticket #7 opened" || len(got.Blocks) != 1 || len(got.Attachments) != 1 || got.Attachments[0] != *a ||
		got.Seq != mine.Seq || !sameTime(got.CreatedAt, mine.CreatedAt) || !sameTime(got.EditedAt, edit.EditedAt) {
		t.Errorf("replaced message = %+v", got)
	}
	// Replacing again may keep the attachment it carries.
	edit.Text = "Ticket #7 closed"
	must(t, s.ReplaceMessage(ctx, edit), "ReplaceMessage again")
	bad := *edit
	bad.Text = strings.Repeat("x", store.MaxMessageText+1)
	wantCode(t, s.ReplaceMessage(ctx, &bad), tandem.EInvalid, "ReplaceMessage with too long a text")
	if got, err := s.MessageByID(ctx, mine.ID); err != nil || got.Text != "Ticket #7 closed" {
		t.Errorf("after a refused replace: %+v, %v", got, err)
	}
}

func testListConversations(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam, kim := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com"), newUser(t, s, "kim@example.com")
	// Five groups made at minutes 0..4; messages make older ones newer.
	var cs []*tandem.Conversation
	for i := range 5 {
		cs = append(cs, newGroup(t, s, fmt.Sprintf("g%d", i), i, userAccount(alex), userAccount(sam)))
	}
	newGroup(t, s, "kim's", 100, userAccount(kim))
	post(t, s, cs[1], userAccount(sam), "one", 10)
	post(t, s, cs[1], userAccount(sam), "two", 11)
	last := post(t, s, cs[1], userAccount(alex), "three", 12)
	post(t, s, cs[3], userAccount(sam), "hey", 20)
	must(t, s.MarkRead(ctx, cs[1].ID, userAccount(alex), 1), "MarkRead")

	list, err := s.ListConversations(ctx, store.ConversationFilter{Member: userAccount(alex)})
	must(t, err, "ListConversations")
	var order []string
	for _, sum := range list {
		order = append(order, sum.Conversation.Name)
	}
	if want := []string{"g3", "g1", "g4", "g2", "g0"}; !slices.Equal(order, want) {
		t.Fatalf("ListConversations order = %v, want %v (newest activity first)", order, want)
	}
	g1 := list[1]
	if g1.Unread != 2 || g1.Last == nil || g1.Last.ID != last.ID || g1.Last.Text != "three" || g1.Conversation.LastSeq != 3 {
		t.Errorf("g1's summary: unread %d, last %+v", g1.Unread, g1.Last)
	}
	if list[0].Unread != 1 || list[2].Unread != 0 || list[2].Last != nil {
		t.Errorf("g3 unread %d; g4 unread %d last %+v", list[0].Unread, list[2].Unread, list[2].Last)
	}
	// Paging: each conversation once, in the same order.
	var paged []string
	after := ""
	for range 10 {
		page, err := s.ListConversations(ctx, store.ConversationFilter{Member: userAccount(alex), After: after, Limit: 2})
		must(t, err, "ListConversations page")
		if len(page) == 0 {
			break
		}
		for _, sum := range page {
			paged = append(paged, sum.Conversation.Name)
		}
		after = page[len(page)-1].Cursor
	}
	if !slices.Equal(paged, order) {
		t.Errorf("paged listing = %v, want %v", paged, order)
	}
	// Nobody lists what they are not in.
	list, err = s.ListConversations(ctx, store.ConversationFilter{Member: userAccount(kim)})
	must(t, err, "ListConversations kim")
	if len(list) != 1 || list[0].Conversation.Name != "kim's" {
		t.Errorf("kim lists %d conversations, want only kim's", len(list))
	}
	list, err = s.ListConversations(ctx, store.ConversationFilter{Member: tandem.Account{Kind: tandem.AccountUser, ID: "stranger"}})
	must(t, err, "ListConversations stranger")
	if len(list) != 0 {
		t.Errorf("a stranger lists %d conversations", len(list))
	}
}

func testQueue(t *testing.T, s Chat) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	shop, blog, other := newSite(t, s, "Shop"), newSite(t, s, "Blog"), newSite(t, s, "Other")
	q1 := newSupport(t, s, shop, 1, true)
	q2 := newSupport(t, s, blog, 2, true)
	newSupport(t, s, shop, 3, false) // a triage bot has it
	newSupport(t, s, other, 4, true)
	post(t, s, q1, person(q1), "anyone there?", 5)

	list, err := s.ListConversations(ctx, store.ConversationFilter{Queued: true, SiteIDs: []string{shop.ID, blog.ID}, Member: userAccount(alex)})
	must(t, err, "ListConversations queue")
	if len(list) != 2 || list[0].Conversation.ID != q1.ID || list[1].Conversation.ID != q2.ID {
		t.Fatalf("queue = %v, want q1 (newest activity) then q2", list)
	}
	if list[0].Unread != 0 || list[0].Last == nil || list[0].Last.Text != "anyone there?" {
		t.Errorf("queued q1 for a non-member: unread %d, last %+v", list[0].Unread, list[0].Last)
	}
	// Taking it: the agent joins, it leaves the queue, its unread counts.
	must(t, s.AddMember(ctx, &tandem.Member{ConversationID: q1.ID, Account: userAccount(alex)}), "AddMember take")
	q1.Queued = false
	must(t, s.UpdateConversation(ctx, q1), "UpdateConversation take")
	list, err = s.ListConversations(ctx, store.ConversationFilter{Queued: true, SiteIDs: []string{shop.ID, blog.ID}})
	must(t, err, "ListConversations queue")
	if len(list) != 1 || list[0].Conversation.ID != q2.ID {
		t.Errorf("queue after taking q1 = %v, want q2", list)
	}
	list, err = s.ListConversations(ctx, store.ConversationFilter{Member: userAccount(alex)})
	must(t, err, "ListConversations alex")
	if len(list) != 1 || list[0].Conversation.ID != q1.ID || list[0].Unread != 1 {
		t.Errorf("alex's conversations after taking q1 = %+v", list)
	}
}

func testMarkRead(t *testing.T, s Chat) {
	ctx := context.Background()
	alex, sam := newUser(t, s, "alex@example.com"), newUser(t, s, "sam@example.com")
	c := newGroup(t, s, "Team", 0, userAccount(alex), userAccount(sam))
	for i := range 5 {
		post(t, s, c, userAccount(sam), fmt.Sprintf("m%d", i), i+1)
	}
	lastRead := func() int64 {
		m, err := s.Member(ctx, c.ID, userAccount(alex))
		must(t, err, "Member")
		return m.LastRead
	}
	for _, tt := range []struct {
		seq, want int64
	}{{3, 3}, {2, 3}, {0, 3}, {5, 5}, {99, 5}} {
		must(t, s.MarkRead(ctx, c.ID, userAccount(alex), tt.seq), "MarkRead")
		if got := lastRead(); got != tt.want {
			t.Errorf("MarkRead(%d): LastRead %d, want %d (never back, never past LastSeq)", tt.seq, got, tt.want)
		}
	}
	wantCode(t, s.MarkRead(ctx, c.ID, userAccount(alex), -1), tandem.EInvalid, "MarkRead negative")
	wantCode(t, s.MarkRead(ctx, c.ID, tandem.Account{Kind: tandem.AccountUser, ID: "stranger"}, 1), tandem.ENotFound, "MarkRead by a non-member")
	wantCode(t, s.MarkRead(ctx, "no-such-conversation", userAccount(alex), 1), tandem.ENotFound, "MarkRead in an unknown conversation")
}

func testDeleteConversation(t *testing.T, s Chat) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	bot := newBot(t, s, alex, "echo")
	c := newGroup(t, s, "Doomed", 0, userAccount(alex), botAccount(bot))
	keep := newGroup(t, s, "Kept", 0, userAccount(alex), botAccount(bot))
	a := &tandem.Attachment{Name: "f.txt", ContentType: "text/plain", Size: 1, BlobKey: "k"}
	must(t, s.CreateAttachment(ctx, c.ID, userAccount(alex), a), "CreateAttachment")
	m := &tandem.Message{ConversationID: c.ID, Author: userAccount(alex), Text: "@echo hi", Mentions: []tandem.Account{botAccount(bot)}}
	d := newDelivery(bot, c, tandem.DeliveryMention)
	_, err := s.PostMessage(ctx, &store.NewMessage{Message: m, Deliveries: []*tandem.Delivery{d}})
	must(t, err, "PostMessage")
	hook := &tandem.Hook{BotID: bot.ID, ConversationID: c.ID, TokenHash: "hook-hash"}
	must(t, s.CreateHook(ctx, hook), "CreateHook")
	kept := &tandem.Hook{BotID: bot.ID, ConversationID: keep.ID, TokenHash: "kept-hash"}
	must(t, s.CreateHook(ctx, kept), "CreateHook kept")

	must(t, s.DeleteConversation(ctx, c.ID), "DeleteConversation")
	wantCode(t, s.DeleteConversation(ctx, c.ID), tandem.ENotFound, "DeleteConversation twice")
	_, err = s.ConversationByID(ctx, c.ID)
	wantCode(t, err, tandem.ENotFound, "ConversationByID after delete")
	_, err = s.MessageByID(ctx, m.ID)
	wantCode(t, err, tandem.ENotFound, "MessageByID after delete")
	_, _, _, _, err = s.AttachmentByID(ctx, a.ID)
	wantCode(t, err, tandem.ENotFound, "AttachmentByID after delete")
	_, err = s.HookByTokenHash(ctx, "hook-hash")
	wantCode(t, err, tandem.ENotFound, "HookByTokenHash after delete")
	_, err = s.DeliveryByID(ctx, d.ID)
	wantCode(t, err, tandem.ENotFound, "DeliveryByID after delete")
	_, err = s.Member(ctx, c.ID, userAccount(alex))
	wantCode(t, err, tandem.ENotFound, "Member after delete")
	if _, err := s.HookByTokenHash(ctx, "kept-hash"); err != nil {
		t.Errorf("another conversation's hook went too: %v", err)
	}
	if ms, err := s.Members(ctx, keep.ID); err != nil || len(ms) != 2 {
		t.Errorf("another conversation's members: %v, %v", ms, err)
	}
}
