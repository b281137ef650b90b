package conversation

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

const testOrigin = "https://shop.example.com"

// clock is a fake clock the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a Service on a real SQLite store and blob directory, with a
// site, two agents and a bot.
type harness struct {
	t     *testing.T
	ctx   context.Context
	s     *Service
	db    *sqlite.DB
	clock *clock
	site  *tandem.Site
	alex  tandem.Account // an agent
	sam   tandem.Account // another agent
	bot   *tandem.Bot
	botA  tandem.Account
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := dirblobs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, db: db, clock: &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	h.site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{testOrigin}}
	if err := db.CreateSite(ctx, h.site); err != nil {
		t.Fatal(err)
	}
	h.alex = h.user("alex@example.com", "Alex")
	h.sam = h.user("Sam.Lee@example.com", "Sam")
	h.bot = h.newBot("triage", tandem.ScopeMessagesRead, tandem.ScopeMessagesWrite, tandem.ScopeAssistRead)
	h.botA = tandem.Account{Kind: tandem.AccountBot, ID: h.bot.ID}
	if cfg.Key == nil {
		cfg.Key = testKey
	}
	if cfg.Now == nil {
		cfg.Now = h.clock.Now
	}
	cfg.Blobs = bs
	h.s = h.start(cfg)
	return h
}

// start starts another service on the harness's store (another node).
func (h *harness) start(cfg Config) *Service {
	s := New(cfg, h.db)
	h.t.Cleanup(s.Close)
	return s
}

func (h *harness) user(email, name string) tandem.Account {
	h.t.Helper()
	u := &tandem.User{Email: email, Name: name, PasswordHash: "x", Role: tandem.RoleAgent}
	if err := h.db.CreateUser(h.ctx, u); err != nil {
		h.t.Fatal(err)
	}
	return tandem.Account{Kind: tandem.AccountUser, ID: u.ID}
}

func (h *harness) newBot(name string, scopes ...tandem.Scope) *tandem.Bot {
	h.t.Helper()
	b := &tandem.Bot{
		OwnerID: h.alex.ID, Name: name, URL: "https://bots.example/" + name, Scopes: scopes,
		TokenHash: auth.HashToken("token-" + name), TokenID: "tok-" + name, SigningSecret: "whsec_x",
	}
	if err := h.db.CreateBot(h.ctx, b); err != nil {
		h.t.Fatal(err)
	}
	return b
}

// group makes a group conversation of alex with members.
func (h *harness) group(members ...tandem.Account) *tandem.Conversation {
	h.t.Helper()
	c, err := h.s.Create(h.ctx, h.alex, &tandem.Conversation{Kind: tandem.ConversationGroup, Name: "ops"}, members)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) post(by tandem.Account, c *tandem.Conversation, text string) *tandem.Message {
	h.t.Helper()
	m, _, err := h.s.Post(h.ctx, by, c.ID, text, "", nil)
	if err != nil {
		h.t.Fatalf("post %q: %v", text, err)
	}
	return m
}

// next reads the next event of sub, failing after a while.
func next(t *testing.T, sub *Subscriber) Event {
	t.Helper()
	select {
	case data, ok := <-sub.C():
		if !ok {
			t.Fatal("subscriber closed")
		}
		var ev Event
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

// none checks that sub has no event waiting. Events to local subscribers
// are handed over before Post returns, so anything owed is there already.
func none(t *testing.T, sub *Subscriber) {
	t.Helper()
	select {
	case data := <-sub.C():
		t.Fatalf("unexpected event %s", data)
	default:
	}
}
