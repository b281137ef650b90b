package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
)

// clock is the worker's fake clock: tests move it past a delivery's next
// attempt instead of waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// events reports every recorded attempt's outcome.
type events chan string

func (e events) WebhookAttempt(outcome string, _ time.Duration) { e <- outcome }

// applied is an answer handed to Answers.
type applied struct {
	deliveryID string
	answer     *botapi.Answer
}

type answers chan applied

func (a answers) Apply(_ context.Context, d *tandem.Delivery, ans *botapi.Answer) error {
	a <- applied{d.ID, ans}
	return nil
}

// lockSpy remembers the lock of the last claim, and how many deliveries
// each claim that took any took.
type lockSpy struct {
	testStore
	mu      sync.Mutex
	lockFor time.Duration
	taken   []int
}

func (l *lockSpy) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lockFor time.Duration) ([]*tandem.Delivery, error) {
	ds, err := l.testStore.ClaimDeliveries(ctx, now, limit, lockFor)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lockFor = lockFor
	if len(ds) > 0 {
		l.taken = append(l.taken, len(ds))
	}
	return ds, err
}

func (l *lockSpy) claims() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.taken)
}

type harness struct {
	st      *lockSpy
	clock   *clock
	events  events
	answers answers
	secret  string
	bot     *tandem.Bot
	// conversationID is the conversation the deliveries belong to.
	conversationID string
	cfg            Config
	seq            int // deliveries enqueued, for their order
}

func newSecret(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

// newHarness makes a SQLite store with one bot in one conversation, a
// fake clock, and a worker configuration that reaches 127.0.0.1 and moves
// only when kicked.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		clock:   &clock{t: time.Now().Truncate(time.Second)},
		events:  make(events, 100),
		answers: make(answers, 100),
		secret:  newSecret(t),
	}
	f := newFixture(t, h.secret, "http://127.0.0.1:1/")
	h.st = &lockSpy{testStore: f.db}
	h.bot, h.conversationID = f.bot, f.conversation.ID
	allow, err := ParseAllow("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = Config{
		Store: h.st, Client: NewClient(ClientConfig{Allow: allow, Timeout: 5 * time.Second}), Answers: h.answers, Observer: h.events,
		Workers: 2, MaxAttempts: 3, Timeout: 5 * time.Second, Poll: time.Hour, Now: h.clock.Now,
		Jitter: func(max time.Duration) time.Duration { return max },
	}
	return h
}

// run starts a worker of cfg until the test ends (or stop is called).
func (h *harness) run(t *testing.T, cfg Config) (w *Worker, stop func()) {
	t.Helper()
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return w, stop
}

func (h *harness) enqueue(t *testing.T, url string) *tandem.Delivery {
	t.Helper()
	h.seq++
	seq := h.seq
	now := h.clock.Now()
	d := &tandem.Delivery{
		ID: fmt.Sprintf("d%02d-%s", seq, strings.ToLower(rand.Text()[:8])), BotID: h.bot.ID, Kind: tandem.DeliveryMention,
		ConversationID: h.conversationID, MessageID: "m1", URL: url, State: tandem.DeliveryPending,
		Payload:       []byte(`{"id":"x","type":"mention","text":"@triage help"}`),
		NextAttemptAt: now, CreatedAt: now.Add(time.Duration(seq) * time.Millisecond),
	}
	if err := h.st.EnqueueDeliveries(context.Background(), []*tandem.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	return d
}

// next waits for the next recorded attempt.
func (h *harness) next(t *testing.T) string {
	t.Helper()
	select {
	case o := <-h.events:
		return o
	case <-time.After(20 * time.Second):
		t.Fatal("no attempt was recorded")
		return ""
	}
}

func (h *harness) expect(t *testing.T, want string) {
	t.Helper()
	if got := h.next(t); got != want {
		t.Fatalf("attempt outcome = %s, want %s", got, want)
	}
}

func (h *harness) delivery(t *testing.T, id string) *tandem.Delivery {
	t.Helper()
	d, err := h.st.DeliveryByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (h *harness) attempts(t *testing.T, id string) []*tandem.DeliveryAttempt {
	t.Helper()
	as, err := h.st.DeliveryAttempts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// request is what the bot server received.
type request struct {
	header http.Header
	body   []byte
}

// botServer answers with respond and reports every request on reqs.
func botServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, chan request) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return botServerOn(t, ln, respond)
}

// botServerOn is botServer on a given listener.
func botServerOn(t *testing.T, ln net.Listener, respond func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, chan request) {
	t.Helper()
	reqs := make(chan request, 100)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		reqs <- request{r.Header.Clone(), body}
		respond(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, reqs
}

// A delivery reaches the bot signed as Standard Webhooks specifies, which
// the standard-webhooks library verifies, and the bot's answer is applied.
func TestWorkerDeliversSignedAndAppliesTheAnswer(t *testing.T) {
	h := newHarness(t)
	srv, reqs := botServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"instructions":[{"type":"post","message":{"text":"On it."}}]}`)
	})
	d := h.enqueue(t, srv.URL+"/events")
	w, _ := h.run(t, h.cfg)
	w.Kick()
	h.expect(t, outcomeDelivered)

	req := <-reqs
	wh, err := standardwebhooks.NewWebhook(h.secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(req.body, req.header); err != nil {
		t.Fatalf("the standard-webhooks library does not verify the request: %v", err)
	}
	for name, want := range map[string]string{
		"webhook-id": d.ID, "webhook-timestamp": fmt.Sprint(h.clock.Now().Unix()),
		"Content-Type": "application/json", "User-Agent": "Tandem-Webhooks/1",
	} {
		if got := req.header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if string(req.body) != string(d.Payload) {
		t.Errorf("body = %s, want the payload as stored", req.body)
	}
	// Signed with another secret, it would not verify.
	other, _ := standardwebhooks.NewWebhook(newSecret(t))
	if other.Verify(req.body, req.header) == nil {
		t.Fatal("another secret verifies the request")
	}

	got := <-h.answers
	if got.deliveryID != d.ID || len(got.answer.Instructions) != 1 || got.answer.Instructions[0].Message.Text != "On it." {
		t.Fatalf("applied %+v", got)
	}
	after := h.delivery(t, d.ID)
	if after.State != tandem.DeliveryDelivered || after.Attempts != 1 || after.LastStatus != 200 || after.LastError != "" || after.DoneAt.IsZero() {
		t.Fatalf("delivery after = %+v", after)
	}
	as := h.attempts(t, d.ID)
	if len(as) != 1 || as[0].N != 1 || as[0].Status != 200 || !as[0].At.Equal(h.clock.Now()) {
		t.Fatalf("attempts = %+v", as)
	}
}

// A failing bot is retried with exponential backoff, the same webhook-id
// every time, until the last attempt makes the delivery dead; each attempt
// is in the log.
func TestWorkerRetriesWithBackoffThenGivesUp(t *testing.T) {
	h := newHarness(t)
	srv, reqs := botServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	d := h.enqueue(t, srv.URL)
	w, _ := h.run(t, h.cfg)
	for n := 1; n <= 3; n++ {
		w.Kick()
		if n < 3 {
			h.expect(t, outcomeRetry)
			got := h.delivery(t, d.ID)
			wait := backoff(n, DefaultBaseDelay, DefaultMaxDelay) // Jitter returns its max here
			if got.State != tandem.DeliveryPending || got.Attempts != n || got.LastStatus != 503 || !got.NextAttemptAt.Equal(h.clock.Now().Add(wait)) {
				t.Fatalf("after attempt %d: %+v (want next in %v)", n, got, wait)
			}
			// Not due yet: a kick changes nothing until the clock moves.
			h.clock.Add(wait)
			continue
		}
		h.expect(t, outcomeDead)
	}
	got := h.delivery(t, d.ID)
	if got.State != tandem.DeliveryDead || got.Attempts != 3 || !strings.Contains(got.LastError, "gave up after 3 attempts") || !strings.Contains(got.LastError, "503") {
		t.Fatalf("dead delivery = %+v", got)
	}
	as := h.attempts(t, d.ID)
	if len(as) != 3 {
		t.Fatalf("%d attempts logged, want 3", len(as))
	}
	for i, a := range as {
		if a.N != i+1 || a.Status != 503 || a.Error == "" {
			t.Errorf("attempt %d = %+v", i+1, a)
		}
	}
	for range 3 {
		if r := <-reqs; r.header.Get("webhook-id") != d.ID {
			t.Fatalf("webhook-id %q, want %q on every attempt", r.header.Get("webhook-id"), d.ID)
		}
	}
}

// The bot's server is down: the delivery is retried, then dead, and
// nothing is lost: retried by its owner once the server is back, it is
// delivered, once, with the same webhook-id.
func TestWorkerBotDownThenBackAfterRetry(t *testing.T) {
	h := newHarness(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // down: connections are refused
	d := h.enqueue(t, "http://"+addr+"/events")
	w, _ := h.run(t, h.cfg)
	w.Kick()
	h.expect(t, outcomeRetry)
	if got := h.delivery(t, d.ID); got.LastStatus != 0 || !strings.Contains(got.LastError, "refused") {
		t.Fatalf("after a refused connection: %+v", got)
	}
	for range 2 {
		h.clock.Add(time.Hour)
		w.Kick()
		h.next(t)
	}
	if got := h.delivery(t, d.ID); got.State != tandem.DeliveryDead {
		t.Fatalf("after the last attempt: %+v", got)
	}

	// The server comes back on the same address.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, reqs := botServerOn(t, ln, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	retryDead(t, h.st.testStore, d.ID, h.clock.Now())
	w.Kick()
	h.expect(t, outcomeDelivered)
	if r := <-reqs; r.header.Get("webhook-id") != d.ID {
		t.Fatalf("webhook-id = %q, want %q", r.header.Get("webhook-id"), d.ID)
	}
	got := h.delivery(t, d.ID)
	if got.State != tandem.DeliveryDelivered || got.LastStatus != 204 || got.LastError != "" {
		t.Fatalf("after the retry: %+v", got)
	}
	if as := h.attempts(t, d.ID); len(as) != 4 || as[3].N != 4 || as[3].Status != 204 {
		t.Fatalf("attempts = %+v", as)
	}
	// Delivered is final: nothing is due any more, however late.
	due, err := h.st.ClaimDeliveries(context.Background(), h.clock.Now().Add(48*time.Hour), 10, time.Minute)
	if err != nil || len(due) != 0 {
		t.Fatalf("claimable after delivery: %v, %v", due, err)
	}
	select {
	case r := <-reqs:
		t.Fatalf("a second request: %v", r.header)
	default:
	}
}

// A bot asking to wait (Retry-After, in seconds or as a date) is waited
// for, capped at an hour, and longer than the backoff would.
func TestWorkerHonoursRetryAfter(t *testing.T) {
	cases := []struct {
		name, header string
		status       int
		want         time.Duration
	}{
		{"seconds", "120", 429, 120 * time.Second},
		{"date", "DATE+300", 503, 300 * time.Second},
		{"capped", "86400", 429, time.Hour},
		{"shorter than the backoff", "0", 503, DefaultBaseDelay},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			value := c.header
			if strings.HasPrefix(value, "DATE+") {
				value = h.clock.Now().Add(300 * time.Second).UTC().Format(http.TimeFormat)
			}
			srv, _ := botServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", value)
				w.WriteHeader(c.status)
			})
			d := h.enqueue(t, srv.URL)
			w, _ := h.run(t, h.cfg)
			w.Kick()
			h.expect(t, outcomeRetry)
			if got := h.delivery(t, d.ID); !got.NextAttemptAt.Equal(h.clock.Now().Add(c.want)) {
				t.Fatalf("next attempt in %v, want %v", got.NextAttemptAt.Sub(h.clock.Now()), c.want)
			}
		})
	}
}

// Requests that cannot succeed die at once, with a reason the owner can
// act on; revoked and deleted bots get nothing.
func TestWorkerDeadAtOnce(t *testing.T) {
	refusing := func(h *harness) Config {
		cfg := h.cfg
		cfg.Client = NewClient(ClientConfig{}) // 127.0.0.1 not allowed
		return cfg
	}
	cases := []struct {
		name       string
		status     int // the bot server's answer
		cfg        func(*harness) Config
		bot        func(*harness)
		wantStatus int
		wantErr    string
		reached    bool
	}{
		{name: "bad request", status: 400, wantStatus: 400, wantErr: "400 Bad Request, which is not retried", reached: true},
		{name: "gone", status: 410, wantStatus: 410, wantErr: "410", reached: true},
		{name: "unauthorized", status: 401, wantStatus: 401, wantErr: "401", reached: true},
		{name: "loopback refused", cfg: refusing, wantErr: "--webhook-allow"},
		{name: "revoked", bot: func(h *harness) {
			h.bot.TokenHash = ""
			if err := h.st.UpdateBot(context.Background(), h.bot); err != nil {
				panic(err)
			}
		}, wantErr: "revoked"},
		{name: "bad secret", bot: func(h *harness) {
			h.bot.SigningSecret = "whsec_!!"
			if err := h.st.UpdateBot(context.Background(), h.bot); err != nil {
				panic(err)
			}
		}, wantErr: "signing secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			srv, reqs := botServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(c.status) })
			url := srv.URL
			if c.bot != nil {
				c.bot(h)
			}
			d := h.enqueue(t, url)
			cfg := h.cfg
			if c.cfg != nil {
				cfg = c.cfg(h)
			}
			w, _ := h.run(t, cfg)
			w.Kick()
			h.expect(t, outcomeDead)
			got := h.delivery(t, d.ID)
			if got.State != tandem.DeliveryDead || got.Attempts != 1 || got.LastStatus != c.wantStatus || !strings.Contains(got.LastError, c.wantErr) {
				t.Fatalf("delivery = %+v, want dead with %d and %q", got, c.wantStatus, c.wantErr)
			}
			if as := h.attempts(t, d.ID); len(as) != 1 || as[0].Error != got.LastError {
				t.Fatalf("attempts = %+v", as)
			}
			if reached := len(reqs) > 0; reached != c.reached {
				t.Fatalf("bot server reached = %v, want %v", reached, c.reached)
			}
		})
	}
}

// botDeleter deletes the bot when the worker reads it: the bot was deleted
// between the claim of its delivery and its attempt.
type botDeleter struct {
	testStore
	id string
}

func (b *botDeleter) BotByID(ctx context.Context, id string) (*tandem.Bot, error) {
	if id == b.id {
		if err := b.DeleteBot(ctx, id); err != nil {
			return nil, err
		}
	}
	return b.testStore.BotByID(ctx, id)
}

// A bot deleted while its delivery is tried gets nothing, and the
// delivery goes with it; the worker goes on with the others.
func TestWorkerDropsDeliveriesOfDeletedBots(t *testing.T) {
	h := newHarness(t)
	srv, reqs := botServer(t, func(w http.ResponseWriter, r *http.Request) {})
	doomed := h.enqueue(t, srv.URL+"/doomed")
	// A second bot, whose delivery comes after and shows the worker is
	// done with the first.
	other := *h.bot
	other.ID, other.Name, other.TokenHash = "", "other", "fedcba9876543210"
	if err := h.st.testStore.(interface {
		CreateBot(context.Context, *tandem.Bot) error
	}).CreateBot(context.Background(), &other); err != nil {
		t.Fatal(err)
	}
	h.bot = &other
	sentinel := h.enqueue(t, srv.URL+"/sentinel")
	cfg := h.cfg
	cfg.Workers = 1
	cfg.Store = &botDeleter{testStore: h.st, id: doomed.BotID}
	w, _ := h.run(t, cfg)
	w.Kick()
	h.expect(t, outcomeDelivered)
	if r := <-reqs; r.header.Get("webhook-id") != sentinel.ID {
		t.Fatalf("the bot server got %s first", r.header.Get("webhook-id"))
	}
	if _, err := h.st.DeliveryByID(context.Background(), doomed.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Fatalf("the deleted bot's delivery: %v", err)
	}
}

// A bot slower than the timeout is cut off and retried; the claim's lock
// outlives the timeout, so no other worker takes the delivery meanwhile.
func TestWorkerTimesOut(t *testing.T) {
	h := newHarness(t)
	srv, _ := botServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	cfg := h.cfg
	cfg.Timeout = 300 * time.Millisecond
	d := h.enqueue(t, srv.URL)
	w, _ := h.run(t, cfg)
	w.Kick()
	h.expect(t, outcomeRetry)
	if got := h.delivery(t, d.ID); !strings.Contains(got.LastError, "did not answer in time") {
		t.Fatalf("delivery = %+v", got)
	}
	h.st.mu.Lock()
	lock := h.st.lockFor
	h.st.mu.Unlock()
	if lock < cfg.Timeout+10*time.Second {
		t.Fatalf("claims lock for %v: not enough past the %v timeout to record the attempt", lock, cfg.Timeout)
	}
}

// Stopping the worker cuts its requests short without recording them; the
// claim runs out and the next worker delivers the same webhook-id.
func TestWorkerStopsCleanly(t *testing.T) {
	h := newHarness(t)
	started := make(chan struct{}, 10)
	var mu sync.Mutex
	answer := false
	srv, reqs := botServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ok := answer
		mu.Unlock()
		if ok {
			return
		}
		started <- struct{}{}
		<-r.Context().Done()
	})
	d := h.enqueue(t, srv.URL)
	w, stop := h.run(t, h.cfg)
	w.Kick()
	<-started
	stop() // returns once the attempt in flight has ended
	if as := h.attempts(t, d.ID); len(as) != 0 {
		t.Fatalf("an interrupted attempt was recorded: %+v", as)
	}
	if got := h.delivery(t, d.ID); got.State != tandem.DeliveryPending || got.Attempts != 0 {
		t.Fatalf("delivery after stop = %+v", got)
	}

	mu.Lock()
	answer = true
	mu.Unlock()
	h.clock.Add(w.lockFor()) // the claim runs out
	w2, _ := h.run(t, h.cfg)
	w2.Kick()
	h.expect(t, outcomeDelivered)
	first, second := <-reqs, <-reqs
	if first.header.Get("webhook-id") != d.ID || second.header.Get("webhook-id") != d.ID {
		t.Fatal("the webhook-id changed between attempts")
	}
}

// What a bot answers is applied only when it is an answer with
// instructions; anything else is noted on the attempt and ignored.
func TestWorkerReadsAnswers(t *testing.T) {
	cases := []struct {
		name, body string
		wantApply  bool
		wantErr    string
	}{
		{"instructions", `{"instructions":[{"type":"rename","name":"Billing"}]}`, true, ""},
		{"empty", "", false, ""},
		{"white space", " \n", false, ""},
		{"no instructions", `{"instructions":[]}`, false, ""},
		{"not JSON", "thanks!", false, "not JSON of an answer"},
		{"too large", `{"instructions":[],"pad":"` + strings.Repeat("x", MaxResponseBytes) + `"}`, false, "larger than 256 KiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			srv, _ := botServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/sentinel" {
					io.WriteString(w, `{"instructions":[{"type":"rename","name":"x"}]}`)
					return
				}
				io.WriteString(w, c.body)
			})
			d := h.enqueue(t, srv.URL+"/case")
			sentinel := h.enqueue(t, srv.URL+"/sentinel")
			cfg := h.cfg
			cfg.Workers = 1 // the sentinel is tried after the case is done
			w, _ := h.run(t, cfg)
			w.Kick()
			h.expect(t, outcomeDelivered)
			h.expect(t, outcomeDelivered)
			var got []string
			for a := range h.answers {
				got = append(got, a.deliveryID)
				if a.deliveryID == sentinel.ID {
					break
				}
			}
			if applied := len(got) == 2 && got[0] == d.ID; applied != c.wantApply {
				t.Fatalf("applied %v, want the case applied = %v", got, c.wantApply)
			}
			if after := h.delivery(t, d.ID); after.State != tandem.DeliveryDelivered || !strings.Contains(after.LastError, c.wantErr) || (c.wantErr == "" && after.LastError != "") {
				t.Fatalf("delivery = %+v, want delivered with %q", after, c.wantErr)
			}
		})
	}
}

// Several workers sharing the outbox (nodes) deliver each delivery once.
func TestWorkersDeliverEachOnce(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	seen := map[string]int{}
	srv, _ := botServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("webhook-id")]++
		mu.Unlock()
	})
	const n = 40
	for range n {
		h.enqueue(t, srv.URL)
	}
	cfg := h.cfg
	cfg.Workers = 4
	w1, _ := h.run(t, cfg)
	w2, _ := h.run(t, cfg)
	w1.Kick()
	w2.Kick()
	for range n {
		h.expect(t, outcomeDelivered)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		t.Fatalf("%d deliveries reached the bot, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s delivered %d times", id, c)
		}
	}
}

func TestDefaultJitterIsFull(t *testing.T) {
	w, err := New(Config{Store: newFixture(t, newSecret(t), "https://bots.example/x").db})
	if err != nil {
		t.Fatal(err)
	}
	var low, high bool
	for range 2000 {
		d := w.cfg.Jitter(time.Second)
		if d < 0 || d > time.Second {
			t.Fatalf("jitter %v outside [0, 1s]", d)
		}
		low = low || d < 250*time.Millisecond
		high = high || d > 750*time.Millisecond
	}
	if !low || !high {
		t.Fatal("jitter does not spread over [0, max]")
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("a worker without a store")
	}
}

func TestSignVerifies(t *testing.T) {
	secret := newSecret(t)
	body := []byte(`{"type":"mention"}`)
	ts := time.Now()
	h, err := Sign(secret, "msg_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	wh, _ := standardwebhooks.NewWebhook(secret)
	if err := wh.Verify(body, h); err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify([]byte(`{"type":"other"}`), h); err == nil {
		t.Fatal("a changed body verifies")
	}
	if !strings.HasPrefix(h.Get("webhook-signature"), "v1,") {
		t.Fatalf("signature %q", h.Get("webhook-signature"))
	}
	if _, err := Sign("whsec_", "id", ts, body); err == nil {
		t.Fatal("an empty secret signs")
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		t.Fatal("test body")
	}
}
