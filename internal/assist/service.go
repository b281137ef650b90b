// Package assist is web assistance: help requests, invites, consent, the live
// channel between a person's page and the agents watching it, and the
// recording of every event. It is transport-agnostic: the HTTP layer hands it
// frames read from WebSockets and writes back the frames it returns.
package assist

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store"
)

// Store is the part of the store that web assistance needs.
type Store interface {
	SiteByKey(ctx context.Context, key string) (*tandem.Site, error)
	SiteByID(ctx context.Context, id string) (*tandem.Site, error)
	UserByID(ctx context.Context, id string) (*tandem.User, error)

	CreateWaitingAssist(ctx context.Context, a *tandem.Assist, max int) error
	AssistByID(ctx context.Context, id string) (*tandem.Assist, error)
	UpdateAssist(ctx context.Context, a *tandem.Assist, from tandem.AssistState) error
	ListAssists(ctx context.Context, f store.AssistFilter) ([]*tandem.Assist, error)
	CountAssists(ctx context.Context, f store.AssistFilter) (map[tandem.AssistState]int, error)
	RecordConsent(ctx context.Context, c *tandem.Consent) error
	ConsentsFor(ctx context.Context, assistID string) ([]*tandem.Consent, error)
	AddPage(ctx context.Context, p *tandem.Page) error
	PagesFor(ctx context.Context, assistID string) ([]*tandem.Page, error)

	CreateInvite(ctx context.Context, inv *tandem.Invite) error
	LiveInvite(ctx context.Context, siteID, tokenHash, codeHash string, now time.Time) (*tandem.Invite, error)
	RedeemInvite(ctx context.Context, r *store.InviteRedemption) error

	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
	AuditFor(ctx context.Context, sessionID string) ([]*tandem.AuditEntry, error)

	Availability
}

// Config tunes the service. Zero values get the defaults in parentheses.
type Config struct {
	// Secret signs person tokens; keep it stable across restarts (required).
	Secret []byte
	// TeamName completes the consent prompt: "Alex from Support wants …" ("Support").
	TeamName string
	// InviteTTL is how long an invite stays valid (10 minutes).
	InviteTTL time.Duration
	// Grace is how long a dropped person or agent connection may take to come
	// back before the assist ends (30 seconds).
	Grace time.Duration
	// PingInterval is how often channels are pinged to measure latency (5 seconds).
	PingInterval time.Duration
	// MaxRetainedBytes bounds what a hub keeps for late joiners (32 MiB).
	MaxRetainedBytes int
	// ReaderQueue is the number of frames an agent may fall behind (256).
	ReaderQueue int
	// MaxWaiting is the budget of help requests one site may have waiting
	// for an agent at once (100); a request over it is refused, so that a
	// flood cannot bury the people who asked before it.
	MaxWaiting int
	// RateBytes is how many bytes a second a person may send to one assist
	// (1 MiB), after a burst of BurstBytes (16 MiB, and at least one frame
	// of any size). Faster senders wait; one that would wait over 5 s is
	// closed with 4429. Negative: no limit.
	RateBytes  int
	BurstBytes int
	// MaxRecordedBytes ends an assist whose recording reaches it (1 GiB).
	// Negative: no limit.
	MaxRecordedBytes int64
	// DisableRecording relays without recording (benchmarks only).
	DisableRecording bool
	// Spool, if set, takes the recordings' chunks that blob storage fails
	// to store, or to store in time, so that an outage of the bucket costs
	// the live assists neither memory nor waiting (see record.Spool). The
	// caller opens and closes it.
	Spool *record.Spool
	// ICE hands out STUN/TURN servers for calls; nil means calls get none
	// (peers on one network still connect).
	ICE    ICE
	Logger *slog.Logger
	Now    func() time.Time
	// AfterFunc starts the grace periods (time.AfterFunc): f runs once d
	// has passed unless the Timer is stopped first. Tests pass a fake
	// clock's, to move past a grace period without waiting for it.
	AfterFunc func(d time.Duration, f func()) Timer
	// Node, if set, holds the leases of the assists this server runs:
	// an assist's lease is taken before it is stored and given up when it
	// ends; clients of an assist another live node holds are refused here
	// (they reconnect), and the start-up and periodic sweeps end only
	// assists that no live node holds. Nil: one server, no leases.
	Node *lease.Node
	// Bus, if set, carries the changes of the queue between nodes: each
	// change here is announced on it, and the queue watchers here (see
	// SubscribeQueue) list again on the changes of every other node. Nil:
	// one server, whose watchers hear only its own changes.
	Bus bus.Bus
	// Conversations, if set, gives every help request its support
	// conversation (see Conversations). Nil: assists without one.
	Conversations Conversations
	// Ended, if set, is told of each assist this node ended, once, right
	// after the end is stored (the site's automatic video export). It
	// runs while the assist is locked: it must be quick and must not call
	// back into the Service.
	Ended func(ctx context.Context, a *tandem.Assist)
}

// Conversations links assists to support conversations (the conversation
// service).
type Conversations interface {
	// CheckLink reports whether a help request of site siteID may link
	// its assist to conversationID with the person token token. It
	// changes nothing.
	CheckLink(ctx context.Context, siteID, conversationID, token string) error
	// LinkAssist links a new assist to conversationID, or to a new
	// support conversation when it is "", and returns the conversation's
	// id and person token.
	LinkAssist(ctx context.Context, a *tandem.Assist, conversationID string) (id, token string, err error)
	// AgentAccepted makes the agent who accepted an assist a member of
	// its conversation.
	AgentAccepted(ctx context.Context, assistID, agentID string) error
}

// Timer is a grace period running; *time.Timer is one.
type Timer interface {
	// Stop keeps the timer's function from running; false if it ran
	// (or is running) already.
	Stop() bool
}

func realAfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

func (c *Config) setDefaults() {
	if c.TeamName == "" {
		c.TeamName = "Support"
	}
	if c.InviteTTL == 0 {
		c.InviteTTL = 10 * time.Minute
	}
	if c.Grace == 0 {
		c.Grace = 30 * time.Second
	}
	if c.PingInterval == 0 {
		c.PingInterval = 5 * time.Second
	}
	if c.MaxRetainedBytes == 0 {
		c.MaxRetainedBytes = 32 << 20
	}
	if c.ReaderQueue == 0 {
		c.ReaderQueue = 256 // about five seconds of a busy page's batches
	}
	if c.MaxWaiting == 0 {
		c.MaxWaiting = 100
	}
	if c.RateBytes == 0 {
		c.RateBytes = 1 << 20
	}
	if c.BurstBytes <= 0 {
		c.BurstBytes = 16 << 20
	}
	if c.MaxRecordedBytes == 0 {
		c.MaxRecordedBytes = 1 << 30
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.AfterFunc == nil {
		c.AfterFunc = realAfterFunc
	}
}

// Service runs web assistance. Create it with New and stop it with Shutdown.
type Service struct {
	cfg    Config
	store  Store
	blobs  blobs.Store
	log    *slog.Logger
	events Observer

	mu    sync.Mutex
	lives map[string]*live // assists not yet ended, by id
	// taking holds the assists being taken over here (takeover.go), with
	// a channel closed when that is done.
	taking map[string]chan struct{}
	// draining is set by Drain: nothing new starts here.
	draining atomic.Bool
	queue    map[chan struct{}]struct{}
	// queueOut holds one pending announcement of a queue change for the
	// bus (see queuebus.go), so that a burst of changes sends one.
	queueOut chan struct{}
	// busNode names this node in its announcements; set before the
	// queue's goroutines start.
	busNode string
	// sites orders the applications of site edits (sitelive.go).
	sites siteFollow
	// fullLogged is when each site's full queue was last logged.
	fullLogged map[string]time.Time

	stopPings context.CancelFunc
	wg        sync.WaitGroup
	// storing bounds how many recordings store a chunk at once: as many as
	// the blob store says it serves well (blobs.Parallel), one without:
	// on local disks, parallel file creation and fsync only take CPU from
	// the live channels (see docs/performance.md), where a remote bucket's
	// requests mostly wait on the network.
	storing *record.Gate
	// gather is how long a recording gathers frames before storing a
	// chunk: longer on object storage, where each chunk is a request
	// (blobs.Gathering); the person's SDK holds the frames until then.
	gather time.Duration
}

// Observer is told about what happens, for metrics. All methods must be cheap
// and safe for concurrent use; a nil Observer is allowed.
type Observer interface {
	FrameIn(bytes int)
	FrameDuplicate()
	SlowReader()
	AssistStarted()
	AssistEnded()
}

// New returns a running service. st holds assists; bs holds recordings.
func New(cfg Config, st Store, bs blobs.Store, obs Observer) *Service {
	cfg.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		cfg:        cfg,
		store:      st,
		blobs:      bs,
		log:        cfg.Logger,
		events:     obs,
		lives:      make(map[string]*live),
		taking:     make(map[string]chan struct{}),
		queue:      make(map[chan struct{}]struct{}),
		fullLogged: make(map[string]time.Time),
		queueOut:   make(chan struct{}, 1),
		stopPings:  cancel,
		storing:    record.NewGate(blobs.MaxParallel(bs)),
		gather:     blobs.GatherFor(bs, record.DefaultFlushInterval),
	}
	s.wg.Go(func() { s.pingLoop(ctx) })
	if cfg.Bus != nil {
		s.startQueueBus(ctx)
		s.startSiteBus(ctx)
	}
	return s
}

// EndAbandoned ends, at start, the open assists that no live server runs:
// those without a lease, left by a Tandem from before leases (with
// ReasonRestarted), and, with a Node, those whose owner let its lease lapse
// (SweepExpired). An assist that another live node holds is left alone.
// Without a Node every open assist not running here is ended. Call it once
// at start.
func (s *Service) EndAbandoned(ctx context.Context) error {
	if err := s.endLeaseless(ctx); err != nil {
		return err
	}
	for {
		n, err := s.SweepExpired(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// endLeaseless ends the open assists not running here that never had a
// lease (every one, without a Node).
func (s *Service) endLeaseless(ctx context.Context) error {
	f := store.AssistFilter{
		States: []tandem.AssistState{tandem.AssistWaiting, tandem.AssistConsenting, tandem.AssistLive},
		Oldest: true,
		Limit:  store.MaxAssistLimit,
	}
	for {
		open, err := s.store.ListAssists(ctx, f)
		if err != nil || len(open) == 0 {
			return err
		}
		f.After = store.AssistCursor(open[len(open)-1])
		for _, a := range open {
			s.mu.Lock()
			_, running := s.lives[a.ID]
			s.mu.Unlock()
			if running {
				continue
			}
			if s.cfg.Node != nil {
				leased, err := s.cfg.Node.HasLease(ctx, a.ID)
				if err != nil {
					return err
				}
				if leased {
					continue // a live owner's, or SweepExpired's
				}
			}
			next := *a
			next.State, next.EndedAt, next.EndReason = tandem.AssistEnded, s.cfg.Now(), ReasonRestarted
			// A conflict: it changed since it was listed, and is not ours.
			if err := s.store.UpdateAssist(ctx, &next, a.State); err != nil && tandem.ErrorCode(err) != tandem.EConflict {
				return err
			}
		}
	}
}

// Shutdown ends every open assist (telling people and agents the server is
// going away), makes every recording durable, and stops background work.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	ids := make([]string, 0, len(s.lives))
	for id := range s.lives {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var firstErr error
	for _, id := range ids {
		if _, err := s.end(ctx, "system", id, "server shutting down", closeGoingAway); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	s.stopPings()
	s.wg.Wait()
	return firstErr
}

func (s *Service) observe(fn func(Observer)) {
	if s.events != nil {
		fn(s.events)
	}
}

// audit appends to the audit log. The entry is written even when the request
// that caused it is cancelled (e.g. the channel closed right after): the log
// must not miss what happened.
func (s *Service) audit(ctx context.Context, sessionID, actor, action, detail string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.store.AppendAudit(ctx, &tandem.AuditEntry{
		SessionID: sessionID, Actor: actor, Action: action, Detail: detail, At: s.cfg.Now(),
	})
	if err != nil {
		s.log.Error("audit append failed", "session", sessionID, "action", action, "err", err)
	}
}
