package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/botapi"
	"github.com/tandemhq/tandem/internal/store"
)

// Store is what the worker needs of the store: the outbox, and the bots
// the deliveries go to (for their signing secret, and whether they still
// may receive anything).
type Store interface {
	ClaimDeliveries(ctx context.Context, now time.Time, limit int, lockFor time.Duration) ([]*tandem.Delivery, error)
	RecordAttempt(ctx context.Context, d *tandem.Delivery, a *tandem.DeliveryAttempt) error
	RecordAttempts(ctx context.Context, rs []store.AttemptRecord) ([]error, error)
	BotByID(ctx context.Context, id string) (*tandem.Bot, error)
}

// Answers applies what a bot answered a delivered request with (the bot
// service). Apply reports refusals to the bot itself; its error is only
// logged.
type Answers interface {
	Apply(ctx context.Context, d *tandem.Delivery, a *botapi.Answer) error
}

// Observer is told about every attempt, for metrics; outcome is
// "delivered", "retry" or "dead". Nil is allowed.
type Observer interface {
	WebhookAttempt(outcome string, d time.Duration)
}

// Config configures a Worker. Zero fields get the defaults in parentheses.
type Config struct {
	Store Store
	// Client sends the requests (NewClient with no allowed ranges).
	Client *http.Client
	// Answers gets the answers of delivered requests; nil ignores them.
	Answers Answers
	// Observer is told the outcome of every attempt; nil for none.
	Observer Observer
	Logger   *slog.Logger
	// Workers is how many requests are in flight at most (4).
	Workers int
	// Prefetch is how many claimed deliveries at most wait for a free
	// worker (2 × Workers, at most store.MaxClaim): one claim takes
	// several, instead of one per freed worker.
	Prefetch int
	// MaxAttempts is how many attempts a delivery gets before it is dead
	// (DefaultMaxAttempts).
	MaxAttempts int
	// Timeout bounds one attempt (DefaultTimeout); a claimed delivery is
	// locked for Timeout plus a margin, so that no other worker takes it
	// while this one still waits for the bot.
	Timeout time.Duration
	// BaseDelay and MaxDelay shape the backoff between attempts
	// (DefaultBaseDelay, DefaultMaxDelay).
	BaseDelay, MaxDelay time.Duration
	// Poll is how often the outbox is asked for due deliveries when
	// nobody calls Kick (1s).
	Poll time.Duration
	// Now is the clock (time.Now); tests set a fake one.
	Now func() time.Time
	// Jitter draws a wait in [0, max] (uniformly at random); tests may
	// fix it.
	Jitter func(max time.Duration) time.Duration
}

// maxReason bounds the error kept with an attempt (the store keeps 4 KiB).
const maxReason = 1000

// clip cuts s to at most n bytes, at a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// lockMargin is how much longer than an attempt's timeout a claim lasts:
// time to record the attempt once the bot answered.
const lockMargin = 30 * time.Second

// Worker delivers the outbox. Run runs it; several workers (on several
// nodes) may share a store: each delivery is claimed by one at a time.
type Worker struct {
	cfg  Config
	kick chan struct{}
}

// New returns a worker for cfg.
func New(cfg Config) (*Worker, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook: a worker needs a store")
	}
	if cfg.Client == nil {
		cfg.Client = NewClient(ClientConfig{Timeout: cfg.Timeout})
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 2 * cfg.Workers
	}
	cfg.Prefetch = min(cfg.Prefetch, store.MaxClaim)
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = DefaultBaseDelay
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = func(max time.Duration) time.Duration {
			if max <= 0 {
				return 0
			}
			return rand.N(max + 1)
		}
	}
	return &Worker{cfg: cfg, kick: make(chan struct{}, 1)}, nil
}

// Kick makes the worker look for due deliveries now rather than at its
// next poll: call it after enqueueing some.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// deliver makes one attempt at d and records it.
func (w *Worker) deliver(ctx context.Context, rec *recorder, d *tandem.Delivery) {
	start := w.cfg.Now()
	a := &tandem.DeliveryAttempt{DeliveryID: d.ID, N: d.Attempts + 1, At: start}
	bot, err := w.cfg.Store.BotByID(ctx, d.BotID)
	switch {
	case tandem.ErrorCode(err) == tandem.ENotFound:
		w.finish(rec, d, a, outcomeDead, "the bot was deleted")
		return
	case err != nil:
		// The store failed, not the bot: no attempt is counted, and the
		// claim running out brings the delivery back.
		if ctx.Err() == nil {
			w.cfg.Logger.Error("webhook: read the bot of a delivery", "delivery", d.ID, "bot", d.BotID, "err", err)
		}
		return
	case bot.TokenHash == "":
		w.finish(rec, d, a, outcomeDead, "the bot's token is revoked: it receives nothing until it has a new one")
		return
	}
	res := w.attempt(ctx, d, bot.SigningSecret)
	if res.interrupted {
		return
	}
	a.Status = res.status
	a.Duration = w.cfg.Now().Sub(start)
	outcome := res.outcome
	if outcome == outcomeRetry && a.N >= w.cfg.MaxAttempts {
		outcome = outcomeDead
		res.err = fmt.Sprintf("%s (gave up after %d attempts)", res.err, a.N)
	}
	if outcome == outcomeRetry {
		wait := max(w.cfg.Jitter(backoff(a.N, w.cfg.BaseDelay, w.cfg.MaxDelay)), res.retryAfter)
		d.NextAttemptAt = w.cfg.Now().Add(wait)
	}
	if !w.finish(rec, d, a, outcome, res.err) {
		return
	}
	if res.answer != nil && w.cfg.Answers != nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Timeout)
		defer cancel()
		if err := w.cfg.Answers.Apply(actx, d, res.answer); err != nil {
			w.cfg.Logger.Warn("webhook: apply a bot's answer", "delivery", d.ID, "bot", d.BotID, "err", err)
		}
	}
}

// The outcomes of an attempt.
const (
	outcomeDelivered = "delivered"
	outcomeRetry     = "retry"
	outcomeDead      = "dead"
)

// finish writes the attempt a of d with its outcome and reports whether
// it was stored. The recorder writes it even when the worker's context
// has ended: the bot saw the request, and recording it keeps it from
// being sent again.
func (w *Worker) finish(rec *recorder, d *tandem.Delivery, a *tandem.DeliveryAttempt, outcome, reason string) bool {
	now := w.cfg.Now()
	d.Attempts = a.N
	d.LastStatus = a.Status
	reason = clip(reason, maxReason)
	d.LastError = reason
	a.Error = reason
	switch outcome {
	case outcomeDelivered:
		d.State, d.DoneAt = tandem.DeliveryDelivered, now
	case outcomeDead:
		d.State, d.DoneAt = tandem.DeliveryDead, now
	default:
		d.State = tandem.DeliveryPending
	}
	if err := rec.record(d, a); err != nil {
		if tandem.ErrorCode(err) == tandem.ENotFound {
			// Its bot or conversation was deleted meanwhile, and the
			// delivery with it: nothing is owed any more.
			w.cfg.Logger.Debug("webhook: a delivery was deleted while it was tried", "delivery", d.ID)
			return false
		}
		w.cfg.Logger.Error("webhook: record an attempt", "delivery", d.ID, "err", err)
		return false
	}
	if w.cfg.Observer != nil {
		w.cfg.Observer.WebhookAttempt(outcome, a.Duration)
	}
	return true
}
