// Package app wires Tandem together: it opens the store and blob storage
// (through internal/backend, by URL), loads the shared secrets, builds each
// capability, and runs the HTTP (and demo) listeners. cmd/tandem and the
// end-to-end tests start Tandem through it. It holds the store and blob
// storage as interfaces only.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/admin"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/bot"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/cluster"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/demo"
	"github.com/tandemhq/tandem/internal/httpapi"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/metrics"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/retention"
	"github.com/tandemhq/tandem/internal/sharelink"
	"github.com/tandemhq/tandem/internal/slackhook"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/videoexport"
	"github.com/tandemhq/tandem/internal/webhook"
	"github.com/tandemhq/tandem/web"
)

// Config is how to run Tandem. Zero values get the defaults in parentheses.
type Config struct {
	Addr     string // HTTP listen address (127.0.0.1:8080)
	DemoAddr string // the demo site's listen address; "" or "off" for none
	SSHAddr  string // terminal assistance; "" or "off" for none
	DataDir  string // the default store and blobs, the demo login (./tandem-data)
	// StoreURL is the store (sqlite://DATADIR/tandem.db); see
	// backend.OpenStore.
	StoreURL string
	// BlobsURL is the blob storage of recordings (file://DATADIR/blobs);
	// see backend.OpenBlobs.
	BlobsURL string
	// BusURL is the bus that carries notifications between nodes: "local"
	// (the default) or nats://host:4222; see backend.OpenBus. It carries
	// the changes of the queue (every agent's queue is live on every node)
	// and of the sessions' leases.
	BusURL string
	// SecretsFile is the file of the secrets every server of the
	// installation shares (see ParseSecretsFile); "" keeps them in the
	// store.
	SecretsFile string
	PublicURL   string // how people and agents reach Addr (http://ADDR)
	TeamName    string // in consent prompts ("Support")
	// ConsoleSignIn is how agents sign in to the console: "password",
	// "passport" or "both" ("" is both).
	ConsoleSignIn string
	// DemoSDKURL is the Tandem URL the demo pages load the SDK from
	// (PublicURL); tests point it through a proxy to cut the network.
	DemoSDKURL string
	InviteTTL  time.Duration
	Grace      time.Duration
	// SessionRecheck is how often an open console channel's session is
	// checked again (httpapi.Deps.SessionRecheck; 5 s by default).
	SessionRecheck time.Duration
	// HostGrace is how long a terminal host whose connection dropped has
	// to resume its session, on any node; default Grace.
	HostGrace time.Duration
	// MaxWaiting is the budget of help requests one site may have waiting
	// at once (100).
	MaxWaiting int
	// Now is the assists' clock (time.Now); tests set a fake one.
	Now func() time.Time
	// AfterFunc starts the assists' grace periods (time.AfterFunc); tests
	// set a fake clock's. See assist.Config.
	AfterFunc func(time.Duration, func()) assist.Timer
	// LivenessInterval is how often terminal hosts are probed (10s).
	LivenessInterval time.Duration
	// ICE configures STUN/TURN for calls; the embedded TURN server is off
	// unless ICE.TURNAddr is set.
	ICE ICEConfig
	// DisableRecording relays without recording; for benchmarks only.
	DisableRecording bool
	// AssistRateBytes, AssistBurstBytes and AssistMaxBytes limit what one
	// person may send to an assist: bytes a second after a burst (1 MiB/s,
	// 16 MiB), and bytes recorded in all (1 GiB). See assist.Config.
	AssistRateBytes  int
	AssistBurstBytes int
	AssistMaxBytes   int64
	// RecordingSpoolDir keeps the recording chunks that blob storage fails
	// to store until it answers again (DATA/spool); RecordingSpoolBytes
	// bounds it (1 GiB). See record.Spool.
	RecordingSpoolDir   string
	RecordingSpoolBytes int64
	// WrapBlobs, if set, wraps the blob storage the server uses: tests
	// take it down mid-assist.
	WrapBlobs func(blobs.Store) blobs.Store
	Logger    *slog.Logger

	// MetricsAddr is where Prometheus metrics are served on a listener of
	// their own; "" or "off" for none. The public Addr answers 404 for
	// /metrics unless MetricsToken is set.
	MetricsAddr string
	// MetricsToken, when set, is the bearer token /metrics requires, on
	// MetricsAddr and on Addr alike (at least 16 characters).
	MetricsToken string
	// TrustedProxies are the reverse proxies (CIDR prefixes or addresses,
	// each entry possibly a comma-separated list) whose X-Forwarded-For
	// names the client for limits and logs; none by default.
	TrustedProxies []string
	// SignInSlots is how many sign-ins have their password hashed at once,
	// 64 MiB each (password.DefaultSlots: GOMAXPROCS, 2 to 4).
	SignInSlots int
	// Timeouts bound slow clients of the HTTP listeners.
	Timeouts HTTPTimeouts
	// SweepInterval is how often recordings past their site's retention,
	// and those of removed assists and sites, are deleted (1 hour); the
	// first sweep runs at start. See internal/retention.
	SweepInterval time.Duration
	// NodeURL is how other nodes reach this one (PublicURL); LeaseTTL is
	// how long its sessions' leases last unrenewed (10s). See node.go.
	NodeURL  string
	LeaseTTL time.Duration
	// WebhookAllow are the address ranges (CIDR prefixes or addresses,
	// each entry possibly a comma-separated list) that requests to bots may
	// reach although they are loopback, private or link-local; none by
	// default. See webhook.ParseAllow.
	WebhookAllow []string
	// VideoWorkers is how many video exports this node renders at once
	// (1); negative: none (it still takes requests, which other nodes
	// render). VideoBrowser is the browser that draws them (empty:
	// chromium-headless-shell, else chromium), VideoTabs how many tabs draw
	// the frames of one export at once (0: video.DefaultTabs). See
	// internal/videoexport.
	VideoWorkers int
	VideoBrowser string
	VideoTabs    int
	// WebhookWorkers is how many requests to bots this server sends at
	// once (4); WebhookAttempts how many attempts a request gets before it
	// is dead (webhook.DefaultMaxAttempts).
	WebhookWorkers  int
	WebhookAttempts int
	// WebhookPoll is how often the outbox is read for due requests when
	// nothing announced one (1s); tests shorten it.
	WebhookPoll time.Duration
	// DrainDelay is how long Drain waits, once /readyz says "stopping",
	// before it hands the sessions over: the time the load balancers take
	// to stop sending new clients here (none; tandem serve's default is
	// 2s). See drain.go.
	DrainDelay time.Duration
}

// Server is a running Tandem.
type Server struct {
	cfg     Config
	log     *slog.Logger
	db      store.Store
	bus     bus.Bus
	assists *assist.Service
	spool   *record.Spool

	conversations *conversation.Service
	// bots is nil while the store has no bots.
	bots *bot.Service
	// passport is nil while the store keeps no passport.
	passport *passport.Service
	// draining is set when Drain or Close begins: /readyz then says
	// "stopping".
	draining atomic.Bool
	api      *httpapi.Server
	http     *http.Server
	demoHTTP *http.Server
	ln       net.Listener
	demoLn   net.Listener
	ssh      *sshrelay.Server
	node     *lease.Node
	// nodeAuth signs this node's requests to other nodes and checks
	// theirs (forwarded clients).
	nodeAuth *cluster.Auth
	// stopNode stops the heartbeat and the sweep of stopped nodes (with
	// the requests; tests call it to play a node that died).
	stopNode context.CancelFunc
	ice      *iceServers
	demo     DemoInfo
	wg       sync.WaitGroup
	// stopRequests cancels the context of every request, so that WebSocket
	// handlers, which Shutdown does not wait for, end too.
	stopRequests context.CancelFunc

	// webhooks send what bots are owed (webhooks.go).
	webhooks webhooks

	// metricsHTTP serves /metrics on MetricsAddr, off the public port.
	metricsHTTP *http.Server
	metricsLn   net.Listener

	// videoRenderer says whether this node can render videos (a browser
	// and ffmpeg were found).
	videoRenderer bool
	// videos is the video export service, set once it exists: assists
	// that end before (abandoned ones, at start) are not exported.
	videos atomic.Pointer[videoexport.Service]
}

// DemoInfo is what `tandem serve` prints so a user can try Tandem at once.
type DemoInfo struct {
	SiteURL  string
	SiteKey  string
	Email    string
	Password string // empty when the demo agent was created on an earlier run and its password file is gone
}

// Start opens everything and starts serving. Stop it with Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "tandem-data"
	}
	if cfg.StoreURL == "" {
		cfg.StoreURL = backend.SQLiteURL(filepath.Join(cfg.DataDir, DBFile))
	}
	if cfg.BlobsURL == "" {
		cfg.BlobsURL = backend.FileURL(filepath.Join(cfg.DataDir, BlobsDir))
	}
	if cfg.BusURL == "" {
		cfg.BusURL = backend.BusLocal
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.SweepInterval < 0 {
		return nil, fmt.Errorf("the sweep interval %v is negative", cfg.SweepInterval)
	}
	if cfg.DrainDelay < 0 {
		return nil, fmt.Errorf("--drain-delay %v is negative", cfg.DrainDelay)
	}
	if cfg.MetricsToken != "" && len(cfg.MetricsToken) < minMetricsToken {
		return nil, fmt.Errorf("the metrics token must be at least %d characters", minMetricsToken)
	}
	proxies, err := netx.ParseProxies(cfg.TrustedProxies...)
	if err != nil {
		return nil, err
	}
	webhookAllow, err := parseWebhookAllow(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	ok := false
	defer func() {
		if !ok {
			_ = s.Close(context.Background())
		}
	}()

	// The secrets file, and every URL, are checked before the store or
	// blob storage is opened (which may create files): bad input changes
	// nothing.
	var secrets *Secrets
	if cfg.SecretsFile != "" {
		if secrets, err = ReadSecretsFile(cfg.SecretsFile); err != nil {
			return nil, err
		}
	}
	if err := backend.CheckStore(cfg.StoreURL); err != nil {
		return nil, fmt.Errorf("--store %w", err)
	}
	if err := backend.CheckBlobs(cfg.BlobsURL); err != nil {
		return nil, fmt.Errorf("--blobs %w", err)
	}
	if err := backend.CheckBus(cfg.BusURL); err != nil {
		return nil, fmt.Errorf("--bus %w", err)
	}
	// The bus first: it creates nothing, so a NATS server out of reach
	// leaves no new database behind.
	if s.bus, err = backend.OpenBus(ctx, cfg.BusURL, cfg.Logger); err != nil {
		return nil, fmt.Errorf("--bus %w", err)
	}
	if s.db, err = backend.OpenStore(ctx, cfg.StoreURL); err != nil {
		return nil, fmt.Errorf("--store %w", err)
	}
	bs, err := backend.OpenBlobs(ctx, cfg.BlobsURL)
	if err != nil {
		return nil, fmt.Errorf("--blobs %w", err)
	}
	cfg.Logger.Info("storage", "store", backend.Redact(cfg.StoreURL), "blobs", backend.Redact(cfg.BlobsURL), "bus", backend.Redact(cfg.BusURL))
	if secrets == nil {
		if secrets, err = StoredSecrets(ctx, s.db, cfg.DataDir); err != nil {
			return nil, err
		}
	}
	var blobStore blobs.Store = bs
	if cfg.WrapBlobs != nil {
		blobStore = cfg.WrapBlobs(blobStore)
	}
	m := metrics.New()
	s.spool, err = record.OpenSpool(cmp.Or(cfg.RecordingSpoolDir, filepath.Join(cfg.DataDir, "spool")), blobStore, record.SpoolOptions{
		MaxBytes: cfg.RecordingSpoolBytes, Parallel: blobs.MaxParallel(blobStore), Events: m, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	secret := secrets.SigningKey
	if s.ln, err = listenTCP("addr", cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + s.ln.Addr().String()
		s.cfg.PublicURL = cfg.PublicURL
	}
	if !off(cfg.DemoAddr) {
		if s.demoLn, err = listenTCP("demo-addr", cfg.DemoAddr); err != nil {
			return nil, err
		}
	}
	if !off(cfg.MetricsAddr) {
		if s.metricsLn, err = listenTCP("metrics-addr", cfg.MetricsAddr); err != nil {
			return nil, err
		}
	}

	if err := s.startNode(); err != nil {
		return nil, err
	}
	if s.nodeAuth, err = cluster.NewAuth(secret, s.node.ID(), nil); err != nil {
		return nil, err
	}
	if s.ice, err = startICE(cfg.ICE, secret, cfg.Logger); err != nil {
		return nil, err
	}
	s.conversations = conversation.New(conversation.Config{
		Key: secret, Bus: s.bus, Node: s.node.ID(), Blobs: blobStore, Logger: cfg.Logger, Now: cfg.Now,
	}, s.db)
	s.assists = assist.New(assist.Config{
		Secret: secret, TeamName: cfg.TeamName, InviteTTL: cfg.InviteTTL, Grace: cfg.Grace, Logger: cfg.Logger, Now: cfg.Now,
		AfterFunc:  cfg.AfterFunc,
		MaxWaiting: cfg.MaxWaiting, DisableRecording: cfg.DisableRecording, ICE: s.ice,
		RateBytes: cfg.AssistRateBytes, BurstBytes: cfg.AssistBurstBytes, MaxRecordedBytes: cfg.AssistMaxBytes,
		Spool: s.spool, Node: s.node, Bus: s.bus, Conversations: s.conversations,
		Ended: s.assistEnded,
	}, s.db, blobStore, m)
	if s.conversations != nil {
		s.bots = bot.New(bot.Config{Secret: secret, PublicURL: cfg.PublicURL, Logger: cfg.Logger, Now: cfg.Now}, s.db, s.conversations, s.assists)
		// A bot added to a conversation gets its webhook there.
		s.conversations.SetHooks(s.bots)
	}
	if ps, ok := s.db.(passport.Store); ok {
		s.passport, err = passport.New(passport.Config{
			Secret: secret, Issuer: cfg.PublicURL, Now: cfg.Now, Logger: cfg.Logger, Bus: s.bus,
			Passwords: password.NewGate(password.GateConfig{Slots: cfg.SignInSlots}),
		}, ps)
		if err != nil {
			return nil, err
		}
	}
	if err := s.assists.EndAbandoned(ctx); err != nil {
		return nil, fmt.Errorf("close abandoned assists: %w", err)
	}
	if s.demoLn != nil {
		if s.demo, err = seedDemo(ctx, s.db, cfg.DataDir, "http://"+s.demoLn.Addr().String()); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	metricsH := metricsHandler(m.Handler(), cfg.MetricsToken)
	consoleSignIn, err := httpapi.ParseConsoleSignIn(cfg.ConsoleSignIn)
	if err != nil {
		return nil, err
	}
	if !consoleSignIn.Password() && s.passport == nil {
		return nil, tandem.Errorf(tandem.EInvalid, "--console-signin passport needs a store that keeps the passport")
	}
	deps := httpapi.Deps{
		Assists:       s.assists,
		Conversations: s.conversations,
		Bots:          s.bots,
		Passport:      s.passport,
		ConsoleSignIn: consoleSignIn,
		Login:         auth.PasswordLogin{Users: s.db, Gate: password.NewGate(password.GateConfig{Slots: cfg.SignInSlots})},
		Sessions:      &auth.Manager{Sessions: s.db, Users: s.db},
		Sites:         s.db,
		Users:         s.db,
		ShareLinks:    sharelink.New(sharelink.Config{Store: s.db, Now: cfg.Now, Logger: cfg.Logger}),
		Admin:         admin.New(admin.Config{Store: s.db, Now: cfg.Now, Logger: cfg.Logger}),
		Web:           web.Dist(),
		Ready:         s.ready,
		Logger:        cfg.Logger,
		Observer:      m,
		// Cookies are Secure when people reach Tandem over HTTPS, even if
		// a proxy speaks plain HTTP to it.
		SecureCookies: secureURL(cfg.PublicURL),
		Proxies:       proxies,
		// Clients of sessions other nodes own are forwarded to them.
		NodeAuth:       s.nodeAuth,
		Node:           s.node,
		SessionRecheck: cfg.SessionRecheck,
	}
	if s.conversations != nil {
		deps.Hooks = slackhook.NewReceiver(slackhook.Config{Store: s.db, Poster: s.conversations, Logger: cfg.Logger})
	}
	if cfg.MetricsToken != "" {
		// Without a token the public port has no /metrics at all.
		deps.Metrics = metricsH
	}
	if s.ssh, err = startSSH(ctx, cfg, secrets, s.db, blobStore, s.spool, m, s.node, s.nodeAuth); err != nil {
		return nil, err
	}
	if s.ssh != nil {
		deps.Terminals = s.ssh
	}
	if deps.Videos, err = s.newVideos(blobStore); err != nil {
		return nil, err
	}
	s.videos.Store(deps.Videos)
	base, stop := context.WithCancel(context.Background())
	s.stopRequests = stop
	deps.Stopping = base
	s.api = httpapi.New(deps)
	s.http = newHTTPServer(s.api, cfg.Timeouts, cfg.Logger, base)
	s.serve(s.http, s.ln)
	if s.demoLn != nil {
		s.demoHTTP = newHTTPServer(demo.Handler(cmp.Or(cfg.DemoSDKURL, cfg.PublicURL), s.demo.SiteKey), cfg.Timeouts, cfg.Logger, context.Background())
		s.serve(s.demoHTTP, s.demoLn)
	}
	if s.metricsLn != nil {
		s.metricsHTTP = newHTTPServer(metricsMux(metricsH), cfg.Timeouts, cfg.Logger, context.Background())
		s.serve(s.metricsHTTP, s.metricsLn)
	}
	// Stopped, and waited for, with the requests: before the store closes.
	sweep := retention.Config{Interval: cfg.SweepInterval, Now: cfg.Now, Logger: cfg.Logger, Observer: m, Spool: s.spool}
	if ps, ok := s.db.(store.Passport); ok {
		sweep.Passport = ps // expired grants, codes and passport sessions go too
	}
	sweep.Videos = s.db // export jobs go with their recording
	sweeper := retention.New(s.db, blobStore, sweep)
	s.wg.Go(func() { sweeper.Run(base) })
	if s.passport != nil {
		// Every 10 minutes: a new key is published an hour before it signs.
		s.wg.Go(func() { s.passport.RunKeyRotation(base, 10*time.Minute) })
		// Grant changes from every node: caches forget, followers hear.
		s.wg.Go(func() { s.passport.RunEvents(base) })
	}
	// What bots answer is applied by the bot service (none: ignored).
	var answers webhook.Answers
	if s.bots != nil {
		answers = s.bots
	}
	if err := s.startWebhooks(base, webhookAllow, m, answers); err != nil {
		return nil, err
	}
	if err := s.followLeases(base); err != nil {
		return nil, fmt.Errorf("--bus: follow lease changes: %w", err)
	}
	s.runNode(base)
	if s.cfg.VideoWorkers >= 0 && s.videoRenderer {
		// Stopped with the requests: each worker puts its job back.
		s.wg.Go(func() { deps.Videos.Run(base) })
	}
	ok = true
	return s, nil
}

func (s *Server) serve(srv *http.Server, ln net.Listener) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "addr", ln.Addr(), "err", err)
		}
	}()
}

// Passport is the OpenID Connect provider (nil while the store keeps no passport).
func (s *Server) Passport() *passport.Service { return s.passport }

// RecordingSpool is where recording chunks wait while blob storage fails.
func (s *Server) RecordingSpool() *record.Spool { return s.spool }

// URL is where the console and API are served.
func (s *Server) URL() string { return s.cfg.PublicURL }

// Demo is the demo site and login, when the demo is on.
func (s *Server) Demo() DemoInfo { return s.demo }

// TURNAddr is the embedded TURN server's UDP address, or "".
func (s *Server) TURNAddr() string {
	if s.ice == nil || s.ice.turn == nil {
		return ""
	}
	return s.ice.turn.Addr()
}

// MetricsAddr is the metrics listener's address, or "".
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

// SSHAddr is the terminal assistance listener's address, or "".
func (s *Server) SSHAddr() string {
	if s.ssh == nil {
		return ""
	}
	return s.ssh.Addr()
}

// Conversations is the conversation service.
func (s *Server) Conversations() *conversation.Service { return s.conversations }

// Store is the server's store, for admin tasks in tests.
func (s *Server) Store() store.Store { return s.db }

// ready reports whether the server can take new clients, for /readyz:
// not while it is stopping, nor while its store or bus cannot be reached.
func (s *Server) ready(ctx context.Context) error {
	if s.draining.Load() {
		return tandem.Errorf(tandem.EUnavailable, "stopping")
	}
	if err := s.db.Ping(ctx); err != nil {
		return errors.Join(tandem.Errorf(tandem.EUnavailable, "the store cannot be reached"), err)
	}
	// A remote bus says whether it is connected; the in-process one always is.
	if c, ok := s.bus.(interface{ Connected() bool }); ok && !c.Connected() {
		return tandem.Errorf(tandem.EUnavailable, "the bus cannot be reached")
	}
	return nil
}

// Close stops serving gracefully: open assists are ended and their
// recordings made durable, clients are told, then listeners close. After
// Drain, only what was not handed over is ended.
func (s *Server) Close(ctx context.Context) error {
	// First of all, load balancers hear that this server takes no new
	// clients (/readyz).
	s.draining.Store(true)
	var errs []error
	if s.assists != nil {
		errs = append(errs, s.assists.Shutdown(ctx))
	}
	if s.ssh != nil {
		errs = append(errs, s.ssh.Close(ctx))
	}
	if s.spool != nil {
		// After the assists stored their recordings' ends; what the store
		// did not take stays in the spool for the next start.
		s.spool.Close()
	}
	for _, srv := range []*http.Server{s.http, s.demoHTTP, s.metricsHTTP} {
		if srv != nil {
			errs = append(errs, srv.Shutdown(ctx))
		}
	}
	if s.stopRequests != nil {
		s.stopRequests()
	}
	if s.api != nil {
		// The channels were told the server is going away; let them say
		// it before the store closes under them.
		errs = append(errs, s.api.Wait(ctx))
	}
	if s.http == nil && s.ln != nil {
		_ = s.ln.Close()
	}
	if s.demoHTTP == nil && s.demoLn != nil {
		_ = s.demoLn.Close()
	}
	if s.metricsHTTP == nil && s.metricsLn != nil {
		_ = s.metricsLn.Close()
	}
	s.wg.Wait()
	if s.conversations != nil {
		s.conversations.Close()
	}
	if s.ice != nil {
		s.ice.close()
	}
	if s.bus != nil {
		errs = append(errs, s.bus.Close(ctx))
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// DBFile is the name of the SQLite database in the data directory, and
// BlobsDir the directory of recordings in it: the default --store and
// --blobs.
const (
	DBFile   = "tandem.db"
	BlobsDir = "blobs"
)
