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

func testMessages(t *testing.T, s store.Store) {
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

func testMessageValidation(t *testing.T, s store.Store) {
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

func testClientID(t *testing.T, s store.Store) {
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

func testAttachments(t *testing.T, s store.Store) {
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

func testReplaceMessage(t *testing.T, s store.Store) {
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
