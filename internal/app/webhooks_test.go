package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/webhook"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// enqueueFor makes a bot at url in a conversation of the test agent, and
// a delivery to it.
func enqueueFor(t *testing.T, ts *apptest.TestServer, url string) *tandem.Delivery {
	t.Helper()
	ctx := context.Background()
	st := ts.Store()
	agent, err := st.UserByEmail(ctx, ts.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	bot := &tandem.Bot{OwnerID: agent.ID, Name: "pager", URL: url, Scopes: []tandem.Scope{tandem.ScopeMessagesWrite},
		TokenHash: "0123456789abcdef", TokenID: "t1", SigningSecret: testSecret}
	if err := st.CreateBot(ctx, bot); err != nil {
		t.Fatal(err)
	}
	user := tandem.Account{Kind: tandem.AccountUser, ID: agent.ID}
	c := &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "ops", CreatedBy: user}
	if err := st.CreateConversation(ctx, c, []*tandem.Member{{Account: user},
		{Account: tandem.Account{Kind: tandem.AccountBot, ID: bot.ID}, AddedBy: user, Granted: bot.Scopes}}); err != nil {
		t.Fatal(err)
	}
	d := &tandem.Delivery{BotID: bot.ID, Kind: tandem.DeliveryMention, ConversationID: c.ID, URL: url, Payload: []byte(`{"type":"mention"}`)}
	if err := st.EnqueueDeliveries(ctx, []*tandem.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	ts.KickWebhooks()
	return d
}

// The server's workers deliver the outbox, signed, to a bot on an address
// --webhook-allow names.
func TestServerDeliversToAllowedBots(t *testing.T) {
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer bot.Close()
	ts := apptest.Start(t, app.Config{WebhookAllow: []string{"127.0.0.1/32"}}, "")
	d := enqueueFor(t, ts, bot.URL)
	select {
	case r := <-got:
		wh, _ := standardwebhooks.NewWebhook(testSecret)
		if err := wh.Verify(<-bodies, r.Header); err != nil || r.Header.Get("webhook-id") != d.ID {
			t.Fatalf("the request does not verify (%v) or has another id (%s)", err, r.Header.Get("webhook-id"))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the bot got nothing")
	}
}

// Without --webhook-allow, the client the server uses for bots refuses a
// loopback address; with it, it goes through.
func TestServerBotClientRefusesLoopback(t *testing.T) {
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer bot.Close()
	ts := apptest.Start(t, app.Config{}, "")
	_, err := ts.BotClient().Get(bot.URL)
	var refused *webhook.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("GET %s = %v, want refused", bot.URL, err)
	}
	allowed := apptest.Start(t, app.Config{WebhookAllow: []string{"127.0.0.1"}}, "")
	resp, err := allowed.BotClient().Get(bot.URL)
	if err != nil {
		t.Fatalf("with 127.0.0.1 allowed: %v", err)
	}
	resp.Body.Close()
}

func TestServerRefusesBadWebhookAllow(t *testing.T) {
	dir := t.TempDir()
	_, err := app.Start(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: dir, DemoAddr: "off", SSHAddr: "off", WebhookAllow: []string{"10.0.0.0/8,intranet"}})
	if err == nil || !strings.Contains(err.Error(), "--webhook-allow") {
		t.Fatalf("start = %v", err)
	}
}
