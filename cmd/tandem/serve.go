package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/video"
)

// drainTimeout bounds the hand-over of this node's sessions on SIGTERM;
// what is left then is ended as on a single node.
const drainTimeout = 30 * time.Second

// runServe runs the server until ctx ends (Ctrl-C or SIGTERM), then drains
// (the sessions are handed over to other nodes: see app.Server.Drain) and
// shuts down gracefully: what is left ends, recordings are flushed,
// clients are told. A second Ctrl-C or SIGTERM stops at once, without
// handing over what is left.
func runServe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "tandem serve [flags]", stderr)
	cfg := app.Config{}
	var badEnv []string
	// envInt reads a whole number of at least least (0 or more).
	envInt := func(name string, def, least int) int {
		v, ok := os.LookupEnv(name)
		if !ok {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			what := "a whole number"
			if least > 0 {
				what += fmt.Sprintf(" of at least %d", least)
			}
			badEnv = append(badEnv, fmt.Sprintf("%s=%q is not %s", name, v, what))
			return def
		}
		return n
	}
	envDuration := func(name string, def time.Duration) time.Duration {
		v, ok := os.LookupEnv(name)
		if !ok {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			badEnv = append(badEnv, fmt.Sprintf("%s=%q is not a duration such as 30s or 10m", name, v))
			return def
		}
		return d
	}
	// envDelay reads a duration that may be zero.
	envDelay := func(name string, def time.Duration) time.Duration {
		if v, ok := os.LookupEnv(name); ok {
			if d, err := time.ParseDuration(v); err == nil && d == 0 {
				return 0
			}
		}
		return envDuration(name, def)
	}
	fs.StringVar(&cfg.Addr, "addr", env("TANDEM_ADDR", "127.0.0.1:8080"), "HTTP listen address (console, SDK, API)")
	fs.StringVar(&cfg.DataDir, "data", defaultDataDir(), "data directory: the default store and blobs, the demo login")
	fs.StringVar(&cfg.StoreURL, "store", env("TANDEM_STORE", ""), "the store's URL: sqlite:///path/tandem.db or postgres://user@host/db (default sqlite://DATA/"+app.DBFile+")")
	fs.StringVar(&cfg.BlobsURL, "blobs", env("TANDEM_BLOBS", ""), "blob storage URL for recordings: file:///path or s3://bucket/prefix?endpoint=... (default file://DATA/"+app.BlobsDir+")")
	fs.StringVar(&cfg.BusURL, "bus", env("TANDEM_BUS", backend.BusLocal), "the bus that carries notifications between nodes: local (one node) or nats://host:4222")
	fs.StringVar(&cfg.SecretsFile, "secrets-file", env("TANDEM_SECRETS_FILE", ""), "file of the signing key and SSH host key that every server shares (tandem secrets generate); default: kept in the store")
	fs.StringVar(&cfg.DemoAddr, "demo-addr", env("TANDEM_DEMO_ADDR", "127.0.0.1:8081"), `demo site listen address ("off" for none)`)
	fs.StringVar(&cfg.SSHAddr, "ssh-addr", env("TANDEM_SSH_ADDR", "127.0.0.1:2222"), `SSH listen address for terminal assistance ("off" for none)`)
	fs.StringVar(&cfg.PublicURL, "public-url", env("TANDEM_PUBLIC_URL", ""), "URL people and agents use to reach the server (default http://ADDR)")
	fs.StringVar(&cfg.TeamName, "team", env("TANDEM_TEAM", "Support"), `team name in consent prompts ("Alex from Support wants to see this page")`)
	fs.DurationVar(&cfg.InviteTTL, "invite-ttl", envDuration("TANDEM_INVITE_TTL", 10*time.Minute), "how long an invite link or code stays valid")
	fs.DurationVar(&cfg.Grace, "grace", envDuration("TANDEM_GRACE", 30*time.Second), "how long a dropped person, agent or terminal host may take to come back (to any node) before its assist or terminal session ends")
	fs.IntVar(&cfg.MaxWaiting, "max-waiting", envInt("TANDEM_MAX_WAITING", 100, 1), "how many help requests one site may have waiting for an agent at once; more are refused (503) until some are taken")
	fs.StringVar(&cfg.NodeURL, "node-url", env("TANDEM_NODE_URL", ""), "URL other nodes reach this node at, e.g. http://10.0.0.5:8080 (default the public URL)")
	fs.DurationVar(&cfg.DrainDelay, "drain-delay", envDelay("TANDEM_DRAIN_DELAY", 2*time.Second), "on SIGTERM, how long /readyz says \"stopping\" before the sessions are handed over to other nodes: the time load balancers take to notice")
	fs.DurationVar(&cfg.LeaseTTL, "lease-ttl", envDuration("TANDEM_LEASE_TTL", 10*time.Second), "how long a node's leases on its live sessions last unrenewed: the bound on how long a dead node's sessions wait to be ended on another node")
	fs.DurationVar(&cfg.SweepInterval, "sweep-interval", envDuration("TANDEM_SWEEP_INTERVAL", time.Hour), "how often recordings past their site's retention (tandem site set --retention), and those of removed sites, are deleted, and the passport's expired sign-ins, codes and sessions")
	fs.DurationVar(&cfg.LivenessInterval, "liveness", envDuration("TANDEM_LIVENESS", 10*time.Second), "how often terminal hosts are probed")
	fs.StringVar(&cfg.ICE.TURNAddr, "turn-addr", env("TANDEM_TURN_ADDR", "127.0.0.1:3478"), `embedded TURN server's UDP address for calls ("off" for none)`)
	fs.StringVar(&cfg.ICE.TURNPublicHost, "turn-public-host", env("TANDEM_TURN_PUBLIC_HOST", ""), "host browsers use to reach the embedded TURN server (default: its listen address)")
	fs.StringVar(&cfg.ICE.TURNRelayIP, "turn-relay-ip", env("TANDEM_TURN_RELAY_IP", ""), "IP address the TURN server gives for relays (default: its listen IP)")
	iceURLs := fs.String("ice-servers", env("TANDEM_ICE_SERVERS", ""), "extra STUN/TURN URLs for calls, comma-separated (e.g. stun:stun.example.com:3478)")
	fs.StringVar(&cfg.ICE.ExternalUsername, "ice-username", env("TANDEM_ICE_USERNAME", ""), "username for the extra TURN servers")
	fs.StringVar(&cfg.ICE.ExternalCredential, "ice-credential", env("TANDEM_ICE_CREDENTIAL", ""), "credential for the extra TURN servers")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", env("TANDEM_METRICS_ADDR", "off"), `address serving Prometheus /metrics, e.g. 127.0.0.1:9090 ("off" for none)`)
	fs.StringVar(&cfg.MetricsToken, "metrics-token", env("TANDEM_METRICS_TOKEN", ""), "bearer token /metrics requires; with it, the public --addr serves /metrics too (prefer the environment variable)")
	trustedProxies := fs.String("trusted-proxies", env("TANDEM_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For names the client, as CIDR prefixes or addresses, comma-separated (e.g. 10.0.0.0/8,::1)")
	fs.IntVar(&cfg.SignInSlots, "signin-slots", envInt("TANDEM_SIGNIN_SLOTS", 0, 0), "sign-ins whose password is checked at once, 64 MiB each (default GOMAXPROCS, 2 to 4)")
	rateKiB := fs.Int("assist-rate-kib", envInt("TANDEM_ASSIST_RATE_KIB", 1024, 0), "KiB a second one person may send to an assist, after the burst")
	burstMiB := fs.Int("assist-burst-mib", envInt("TANDEM_ASSIST_BURST_MIB", 16, 0), "MiB one person may send to an assist at once")
	maxMiB := fs.Int("assist-max-mib", envInt("TANDEM_ASSIST_MAX_MIB", 1024, 0), "MiB one assist may record; it ends when its recording reaches it")
	fs.StringVar(&cfg.RecordingSpoolDir, "recording-spool", env("TANDEM_RECORDING_SPOOL", ""), "directory where recording chunks wait while blob storage fails (default DATA/spool)")
	spoolMiB := fs.Int("recording-spool-mib", envInt("TANDEM_RECORDING_SPOOL_MIB", 1024, 1), "MiB of recording chunks the spool may hold; past it recordings wait in memory")
	webhookAllow := fs.String("webhook-allow", env("TANDEM_WEBHOOK_ALLOW", ""), "address ranges requests to bots may reach although they are loopback, private or link-local, as CIDR prefixes or addresses, comma-separated (e.g. 10.1.0.0/16); none by default")
	fs.IntVar(&cfg.WebhookWorkers, "webhook-workers", envInt("TANDEM_WEBHOOK_WORKERS", 4, 1), "requests to bots this server sends at once")
	fs.IntVar(&cfg.WebhookAttempts, "webhook-attempts", envInt("TANDEM_WEBHOOK_ATTEMPTS", 8, 1), "attempts at a request to a bot before it is given up (dead, retried by its owner)")
	fs.StringVar(&cfg.ConsoleSignIn, "console-signin", env("TANDEM_CONSOLE_SIGNIN", "both"), "how agents sign in to the console: password, passport (the password form refuses) or both")
	videoWorkers := fs.Int("video-workers", envInt("TANDEM_VIDEO_WORKERS", 1, 0), "video exports this node renders at once, each a headless browser and ffmpeg (0: none here; other nodes render them)")
	fs.IntVar(&cfg.VideoTabs, "video-tabs", envInt("TANDEM_VIDEO_TABS", video.DefaultTabs(), 1), fmt.Sprintf("browser tabs that draw the frames of one video export at once (1 to %d; the video is the same with any)", video.MaxTabs))
	fs.StringVar(&cfg.VideoBrowser, "video-browser", env("TANDEM_VIDEO_BROWSER", ""), "browser that renders video exports (default chromium-headless-shell, else chromium)")
	logLevel := fs.String("log-level", env("TANDEM_LOG_LEVEL", "info"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(badEnv) > 0 {
		return fmt.Errorf("serve: %s", strings.Join(badEnv, "; "))
	}
	if cfg.MaxWaiting < 1 {
		return fmt.Errorf("serve: --max-waiting %d: want at least 1", cfg.MaxWaiting)
	}
	if *rateKiB <= 0 || *burstMiB <= 0 || *maxMiB <= 0 {
		return fmt.Errorf("serve: --assist-rate-kib, --assist-burst-mib and --assist-max-mib must be positive")
	}
	cfg.AssistRateBytes, cfg.AssistBurstBytes, cfg.AssistMaxBytes = *rateKiB<<10, *burstMiB<<20, int64(*maxMiB)<<20
	cfg.RecordingSpoolBytes = int64(*spoolMiB) << 20
	if *videoWorkers < 0 {
		return fmt.Errorf("serve: --video-workers %d: want 0 or more", *videoWorkers)
	}
	cfg.VideoWorkers = *videoWorkers
	if *videoWorkers == 0 {
		cfg.VideoWorkers = -1 // none here
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if cfg.SignInSlots < 0 {
		return fmt.Errorf("-signin-slots must be 0 (the default) or more, not %d", cfg.SignInSlots)
	}
	if *trustedProxies != "" {
		cfg.TrustedProxies = []string{*trustedProxies}
	}
	if *webhookAllow != "" {
		cfg.WebhookAllow = []string{*webhookAllow}
	}
	if cfg.WebhookWorkers < 1 || cfg.WebhookAttempts < 1 {
		return fmt.Errorf("serve: --webhook-workers and --webhook-attempts must be at least 1")
	}
	if *iceURLs != "" {
		cfg.ICE.ExternalURLs = strings.Split(*iceURLs, ",")
	}

	if cfg.DrainDelay < 0 {
		return fmt.Errorf("serve: --drain-delay %v: want 0 or more", cfg.DrainDelay)
	}

	// The signals are counted from here: the first ends ctx (and starts
	// the drain), the next stops at once.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	srv, err := app.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Tandem is running.\n\n")
	fmt.Fprintf(stdout, "  Agent console   %s/console/\n", srv.URL())
	if d := srv.Demo(); d.SiteURL != "" {
		fmt.Fprintf(stdout, "  Demo site       %s/\n", d.SiteURL)
		if d.Password != "" {
			fmt.Fprintf(stdout, "  Demo login      %s / %s\n", d.Email, d.Password)
		} else {
			fmt.Fprintf(stdout, "  Demo login      %s (password printed on first run)\n", d.Email)
		}
	}
	if a := srv.TURNAddr(); a != "" {
		fmt.Fprintf(stdout, "  TURN (calls)    udp %s\n", a)
	}
	if a := srv.MetricsAddr(); a != "" {
		fmt.Fprintf(stdout, "  Metrics         http://%s/metrics\n", a)
	}
	if a := srv.SSHAddr(); a != "" {
		fmt.Fprintf(stdout, "  Terminal share  tandem share --server %s\n", a)
	}
	fmt.Fprintf(stdout, "  API             %s/api/v1/openapi.json\n\nPress Ctrl-C to stop.\n", srv.URL())

	<-ctx.Done()
	fmt.Fprintln(stdout, "Handing the sessions over to other nodes… (Ctrl-C again to stop at once)")
	drainCtx, stopDrain := context.WithTimeout(context.Background(), drainTimeout)
	go func() {
		// ctx ended on a signal (as cli.Main does) or by its caller: in
		// the first case that signal is the first one counted.
		if err := awaitSignals(drainCtx, sigs, 1+signalled(ctx)); err == nil {
			stopDrain()
		}
	}()
	if err := srv.Drain(drainCtx); err != nil {
		fmt.Fprintf(stderr, "serve: %v; stopping what is left\n", err)
	}
	stopDrain()
	fmt.Fprintln(stdout, "Shutting down…")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Close(shutdownCtx)
}

// signalled is 1 when ctx ended because of a signal, else 0: a context of
// signal.NotifyContext ends with a cause of its own (which errors.Is takes
// for context.Canceled), one cancelled by its caller with the plain error.
func signalled(ctx context.Context) int {
	switch cause := context.Cause(ctx); cause {
	case nil, context.Canceled, context.DeadlineExceeded:
		return 0
	}
	return 1
}

// awaitSignals returns nil once n signals have arrived on sigs, or ctx's
// error.
func awaitSignals(ctx context.Context, sigs <-chan os.Signal, n int) error {
	for range n {
		select {
		case <-sigs:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
