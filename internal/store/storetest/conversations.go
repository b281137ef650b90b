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

func userAccount(u *tandem.User) tandem.Account {
	return tandem.Account{Kind: tandem.AccountUser, ID: u.ID}
}
func botAccount(b *tandem.Bot) tandem.Account {
	return tandem.Account{Kind: tandem.AccountBot, ID: b.ID}
}

func newBot(t *testing.T, s store.Store, owner *tandem.User, name string) *tandem.Bot {
	t.Helper()
	b := &tandem.Bot{OwnerID: owner.ID, Name: name, URL: "https://" + name + ".example/hook", TokenHash: "hash-" + name, TokenID: "tok-" + name,
		SigningSecret: "whsec_" + name, Scopes: []tandem.Scope{tandem.ScopeMessagesRead, tandem.ScopeMessagesWrite}}
	must(t, s.CreateBot(context.Background(), b), "CreateBot "+name)
	return b
}

// newGroup creates a group of the given accounts, the first its creator.
func newGroup(t *testing.T, s store.Store, name string, minutes int, accounts ...tandem.Account) *tandem.Conversation {
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
func post(t *testing.T, s store.Store, c *tandem.Conversation, author tandem.Account, text string, minutes int) *tandem.Message {
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
func newSupport(t *testing.T, s store.Store, site *tandem.Site, minutes int, queued bool) *tandem.Conversation {
	t.Helper()
	c := &tandem.Conversation{Kind: tandem.ConversationSupport, SiteID: site.ID, Queued: queued, CreatedAt: at(minutes)}
	must(t, s.CreateConversation(context.Background(), c, []*tandem.Member{{Account: tandem.Account{Kind: tandem.AccountPerson}}}),
		"CreateConversation support")
	return c
}

func person(c *tandem.Conversation) tandem.Account {
	return tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}
}

func testConversations(t *testing.T, s store.Store) {
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
	// The batch form maps the same, in one call, and leaves out assists
	// without a conversation.
	other := newAssist(t, s, site.ID, at(2))
	byAssists, err := s.ConversationsForAssists(ctx, []string{a.ID, other.ID, "no-such-assist"})
	must(t, err, "ConversationsForAssists")
	if len(byAssists) != 1 || byAssists[a.ID] != sup.ID {
		t.Errorf("ConversationsForAssists = %v, want only %s → %s", byAssists, a.ID, sup.ID)
	}
	if none, err := s.ConversationsForAssists(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("ConversationsForAssists(nil) = %v, %v", none, err)
	}
	_, err = s.ConversationsForAssists(ctx, make([]string, store.MaxAssistLimit+1))
	wantCode(t, err, tandem.EInvalid, "ConversationsForAssists over the limit")
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

func testConversationValidation(t *testing.T, s store.Store) {
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

func testMembers(t *testing.T, s store.Store) {
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

func testListConversations(t *testing.T, s store.Store) {
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
	last := post(t, s, cs[1], userAccount(sam), "three", 12)
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

func testQueue(t *testing.T, s store.Store) {
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

func testMarkRead(t *testing.T, s store.Store) {
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
	// An author has read what they wrote: posting moves their LastRead
	// (and never moves anyone else's).
	post(t, s, c, userAccount(sam), "m5", 6)
	if m, err := s.Member(ctx, c.ID, userAccount(sam)); err != nil || m.LastRead != 6 {
		t.Errorf("the author's LastRead after posting message 6: %+v, %v", m, err)
	}
	if got := lastRead(); got != 5 {
		t.Errorf("another member's LastRead moved to %d by a post they did not write", got)
	}
	wantCode(t, s.MarkRead(ctx, c.ID, userAccount(alex), -1), tandem.EInvalid, "MarkRead negative")
	wantCode(t, s.MarkRead(ctx, c.ID, tandem.Account{Kind: tandem.AccountUser, ID: "stranger"}, 1), tandem.ENotFound, "MarkRead by a non-member")
	wantCode(t, s.MarkRead(ctx, "no-such-conversation", userAccount(alex), 1), tandem.ENotFound, "MarkRead in an unknown conversation")
}

func testDeleteConversation(t *testing.T, s store.Store) {
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
