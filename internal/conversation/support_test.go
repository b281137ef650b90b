package conversation

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// Without a triage bot a person's conversation waits in the queue, where
// every agent sees it and may read it, and one takes it; with one, the bot
// is its member and hears the person first.
func TestSupportQueue(t *testing.T) {
	h := newHarness(t, Config{})
	if _, _, err := h.s.OpenSupport(h.ctx, h.site.Key, "https://evil.example", ""); tandem.ErrorCode(err) != tandem.ENotAllowed {
		t.Fatalf("another origin: %v", err)
	}
	c, token, err := h.s.OpenSupport(h.ctx, h.site.Key, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	person := tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}
	if !c.Queued || c.Kind != tandem.ConversationSupport || !h.s.CheckPersonToken(c.ID, token) {
		t.Fatalf("support conversation %+v", c)
	}
	h.post(person, c, "hello, is anyone there?")
	queue, _, err := h.s.ListFor(h.ctx, h.sam, ListOptions{Queue: true})
	if err != nil || len(queue) != 1 || queue[0].Conversation.ID != c.ID {
		t.Fatalf("queue %v %v", queue, err)
	}
	if _, _, err := h.s.ListFor(h.ctx, person, ListOptions{Queue: true}); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Errorf("a person lists the queue: %v", err)
	}
	// An agent reads it before taking it, but posts only after.
	if msgs, _, err := h.s.History(h.ctx, h.sam, c.ID, storeFilter()); err != nil || len(msgs) != 1 {
		t.Fatalf("agent reads the queued conversation: %v %v", msgs, err)
	}
	if _, _, err := h.s.Post(h.ctx, h.sam, c.ID, "hi", "", nil); tandem.ErrorCode(err) != tandem.EForbidden {
		t.Fatalf("posting before taking: %v", err)
	}
	if _, err := h.s.Take(h.ctx, h.sam, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Take(h.ctx, h.alex, c.ID); tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("second take: %v", err)
	}
	h.post(h.sam, c, "I'm here")
	if d, err := h.s.Detail(h.ctx, h.alex, c.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("once taken, another agent sees it: %v %v", d, err)
	}
	if queue, _, _ := h.s.ListFor(h.ctx, h.alex, ListOptions{Queue: true}); len(queue) != 0 {
		t.Errorf("taken, still queued: %d", len(queue))
	}
	d, err := h.s.Detail(h.ctx, person, c.ID)
	if err != nil || len(d.Members) != 2 || d.Members[0].Name != "Visitor" || d.Members[1].Name != "Sam" {
		t.Fatalf("the person sees %+v %v", d, err)
	}
	// The triage bot's site.
	h.site.TriageBotID = h.bot.ID
	if err := h.db.UpdateSite(h.ctx, h.site); err != nil {
		t.Fatal(err)
	}
	tc, _, err := h.s.OpenSupport(h.ctx, h.site.Key, testOrigin, "customer-42")
	if err != nil {
		t.Fatal(err)
	}
	if tc.Queued {
		t.Fatal("a triage bot's conversation starts queued")
	}
	m, err := h.db.Member(h.ctx, tc.ID, h.botA)
	if err != nil || len(m.Granted) != len(h.bot.Scopes) {
		t.Fatalf("the triage bot's membership %+v %v", m, err)
	}
	tperson := tandem.Account{Kind: tandem.AccountPerson, ID: tc.ID}
	h.post(tperson, tc, "my order is late")
	ds := deliveries(t, h, h.bot.ID)
	if len(ds) != 1 || !strings.Contains(string(ds[0].Payload), "my order is late") || !strings.Contains(string(ds[0].Payload), `"name":"customer-42"`) {
		t.Fatalf("the triage bot hears %d deliveries", len(ds))
	}
	if err := h.s.SetQueued(h.ctx, tc.ID, true, "late order #7"); err != nil {
		t.Fatal(err)
	}
	queue, _, _ = h.s.ListFor(h.ctx, h.alex, ListOptions{Queue: true})
	if len(queue) != 1 || queue[0].Conversation.Summary != "late order #7" {
		t.Fatalf("handed over: %+v", queue)
	}
	if err := h.s.SetQueued(h.ctx, c.ID, true, strings.Repeat("s", maxSummary+1)); tandem.ErrorCode(err) != tandem.ETooLarge {
		t.Errorf("oversize summary: %v", err)
	}
}

// A person's token is its conversation's only.
func TestPersonTokenOfAnotherConversation(t *testing.T) {
	h := newHarness(t, Config{})
	a, tokenA, err := h.s.OpenSupport(h.ctx, h.site.Key, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := h.s.OpenSupport(h.ctx, h.site.Key, testOrigin, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.s.CheckPersonToken(b.ID, tokenA) || !h.s.CheckPersonToken(a.ID, tokenA) {
		t.Fatal("a person token opens another conversation")
	}
	// Linking an assist needs the token of that very conversation, of that site.
	if err := h.s.CheckLink(h.ctx, h.site.ID, b.ID, tokenA); tandem.ErrorCode(err) != tandem.EUnauthorized {
		t.Errorf("link with another's token: %v", err)
	}
	if err := h.s.CheckLink(h.ctx, "another-site", a.ID, tokenA); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Errorf("link from another site: %v", err)
	}
	if err := h.s.CheckLink(h.ctx, h.site.ID, a.ID, tokenA); err != nil {
		t.Errorf("link: %v", err)
	}
}

// Attachments: posted only by their uploader in their conversation, read
// only by those who may see it; an unposted one is its uploader's alone.
func TestAttachments(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.group(h.sam)
	other := h.group()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 2, 3))); err != nil {
		t.Fatal(err)
	}
	pic := img.Bytes()
	att, err := h.s.Upload(h.ctx, h.alex, c.ID, "../../shot.png", "image/png; charset=x", bytes.NewReader(pic))
	if err != nil {
		t.Fatal(err)
	}
	if att.Name != "shot.png" || att.ContentType != "image/png" || att.Width != 2 || att.Height != 3 || att.Size != int64(len(pic)) {
		t.Fatalf("attachment %+v", att)
	}
	if _, _, err := h.s.Open(h.ctx, h.sam, c.ID, att.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("sam opens alex's unposted file: %v", err)
	}
	if _, _, err := h.s.Post(h.ctx, h.sam, c.ID, "mine now", "", []string{att.ID}); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("sam posts alex's file: %v", err)
	}
	if _, _, err := h.s.Post(h.ctx, h.alex, other.ID, "here", "", []string{att.ID}); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("posted in another conversation: %v", err)
	}
	m, _, err := h.s.Post(h.ctx, h.alex, c.ID, "", "", []string{att.ID})
	if err != nil || len(m.Attachments) != 1 || m.Attachments[0].Name != "shot.png" {
		t.Fatalf("post: %+v %v", m, err)
	}
	if _, _, err := h.s.Post(h.ctx, h.alex, c.ID, "again", "", []string{att.ID}); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Fatalf("posted twice: %v", err)
	}
	got, rc, err := h.s.Open(h.ctx, h.sam, c.ID, att.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(body, pic) || got.ID != att.ID {
		t.Fatal("the bytes differ")
	}
	// Through another conversation's path, even one alex is in: not found.
	if _, _, err := h.s.Open(h.ctx, h.alex, other.ID, att.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("opened through another conversation: %v", err)
	}
	outsider := h.user("eve@example.com", "Eve")
	if _, _, err := h.s.Open(h.ctx, outsider, c.ID, att.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("an outsider opens it: %v", err)
	}
	if _, err := h.s.Upload(h.ctx, outsider, c.ID, "x", "", strings.NewReader("x")); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("an outsider uploads: %v", err)
	}
	big := io.LimitReader(zeros{}, MaxAttachmentBytes+1)
	if _, err := h.s.Upload(h.ctx, h.alex, c.ID, "big", "", big); tandem.ErrorCode(err) != tandem.ETooLarge {
		t.Errorf("oversize upload: %v", err)
	}
	if _, err := h.s.Upload(h.ctx, h.alex, c.ID, "x", "not a type", strings.NewReader("x")); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Errorf("bad content type: %v", err)
	}
	// A bot's message with attachments names them by id, as clients do.
	if _, err := h.s.PostAs(h.ctx, h.alex, c.ID, &botapi.Message{Attachments: []botapi.Attachment{{ID: "nope"}}}, ""); tandem.ErrorCode(err) != tandem.EInvalid {
		t.Errorf("an unknown attachment: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
