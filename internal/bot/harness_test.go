package bot

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// The SQLite store is a bot store.
var _ Store = (*sqlite.DB)(nil)

// harness is a Service on a real SQLite store, with an owner, another
// user and a site.
type harness struct {
	t      *testing.T
	ctx    context.Context
	db     *sqlite.DB
	s      *Service
	owner  *tandem.User
	other  *tandem.User
	admin  *tandem.User
	site   *tandem.Site
	secret []byte
}

func newHarness(t *testing.T, convs func(*sqlite.DB) Conversations, assists Assists) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{t: t, ctx: ctx, db: db, secret: []byte("0123456789abcdef0123456789abcdef")}
	for _, u := range []struct {
		p    **tandem.User
		name string
		role tandem.Role
	}{{&h.owner, "owner", tandem.RoleAgent}, {&h.other, "other", tandem.RoleAgent}, {&h.admin, "admin", tandem.RoleAdmin}} {
		*u.p = &tandem.User{Email: u.name + "@example.com", Name: u.name, PasswordHash: "x", Role: u.role}
		if err := db.CreateUser(ctx, *u.p); err != nil {
			t.Fatal(err)
		}
	}
	h.site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example.com"}}
	if err := db.CreateSite(ctx, h.site); err != nil {
		t.Fatal(err)
	}
	var c Conversations
	if convs != nil {
		c = convs(db)
	}
	h.s = New(Config{Secret: h.secret, PublicURL: "https://tandem.example.com/"}, db, c, assists)
	return h
}

// bot creates a bot of the owner with scopes and returns it with its token.
func (h *harness) bot(name string, scopes ...tandem.Scope) (*tandem.Bot, string) {
	h.t.Helper()
	url := "https://bots.example.com/" + name
	c, err := h.s.Create(h.ctx, h.owner, Input{Name: &name, URL: &url, Scopes: &scopes})
	if err != nil {
		h.t.Fatalf("create bot: %v", err)
	}
	return c.Bot, c.Token
}

// conversation stores a group conversation of the owner with bot b in it,
// granted granted.
func (h *harness) conversation(b *tandem.Bot, granted ...tandem.Scope) *tandem.Conversation {
	h.t.Helper()
	return h.conversationOf(tandem.ConversationGroup, b, granted...)
}

func (h *harness) conversationOf(kind tandem.ConversationKind, b *tandem.Bot, granted ...tandem.Scope) *tandem.Conversation {
	h.t.Helper()
	owner := tandem.Account{Kind: tandem.AccountUser, ID: h.owner.ID}
	c := &tandem.Conversation{Kind: kind, Name: "Room", CreatedBy: owner}
	ms := []*tandem.Member{{Account: owner}}
	if kind == tandem.ConversationSupport {
		c.Name, c.SiteID = "", h.site.ID
	}
	if b != nil {
		if granted == nil {
			granted = []tandem.Scope{}
		}
		ms = append(ms, &tandem.Member{Account: botAccount(b), AddedBy: owner, Granted: granted})
	}
	if err := h.db.CreateConversation(h.ctx, c, ms); err != nil {
		h.t.Fatalf("create conversation: %v", err)
	}
	return c
}

// post stores a message by author in c.
func (h *harness) post(c *tandem.Conversation, author tandem.Account, m *botapi.Message) *tandem.Message {
	h.t.Helper()
	msg := &tandem.Message{ConversationID: c.ID, Author: author, Text: m.Text, Blocks: blocksOf(m)}
	if _, err := h.db.PostMessage(h.ctx, &store.NewMessage{Message: msg}); err != nil {
		h.t.Fatalf("post: %v", err)
	}
	return msg
}

func (h *harness) deliveries(b *tandem.Bot) []*tandem.Delivery {
	h.t.Helper()
	ds, err := h.db.ListDeliveries(h.ctx, store.DeliveryFilter{BotID: b.ID})
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

func userAcc(u *tandem.User) tandem.Account {
	return tandem.Account{Kind: tandem.AccountUser, ID: u.ID}
}

func storeFilter() store.MessageFilter { return store.MessageFilter{Limit: 100} }
