package httpapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/store"
)

// leftTexts returns the texts of the messages in the conversation of
// assist id.
func leftTexts(t *testing.T, ctx context.Context, ts *apptest.TestServer, id string) []string {
	t.Helper()
	c, err := ts.Store().ConversationForAssist(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := ts.Store().Messages(ctx, c.ID, store.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{}
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	return texts
}

// A left message posted again (a network retry, or a replay by whoever
// holds the request) is stored once, and the repeat is answered as the
// first was; a different text for a request that has its message is
// refused, as is every message for a request that is not waiting, and
// another request's token. Nothing refused reaches the conversation.
func TestLeftMessageHostile(t *testing.T) {
	ts, agent := start(t, app.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, other := newPerson(ts), newPerson(ts)
	for _, q := range []*simclient.Person{p, other} {
		if err := q.RequestHelp(ctx, siteOrigin+"/cart"); err != nil {
			t.Fatal(err)
		}
	}
	// Another request's token, and a token for no request, are refused.
	for _, tok := range []string{other.Token, "", strings.Repeat("a", 5000)} {
		forged := simclient.Person{Base: p.Base, Origin: p.Origin, AssistID: p.AssistID, Token: tok}
		if err := forged.LeaveMessage(ctx, "hi"); apiCode(err) != "unauthorized" {
			t.Fatalf("token %.10q: %v, want unauthorized", tok, err)
		}
	}
	for _, text := range []string{"", " \n\t ", strings.Repeat("é", 2001)} {
		if err := p.LeaveMessage(ctx, text); apiCode(err) != "invalid" {
			t.Fatalf("text of %d bytes: %v, want invalid", len(text), err)
		}
	}
	if got := leftTexts(t, ctx, ts, p.AssistID); len(got) != 0 {
		t.Fatalf("refused messages reached the conversation: %q", got)
	}
	// The same message, twice at once and once more after.
	const text = "Please call me back at 5"
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.LeaveMessage(ctx, text)
		}()
	}
	wg.Wait()
	for _, err := range append(errs, p.LeaveMessage(ctx, text)) {
		if err != nil {
			t.Fatalf("the same message again: %v, want it taken as the first", err)
		}
	}
	if err := p.LeaveMessage(ctx, "And also this"); apiCode(err) != "conflict" {
		t.Fatalf("a second, different message: %v, want conflict", err)
	}
	if got := leftTexts(t, ctx, ts, p.AssistID); len(got) != 1 || got[0] != text {
		t.Fatalf("conversation = %q, want the one message", got)
	}
	// Picked up, then ended: the person is told why, and nothing is posted.
	if err := agent.Accept(ctx, other.AssistID); err != nil {
		t.Fatal(err)
	}
	err := other.LeaveMessage(ctx, "hi")
	if apiCode(err) != "conflict" || !strings.Contains(err.Error(), "picked up") {
		t.Fatalf("after accept: %v, want conflict saying it was picked up", err)
	}
	if err := agent.Do(ctx, "POST", "/api/v1/assists/"+other.AssistID+"/end", nil, nil); err != nil {
		t.Fatal(err)
	}
	err = other.LeaveMessage(ctx, "hi")
	if apiCode(err) != "conflict" || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("after the end: %v, want conflict saying it ended", err)
	}
	if got := leftTexts(t, ctx, ts, other.AssistID); len(got) != 0 {
		t.Fatalf("messages for a request not waiting reached the conversation: %q", got)
	}
}
