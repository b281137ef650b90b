// Package app wires Tandem together: it opens the store and blob storage,
// builds each capability, and runs the HTTP (and demo) listeners. cmd/tandem
// and the end-to-end tests start Tandem through it.
package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/demo"
	"github.com/tandemhq/tandem/internal/httpapi"
	"github.com/tandemhq/tandem/internal/metrics"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store/sqlite"
	"github.com/tandemhq/tandem/web"
)

// Config is how to run Tandem. Zero values get the defaults in parentheses.
type Config struct {
	Addr      string // HTTP listen address (127.0.0.1:8080)
	DemoAddr  string // the demo site's listen address; "" or "off" for none
	SSHAddr   string // terminal assistance; "" or "off" for none
	DataDir   string // SQLite file, recordings, keys (./tandem-data)
	PublicURL string // how people and agents reach Addr (http://ADDR)
	TeamName  string // in consent prompts ("Support")
	// DemoSDKURL is the Tandem URL the demo pages load the SDK from
	// (PublicURL); tests point it through a proxy to cut the network.
	DemoSDKURL string
	InviteTTL  time.Duration
	Grace      time.Duration
	// LivenessInterval is how often terminal hosts are probed (10s).
	LivenessInterval time.Duration
	// ICE configures STUN/TURN for calls; the embedded TURN server is off
	// unless ICE.TURNAddr is set.
	ICE ICEConfig
	// DisableRecording relays without recording; for benchmarks only.
	DisableRecording bool
	Logger           *slog.Logger
}

// Server is a running Tandem.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       *sqlite.DB
	assists  *assist.Service
	http     *http.Server
	demoHTTP *http.Server
	ln       net.Listener
	demoLn   net.Listener
	ssh      *sshrelay.Server
	ice      *iceServers
	demo     DemoInfo
	wg       sync.WaitGroup
	// stopRequests cancels the context of every request, so that WebSocket
	// handlers, which Shutdown does not wait for, end too.
	stopRequests context.CancelFunc
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	s := &Server{cfg: cfg, log: cfg.Logger}
	ok := false
	defer func() {
		if !ok {
			_ = s.Close(context.Background())
		}
	}()

	var err error
	if s.db, err = OpenStore(ctx, cfg.DataDir); err != nil {
		return nil, err
	}
	blobStore, err := OpenBlobs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open blob storage: %w", err)
	}
	secret, err := loadSecret(filepath.Join(cfg.DataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + s.ln.Addr().String()
		s.cfg.PublicURL = cfg.PublicURL
	}
	if cfg.DemoAddr != "" && cfg.DemoAddr != "off" {
		if s.demoLn, err = net.Listen("tcp", cfg.DemoAddr); err != nil {
			return nil, fmt.Errorf("listen for the demo site: %w", err)
		}
	}

	if s.ice, err = startICE(cfg.ICE, secret, cfg.Logger); err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	m := metrics.New()
	s.assists = assist.New(assist.Config{
		Secret: secret, TeamName: cfg.TeamName, InviteTTL: cfg.InviteTTL, Grace: cfg.Grace, Logger: cfg.Logger,
		DisableRecording: cfg.DisableRecording, ICE: s.ice,
	}, s.db, blobStore, m)
	if err := s.assists.EndAbandoned(ctx); err != nil {
		return nil, fmt.Errorf("close abandoned assists: %w", err)
	}
	if s.demoLn != nil {
		if s.demo, err = seedDemo(ctx, s.db, cfg.DataDir, "http://"+s.demoLn.Addr().String()); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	deps := httpapi.Deps{
		Assists:  s.assists,
		Login:    auth.PasswordLogin{Users: s.db},
		Sessions: &auth.Manager{Sessions: s.db, Users: s.db},
		Sites:    s.db,
		Web:      web.Dist(),
		Metrics:  m.Handler(),
		Health:   s.db.Ping,
		Logger:   cfg.Logger,
		Observer: m,
	}
	if s.ssh, err = startSSH(ctx, cfg, s.db, blobStore, m); err != nil {
		return nil, err
	}
	if s.ssh != nil {
		deps.Terminals = s.ssh
	}
	base, stop := context.WithCancel(context.Background())
	s.stopRequests = stop
	deps.Stopping = base
	api := httpapi.New(deps)
	s.http = &http.Server{
		Handler: api, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:    slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return base },
	}
	s.serve(s.http, s.ln)
	if s.demoLn != nil {
		s.demoHTTP = &http.Server{Handler: demo.Handler(cmp.Or(cfg.DemoSDKURL, cfg.PublicURL), s.demo.SiteKey), ReadHeaderTimeout: 10 * time.Second}
		s.serve(s.demoHTTP, s.demoLn)
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

// SSHAddr is the terminal assistance listener's address, or "".
func (s *Server) SSHAddr() string {
	if s.ssh == nil {
		return ""
	}
	return s.ssh.Addr()
}

// Store is the server's store, for admin tasks in tests.
func (s *Server) Store() *sqlite.DB { return s.db }

// Close stops serving gracefully: open assists are ended and their
// recordings made durable, clients are told, then listeners close.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	if s.assists != nil {
		errs = append(errs, s.assists.Shutdown(ctx))
	}
	if s.ssh != nil {
		errs = append(errs, s.ssh.Close(ctx))
	}
	for _, srv := range []*http.Server{s.http, s.demoHTTP} {
		if srv != nil {
			errs = append(errs, srv.Shutdown(ctx))
		}
	}
	if s.stopRequests != nil {
		s.stopRequests()
	}
	if s.http == nil && s.ln != nil {
		_ = s.ln.Close()
	}
	if s.demoHTTP == nil && s.demoLn != nil {
		_ = s.demoLn.Close()
	}
	s.wg.Wait()
	if s.ice != nil {
		s.ice.close()
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// DBFile is the name of the SQLite database in the data directory.
const DBFile = "tandem.db"

// OpenStore creates dataDir (mode 0700: it holds password hashes and
// recordings) when missing, and opens the database in it. The admin
// commands open the server's store with it.
func OpenStore(ctx context.Context, dataDir string) (*sqlite.DB, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(dataDir, DBFile))
}

// OpenBlobs opens the blob storage (recordings) in dataDir.
func OpenBlobs(dataDir string) (*dirblobs.Store, error) {
	return dirblobs.New(filepath.Join(dataDir, "blobs"))
}

// loadSecret reads the server's signing secret, creating it on first run.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	b = make([]byte, 32)
	_, _ = rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return b, nil
}
