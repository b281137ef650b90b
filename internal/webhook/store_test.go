package webhook

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// testStore is the store the worker tests use (real SQLite), with what
// they need to set up and inspect deliveries.
type testStore interface {
	Store
	UpdateBot(ctx context.Context, b *tandem.Bot) error
	DeleteBot(ctx context.Context, id string) error
	EnqueueDeliveries(ctx context.Context, ds []*tandem.Delivery) error
	DeliveryByID(ctx context.Context, id string) (*tandem.Delivery, error)
	DeliveryAttempts(ctx context.Context, deliveryID string) ([]*tandem.DeliveryAttempt, error)
}

// fixture is a SQLite store with a user who owns a bot, and a group
// conversation the bot is in (deliveries belong to a bot and a
// conversation).
type fixture struct {
	db           *sqlite.DB
	bot          *tandem.Bot
	conversation *tandem.Conversation
}

func newFixture(t testing.TB, secret, botURL string) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := &tandem.User{Email: "owner@example.com", Name: "Owner", PasswordHash: "x", Role: tandem.RoleAgent}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db}
	f.bot = &tandem.Bot{OwnerID: u.ID, Name: "triage", URL: botURL, Scopes: []tandem.Scope{tandem.ScopeMessagesWrite},
		TokenHash: "0123456789abcdef", TokenID: "t1", SigningSecret: secret}
	if err := db.CreateBot(ctx, f.bot); err != nil {
		t.Fatal(err)
	}
	owner := tandem.Account{Kind: tandem.AccountUser, ID: u.ID}
	botA := tandem.Account{Kind: tandem.AccountBot, ID: f.bot.ID}
	f.conversation = &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "ops", CreatedBy: owner}
	err = db.CreateConversation(ctx, f.conversation, []*tandem.Member{
		{Account: owner}, {Account: botA, AddedBy: owner, Granted: []tandem.Scope{tandem.ScopeMessagesWrite}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// retryDead sets a dead delivery pending again, as its owner's "retry"
// does: a write of its state without an attempt.
func retryDead(t *testing.T, st testStore, id string, now time.Time) {
	t.Helper()
	d, err := st.DeliveryByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	d.State, d.NextAttemptAt, d.DoneAt = tandem.DeliveryPending, now, time.Time{}
	if err := st.RecordAttempt(context.Background(), d, nil); err != nil {
		t.Fatal(err)
	}
}
