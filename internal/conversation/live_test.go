package conversation

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/natsbus"
	"github.com/tandemhq/tandem/internal/natstest"
)

// Events go to the members' subscribers only: a typist does not hear
// their own typing, a notice reaches its one account, a queued support
// conversation reaches every agent.
func TestLiveEventsReachMembers(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.group(h.sam)
	outsider := h.user("eve@example.com", "Eve")
	alex, stopAlex := h.s.Subscribe(h.alex)
	defer stopAlex()
	sam, stopSam := h.s.Subscribe(h.sam)
	defer stopSam()
	eve, stopEve := h.s.Subscribe(outsider)
	defer stopEve()

	m := h.post(h.alex, c, "<img src=x onerror=alert(1)>")
	for _, sub := range []*Subscriber{alex, sam} {
		ev := next(t, sub)
		if ev.Type != "message" || ev.ConversationID != c.ID || ev.Message.ID != m.ID || ev.Message.Text != m.Text || ev.Message.Author.Name != "Alex" {
			t.Fatalf("event %+v", ev)
		}
	}
	if err := h.s.Typing(h.ctx, h.sam, c.ID); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, alex); ev.Type != "typing" || ev.Account != h.sam.String() || ev.Name != "Sam" {
		t.Fatalf("typing %+v", ev)
	}
	none(t, sam)
	h.s.Notice(h.ctx, h.sam, c.ID, &botapi.Message{Text: "only for you"})
	if ev := next(t, sam); ev.Type != "notice" || ev.Text != "only for you" {
		t.Fatalf("notice %+v", ev)
	}
	none(t, alex)
	if err := h.s.MarkRead(h.ctx, h.sam, c.ID, m.Seq); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, alex); ev.Type != "read" || ev.Seq != m.Seq || ev.Account != h.sam.String() {
		t.Fatalf("read %+v", ev)
	}
	next(t, sam) // sam's own read mark, for sam's other tabs
	none(t, eve)

	// A queued support conversation: every agent hears of it, and of what
	// the person writes there, until one takes it.
	sc, _, err := h.s.OpenSupport(h.ctx, h.site.Key, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	person := tandem.Account{Kind: tandem.AccountPerson, ID: sc.ID}
	p, stopP := h.s.Subscribe(person)
	defer stopP()
	if ev := next(t, eve); ev.Type != "conversation" || ev.Conversation == nil || !ev.Conversation.Queued {
		t.Fatalf("queued %+v", ev)
	}
	next(t, alex)
	next(t, sam)
	h.post(person, sc, "help")
	for _, sub := range []*Subscriber{eve, alex, p} {
		if ev := next(t, sub); ev.Type != "message" || ev.Message.Text != "help" {
			t.Fatalf("queued message %+v", ev)
		}
	}
	if _, err := h.s.Take(h.ctx, h.sam, sc.ID); err != nil {
		t.Fatal(err)
	}
	drain(sam, eve, alex, p)
	h.post(h.sam, sc, "hi, Sam here")
	if ev := next(t, p); ev.Type != "message" {
		t.Fatalf("person got %+v", ev)
	}
	next(t, sam)
	none(t, eve)
	none(t, alex)
	// The person hears nothing of the agents' group.
	h.post(h.alex, c, "internal")
	drain(alex, sam)
	none(t, p)
}

func drain(subs ...*Subscriber) {
	for _, s := range subs {
		for more := true; more; {
			select {
			case <-s.C():
			default:
				more = false
			}
		}
	}
}

// A subscriber that stops reading is dropped, and says so, rather than
// holding events forever.
func TestSlowSubscriberIsDropped(t *testing.T) {
	h := newHarness(t, Config{SubscriberQueue: 2})
	c := h.group()
	sub, stop := h.s.Subscribe(h.alex)
	defer stop()
	for range 3 {
		h.post(h.alex, c, "x")
	}
	n := 0
	for range sub.C() {
		n++
	}
	if n != 2 || !sub.Lost() {
		t.Fatalf("read %d events, lost=%v", n, sub.Lost())
	}
}

// Two nodes on one store and a NATS bus: a message posted on one reaches a
// subscriber on the other; a member added on one is routed to on the
// other (its cached members are dropped).
func TestTwoNodes(t *testing.T) {
	h := newHarness(t, Config{})
	url := natstest.URL(t)
	open := func() bus.Bus {
		b, err := natsbus.Open(h.ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close(context.Background()) })
		return b
	}
	a := h.start(Config{Key: testKey, Bus: open(), Node: "node-a", Now: h.clock.Now})
	b := h.start(Config{Key: testKey, Bus: open(), Node: "node-b", Now: h.clock.Now})
	onB, stop := b.Subscribe(h.sam)
	defer stop()
	c, err := a.Create(h.ctx, h.alex, &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "ops"}, []tandem.Account{h.sam})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, onB); ev.Type != "conversation" || ev.Conversation.ID != c.ID {
		t.Fatalf("node b got %+v", ev)
	}
	m, _, err := a.Post(h.ctx, h.alex, c.ID, "from node a", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, onB); ev.Type != "message" || ev.Message.ID != m.ID || ev.Message.Author.Name != "Alex" {
		t.Fatalf("node b got %+v", ev)
	}
	kim := h.user("kim@example.com", "Kim")
	kimOnB, stopKim := b.Subscribe(kim)
	defer stopKim()
	if err := a.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: c.ID, Account: kim}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, kimOnB); ev.Type != "conversation" {
		t.Fatalf("kim got %+v", ev)
	}
	next(t, onB)
	if _, _, err := a.Post(h.ctx, h.alex, c.ID, "welcome kim", "", nil); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, kimOnB); ev.Message == nil || ev.Message.Text != "welcome kim" {
		t.Fatalf("kim got %+v", ev)
	}
	// An event too large for the bus goes by reference: node b reads it
	// from the store.
	big := make([]botapi.Block, 0, 20)
	for range 20 {
		big = append(big, botapi.Block{Type: "section", Text: strings.Repeat("x", 2000)})
	}
	if err := a.AddMember(h.ctx, h.alex, &tandem.Member{ConversationID: c.ID, Account: h.botA, Granted: []tandem.Scope{}}); err != nil {
		t.Fatal(err)
	}
	drain(onB, kimOnB)
	bm, err := a.PostAs(h.ctx, h.botA, c.ID, &botapi.Message{Blocks: big}, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case data := <-onB.C():
			if len(data) > bus.MaxData && strings.Contains(string(data), bm.ID) {
				return
			}
		case <-deadline:
			t.Fatal("the large message never reached node b")
		}
	}
}
