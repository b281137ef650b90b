package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/store"
)

// The person of a support conversation has one name in every event a bot
// gets: the id their site gave them, in a mention (written by the
// conversation service) as in a button press (written here).
func TestPersonNamedAlikeInEvents(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("triage", tandem.ScopeMessagesWrite)
	f.site.TriageBotID = b.ID
	if err := f.db.UpdateSite(f.ctx, f.site); err != nil {
		t.Fatal(err)
	}
	c, _, err := f.convs.OpenSupport(f.ctx, f.site.Key, "https://shop.example.com", "jo@shop")
	if err != nil {
		t.Fatal(err)
	}
	person := tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}
	if _, err := f.convs.PostAs(f.ctx, person, c.ID, &botapi.Message{Text: "hello"}, ""); err != nil {
		t.Fatal(err)
	}
	m, err := f.convs.PostAs(f.ctx, botAccount(b), c.ID, &botapi.Message{Text: "pick", Blocks: []botapi.Block{{Type: "actions",
		Buttons: []botapi.Button{{Label: "Share", ActionID: "share"}}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Press(f.ctx, person, c.ID, m.ID, m.Blocks[0].Buttons[0].ID); err != nil {
		t.Fatal(err)
	}
	names := map[tandem.DeliveryKind]string{}
	for _, d := range f.deliveries(b) {
		var ev botapi.Event
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		names[d.Kind] = ev.From.Name
	}
	if names[tandem.DeliveryMention] != "jo@shop" || names[tandem.DeliveryAction] != "jo@shop" {
		t.Fatalf("the person is named %q in a mention and %q in a press, want jo@shop in both",
			names[tandem.DeliveryMention], names[tandem.DeliveryAction])
	}
	if r := f.s.Ref(f.ctx, person); r.Name != "jo@shop" {
		t.Fatalf("Ref names the person %q", r.Name)
	}
}

// Starting a conversation with others in it is adding them: it needs
// members:write as add_member does, through the API and in an answer.
func TestCreateConversationWithMembersNeedsMembersWrite(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("maker", tandem.ScopeConversationsCreate, tandem.ScopeMessagesWrite)
	_, err := f.s.CreateConversation(f.ctx, b, NewConversation{Name: "Trap", Members: []string{f.other.Email},
		Message: &botapi.Message{Text: "click here"}})
	if tandem.ErrorCode(err) != tandem.EForbidden || !strings.Contains(tandem.ErrorMessage(err), string(tandem.ScopeMembersWrite)) {
		t.Fatalf("create with a member, without members:write: %v", err)
	}
	theirs, err := f.db.ListConversations(f.ctx, store.ConversationFilter{Member: userAcc(f.other), Limit: 10})
	if err != nil || len(theirs) != 0 {
		t.Fatalf("the user was put in %d conversations (%v)", len(theirs), err)
	}
	// Alone, it may.
	if _, err := f.s.CreateConversation(f.ctx, b, NewConversation{Name: "Mine"}); err != nil {
		t.Fatal(err)
	}
	// In an answer, the scopes granted in the conversation count.
	c := f.conversation(b, tandem.ScopeConversationsCreate, tandem.ScopeMessagesWrite)
	_, err = f.s.Instruct(f.ctx, b, c.ID, []botapi.Instruction{{Type: botapi.CreateConversation, Name: "Trap", Members: []string{f.other.Email}}})
	var r *RefusedError
	if !asRefusedErr(err, &r) || r.Refused[0].Scope != string(tandem.ScopeMembersWrite) {
		t.Fatalf("create_conversation with a member, without members:write: %v", err)
	}
	// With it, the member is added.
	b2, _ := f.bot("maker2", tandem.ScopeConversationsCreate, tandem.ScopeMembersWrite)
	if _, err := f.s.CreateConversation(f.ctx, b2, NewConversation{Name: "Team", Members: []string{f.other.Email}}); err != nil {
		t.Fatal(err)
	}
	if theirs, _ := f.db.ListConversations(f.ctx, store.ConversationFilter{Member: userAcc(f.other), Limit: 10}); len(theirs) != 1 {
		t.Fatalf("the user is in %d conversations, want 1", len(theirs))
	}
}

// A support conversation is named after its person: a bot renaming it
// would show the person's messages under a name of its choosing.
func TestBotCannotRenameSupportConversation(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("triage", tandem.ScopeConversationsWrite, tandem.ScopeMessagesWrite)
	c := f.conversationOf(tandem.ConversationSupport, b, tandem.ScopeConversationsWrite, tandem.ScopeMessagesWrite)
	name := "Support team (official)"
	if _, err := f.s.UpdateConversation(f.ctx, b, c.ID, Info{Name: &name}); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("rename a support conversation through the API: %v", err)
	}
	if err := f.s.Apply(f.ctx, f.mention(b, c), &botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Post, Message: &botapi.Message{Text: "x"}}, {Type: botapi.Rename, Name: name}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.ConversationByID(f.ctx, c.ID); got.Name != "" {
		t.Fatalf("renamed to %q", got.Name)
	}
	if len(f.messages(c)) != 0 {
		t.Fatal("the answer was half applied")
	}
	// Its description is still the bot's to set.
	desc := "about a refund"
	if _, err := f.s.UpdateConversation(f.ctx, b, c.ID, Info{Description: &desc}); err != nil {
		t.Fatal(err)
	}
}

// An answer with too many instructions is refused whole, and the bot is
// told so (it is not dropped silently).
func TestTooManyInstructionsRefusedAndTold(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("chatty", tandem.ScopeMessagesWrite)
	c := f.conversation(b, tandem.ScopeMessagesWrite)
	list := make([]botapi.Instruction, MaxInstructions+1)
	for i := range list {
		list[i] = botapi.Instruction{Type: botapi.Post, Message: &botapi.Message{Text: "spam"}}
	}
	d := f.mention(b, c)
	if err := f.s.Apply(f.ctx, d, &botapi.Answer{Instructions: list}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.messages(c)); n != 0 {
		t.Fatalf("%d messages posted", n)
	}
	ds := f.deliveries(b)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want the refusal", len(ds))
	}
	if r := refusals(t, ds[0]); r.DeliveryID != d.ID || len(r.Refused) != 1 || !strings.Contains(r.Refused[0].Reason, "at most") {
		t.Fatalf("refusal %+v", r)
	}
	// Through the API: 403 with the refusal, nothing applied.
	_, err := f.s.Instruct(f.ctx, b, c.ID, list)
	var r *RefusedError
	if !asRefusedErr(err, &r) || len(f.messages(c)) != 0 {
		t.Fatalf("Instruct of %d: %v", len(list), err)
	}
}

// The same user added twice in one answer (by id and by email) is refused
// before anything applies: the second would fail after the first, and the
// answer would be half done.
func TestDuplicateAddMemberRefusedWhole(t *testing.T) {
	f := newFull(t)
	b, _ := f.bot("adder", tandem.ScopeMessagesWrite, tandem.ScopeMembersWrite)
	c := f.conversation(b, tandem.ScopeMessagesWrite, tandem.ScopeMembersWrite)
	if err := f.s.Apply(f.ctx, f.mention(b, c), &botapi.Answer{Instructions: []botapi.Instruction{
		{Type: botapi.Post, Message: &botapi.Message{Text: "welcome"}},
		{Type: botapi.AddMember, Account: userAcc(f.other).String()},
		{Type: botapi.AddMember, Account: f.other.Email},
	}}); err != nil {
		t.Fatal(err)
	}
	if len(f.messages(c)) != 0 {
		t.Fatal("the answer was half applied: its message was posted")
	}
	if _, err := f.db.Member(f.ctx, c.ID, userAcc(f.other)); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("the user was added: %v", err)
	}
	if r := refusals(t, f.deliveries(b)[0]); len(r.Refused) != 1 || r.Refused[0].Index != 2 {
		t.Fatalf("refusal %+v", r)
	}
}

// A dead delivery is not sent again to a bot that has left its
// conversation: it would hand the bot what it may no longer read.
func TestRetryAfterLeavingRefused(t *testing.T) {
	h := newHarness(t, nil, nil)
	b, _ := h.bot("triage", tandem.ScopeMessagesWrite)
	c := h.conversation(b, tandem.ScopeMessagesWrite)
	if err := h.s.AddCommand(h.ctx, h.owner, b.ID, &tandem.BotCommand{Name: "go"}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.Run(h.ctx, userAcc(h.owner), c.ID, "go", "secret plans"); err != nil {
		t.Fatal(err)
	}
	d := h.deliveries(b)[0]
	d.State, d.Attempts, d.LastStatus, d.DoneAt = tandem.DeliveryDead, 1, 500, h.s.cfg.Now()
	if err := h.db.RecordAttempt(h.ctx, d, &tandem.DeliveryAttempt{DeliveryID: d.ID, N: 1, At: d.DoneAt, Status: 500}); err != nil {
		t.Fatal(err)
	}
	if err := h.db.RemoveMember(h.ctx, c.ID, botAccount(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Retry(h.ctx, h.owner, b.ID, d.ID); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("retry for a bot that left: %v", err)
	}
	if n := len(h.deliveries(b)); n != 1 {
		t.Fatalf("%d deliveries, want only the dead one", n)
	}
}
