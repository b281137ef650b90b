package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tandemhq/tandem/botapi"
)

// triageBot is a bot server on 127.0.0.1 for the tests: every request
// Tandem sends it must carry a valid Standard Webhooks signature (checked
// with the standard-webhooks library, keyed with the bot's signing
// secret); it answers a mention as a triage bot does, with a word of
// comfort, a button to say it works after all, and an invite to share the
// screen; it answers that button with a notice to whoever pressed it; and
// it hands a conversation over to a human through the bot REST API with
// its token.
type triageBot struct {
	t   testing.TB
	srv *httptest.Server
	// events receives every verified event, in order.
	events chan botapi.Event

	mu       sync.Mutex
	verifier *standardwebhooks.Webhook
	api      *botapi.Client // the bot API, with the bot's token
	refused  int            // requests whose signature did not verify
}

// The triage bot's answer to a mention.
const (
	triageReply  = "Sorry to hear that. Someone from support can look at it with you."
	triageInvite = "Share my screen with support"
	triageSolved = "It works now"
	triageNotice = "Glad to hear it. Write again any time."
)

func newTriageBot(t testing.TB) *triageBot {
	b := &triageBot{t: t, events: make(chan botapi.Event, 16)}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	return b
}

// URL is where Tandem sends the bot's events.
func (b *triageBot) URL() string { return b.srv.URL }

// created tells the bot what Tandem gave it: its token, its signing secret,
// and where Tandem's API is.
func (b *triageBot) created(base, token, secret string) {
	b.t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		b.t.Fatalf("the signing secret %q is not a Standard Webhooks secret: %v", secret, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.verifier, b.api = wh, &botapi.Client{BaseURL: base, Token: token}
}

func (b *triageBot) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	wh := b.verifier
	b.mu.Unlock()
	if wh == nil || wh.Verify(body, r.Header) != nil {
		b.mu.Lock()
		b.refused++
		b.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev botapi.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if r.Header.Get("webhook-id") != ev.ID {
		http.Error(w, "webhook-id is not the event's id", http.StatusBadRequest)
		return
	}
	select {
	case b.events <- ev:
	default:
	}
	var answer botapi.Answer
	switch ev.Type {
	case botapi.EventMention:
		answer.Instructions = []botapi.Instruction{
			{Type: botapi.Post, Message: &botapi.Message{Text: triageReply, Blocks: []botapi.Block{{Type: "actions", Buttons: []botapi.Button{
				{Label: triageSolved, ActionID: "solved", Value: "yes"},
			}}}}},
			{Type: botapi.Invite, Message: &botapi.Message{Text: triageInvite}},
		}
	case botapi.EventAction:
		if ev.Action != nil && ev.Action.ActionID == "solved" && ev.Action.Value == "yes" {
			answer.Instructions = []botapi.Instruction{{Type: botapi.Notice, Message: &botapi.Message{Text: triageNotice}}}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

// Refused is how many requests came without a valid signature.
func (b *triageBot) Refused() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refused
}

// next waits for the bot's next event.
func (b *triageBot) next(ctx context.Context) botapi.Event {
	b.t.Helper()
	select {
	case ev := <-b.events:
		return ev
	case <-ctx.Done():
		b.t.Fatalf("the bot got no event (%d requests without a valid signature)", b.Refused())
		return botapi.Event{}
	}
}

// handover asks for a human in the conversation, with a summary for the
// agent, through the bot API (botapi.Client) with the bot's token.
func (b *triageBot) handover(ctx context.Context, conversationID, summary string) {
	b.t.Helper()
	b.mu.Lock()
	api := b.api
	b.mu.Unlock()
	c, err := api.Handover(ctx, conversationID, summary)
	if err != nil {
		b.t.Fatalf("hand over: %v", err)
	}
	if !c.Queued || c.Summary != summary {
		b.t.Fatalf("handed over, the conversation is %+v", c)
	}
}
