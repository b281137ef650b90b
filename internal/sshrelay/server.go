package sshrelay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/cluster"
	"github.com/tandemhq/tandem/internal/lease"
	"github.com/tandemhq/tandem/internal/ratelimit"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store"
)

// Store is the part of Tandem's store the relay uses.
type Store interface {
	CreateTerminal(ctx context.Context, t *store.Terminal) error
	TerminalByID(ctx context.Context, id string) (*store.Terminal, error)
	EndTerminal(ctx context.Context, id, reason string, at time.Time) error
	ListTerminals(ctx context.Context, liveOnly bool, limit int) ([]*store.Terminal, error)
	EndLiveTerminals(ctx context.Context, reason string, at time.Time) ([]string, error)
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
	AuditForSessions(ctx context.Context, sessionIDs []string, action string) (map[string][]*tandem.AuditEntry, error)
	UserByKeyFingerprint(ctx context.Context, fingerprint string) (*tandem.User, error)
}

// Config configures a Server. Addr, HostKey or HostKeyPath, Store and
// Blobs are required.
type Config struct {
	// Addr is the SSH listen address, e.g. "127.0.0.1:2222".
	Addr string
	// HostKey is the server's SSH host key. Servers that share an
	// installation share it, so that helpers' known_hosts stay valid
	// whichever of them answers. When nil, HostKeyPath is used.
	HostKey ssh.Signer
	// HostKeyPath is the server's SSH host key file, generated on first
	// start and kept so that known_hosts stay valid. Ignored when HostKey
	// is set.
	HostKeyPath string
	// PublicHost is the host name put in join commands; default: Addr's host.
	PublicHost string
	// PublicPort is the port put in join commands; default: the bound port.
	PublicPort int
	// WebURL is the console's base URL (e.g. "https://tandem.example.com"),
	// for the web-terminal link the host is shown. Optional.
	WebURL string
	Store  Store
	Blobs  blobs.Store
	// Spool, if set, takes the recording chunks that Blobs fails to store,
	// or does not store in time, and stores them once it answers again
	// (see record.Spool): a failing or hanging bucket then costs a session
	// a file write, never a wait. The server that opened it closes it.
	Spool *record.Spool
	// RecordingBacklog bounds the recorded bytes of one session held in
	// memory until they are stored or spooled; past it, the host's output
	// waits for storage. Default 64 MiB.
	RecordingBacklog int
	// LivenessInterval is how often the host's tunnel is probed; a host that
	// sends nothing for two intervals is taken as gone. Default 10s.
	LivenessInterval time.Duration
	// ApproveTimeout bounds how long a joiner waits for the host's answer
	// with --approve. Default 2 minutes.
	ApproveTimeout time.Duration
	// MaxSessions bounds live sessions. Default 10000.
	MaxSessions int
	// AllowHost decides which keys may share a terminal. Nil allows any
	// key: hosting gives nobody access to anything but the host's own
	// terminal.
	AllowHost func(key ssh.PublicKey) error
	// FailureLimit is how many failed joins an address may make per minute
	// before it is refused outright, at once or spread over the minute (a
	// token bucket: one more attempt every minute/FailureLimit). Default 20.
	FailureLimit int
	// HelperStall bounds how long the host's output waits for a helper whose
	// queue (1 MiB) is full. A helper who keeps up gets every byte the host
	// wrote, the host going at their pace as with plain ssh; one who makes
	// no room in this time is skipped ahead to the current screen, with a
	// notice, and not waited for until they have caught up. Default 2s.
	HelperStall time.Duration
	// Observer counts sessions, helpers and bytes for metrics; nil counts
	// nothing.
	Observer Observer
	Logger   *slog.Logger
	// Node, if set, holds the leases of the sessions this server runs: a
	// session's lease is taken before it is stored and given up when it
	// ends, and helpers of a session another live node holds are refused
	// here, or passed to it (NodeAuth). Nil: one server, no leases.
	Node *lease.Node
	// HostGrace is how long a host whose connection dropped (without its
	// program exiting) has to come back and resume its session, here or
	// on another node, before the session ends. Meanwhile helpers stay
	// attached and see the screen as it was. Default DefaultHostGrace.
	HostGrace time.Duration
	// NodeAuth, with Node, lets this server pass a helper of a session
	// that another node runs to that node (which must share HostKey), and
	// take helpers passed by other nodes (ServePeerJoin). It signs as
	// Node's id. Nil: such helpers are told to try again.
	NodeAuth *cluster.Auth
}

// Observer counts what the relay does, for metrics (internal/metrics).
type Observer interface {
	// TerminalSessions counts live sessions starting (+1) and ending (-1).
	TerminalSessions(delta int)
	// TerminalHelpers counts helpers attaching (+1) and leaving (-1).
	TerminalHelpers(delta int)
	// TerminalOutput counts bytes of the hosts' output.
	TerminalOutput(n int)
	// TerminalDelivered counts bytes written to helpers.
	TerminalDelivered(n int)
	// TerminalResync counts a helper skipped ahead to the current screen
	// for not keeping up.
	TerminalResync()
}

// nopObserver is the Observer of a relay that has none.
type nopObserver struct{}

func (nopObserver) TerminalSessions(int)  {}
func (nopObserver) TerminalHelpers(int)   {}
func (nopObserver) TerminalOutput(int)    {}
func (nopObserver) TerminalDelivered(int) {}
func (nopObserver) TerminalResync()       {}

// Server is the SSH relay. Create it with New, start it with Serve or
// ListenAndServe, and stop it with Close.
type Server struct {
	cfg      Config
	ssh      *ssh.ServerConfig
	hostKey  ssh.Signer
	log      *slog.Logger
	obs      Observer
	failures *ratelimit.Limiter // failed joins, per address
	audit    *auditLog
	ctx      context.Context // ends at Close
	cancel   context.CancelFunc

	mu       sync.Mutex
	ln       net.Listener
	sessions map[string]*session
	conns    map[net.Conn]struct{}
	passed   map[*upstream]chan struct{} // helpers passed to other nodes; closed when served
	closed   bool
	draining bool            // Drain began: no new sessions or resumes here
	resuming map[string]bool // sessions being taken over here
	wg       sync.WaitGroup
}

// New checks cfg, loads (or creates) the host key and returns a Server that
// is not listening yet.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Blobs == nil {
		return nil, errors.New("sshrelay: Store and Blobs are required")
	}
	if cfg.HostKey == nil && cfg.HostKeyPath == "" {
		return nil, errors.New("sshrelay: HostKey or HostKeyPath is required")
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:2222"
	}
	if cfg.LivenessInterval <= 0 {
		cfg.LivenessInterval = 10 * time.Second
	}
	if cfg.ApproveTimeout <= 0 {
		cfg.ApproveTimeout = 2 * time.Minute
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 10000
	}
	if cfg.FailureLimit <= 0 {
		cfg.FailureLimit = 20
	}
	if cfg.RecordingBacklog <= 0 {
		cfg.RecordingBacklog = defaultRecordingBacklog
	}
	if cfg.HostGrace <= 0 {
		cfg.HostGrace = DefaultHostGrace
	}
	if cfg.HelperStall <= 0 {
		cfg.HelperStall = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	signer := cfg.HostKey
	if signer == nil {
		var err error
		if signer, err = LoadOrCreateKey(cfg.HostKeyPath); err != nil {
			return nil, fmt.Errorf("sshrelay: host key: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:      cfg,
		hostKey:  signer,
		log:      cfg.Logger.With("component", "sshrelay"),
		obs:      cfg.Observer,
		failures: ratelimit.New(time.Minute/time.Duration(cfg.FailureLimit), cfg.FailureLimit),
		ctx:      ctx,
		cancel:   cancel,
		sessions: make(map[string]*session),
		conns:    make(map[net.Conn]struct{}),
		passed:   make(map[*upstream]chan struct{}),
	}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	s.audit = newAuditLog(cfg.Store, s.log)
	// PublicKeyCallback is set per connection (handleConn).
	s.ssh = &ssh.ServerConfig{
		ServerVersion: "SSH-2.0-Tandem",
		MaxAuthTries:  6,
	}
	s.ssh.AddHostKey(signer)
	return s, nil
}

// Listen binds the listen address, so that Addr reports the port before
// Serve runs. Serve calls it when it was not called.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sshrelay: listen: %w", err)
	}
	s.ln = ln
	return nil
}

// ListenAndServe is Listen followed by Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Addr returns the address the server listens on (the configured one
// before Listen).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.cfg.Addr
}

// Serve accepts SSH connections until ctx ends or Close is called. It
// returns nil then.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("sshrelay: accept: %w", err)
		}
		delay = 0
		if !s.track(c) {
			c.Close()
			return nil
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.handleConn(c)
		}()
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// handshakeTimeout bounds the SSH handshake and authentication, so that a
// client that connects and says nothing holds nothing for long.
const handshakeTimeout = 20 * time.Second

// handleConn runs one SSH connection: a host's or a helper's, as the user
// name and authentication decided.
func (s *Server) handleConn(c net.Conn) {
	lc := &liveConn{Conn: c}
	lc.touch()
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	joins := &peerJoins{}
	defer joins.close()
	cfg := *s.ssh
	cfg.PublicKeyCallback = func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		return s.authenticate(meta, key, joins)
	}
	conn, chans, reqs, err := ssh.NewServerConn(lc, &cfg)
	if err != nil {
		s.log.Debug("handshake failed", "remote", c.RemoteAddr(), "err", logSafe(err.Error()))
		return
	}
	c.SetDeadline(time.Time{})
	defer conn.Close()
	switch conn.Permissions.Extensions[extRole] {
	case roleHost:
		s.serveHost(conn, lc, chans, reqs)
	case roleHelper:
		s.serveHelper(conn, chans, reqs)
	case rolePassed:
		s.servePassed(conn, chans, reqs, joins.take(conn.Permissions))
	}
}

// Close ends every session ("server shutting down"), closes every
// connection and waits for their goroutines, or for ctx. Sessions that
// Drain handed over are not this server's any more: Close leaves them be.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	sessions := make([]*session, 0, len(s.sessions))
	for _, se := range s.sessions {
		sessions = append(sessions, se)
	}
	s.mu.Unlock()
	for _, se := range sessions {
		se.end("server shutting down")
	}
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		s.audit.close()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sshrelay: close: %w", ctx.Err())
	}
}

// ReasonRestarted is why a session that a previous run of the server left
// live was ended.
const ReasonRestarted = "server restarted"

// session returns the live session with id, or nil.
func (s *Server) session(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// joinCommand is what the host is told to give its helpers.
func (s *Server) joinCommand(id string) string {
	host, port := s.cfg.PublicHost, s.cfg.PublicPort
	addrHost, addrPort, _ := net.SplitHostPort(s.Addr())
	if host == "" {
		host = addrHost
		if host == "" || host == "::" || host == "0.0.0.0" {
			host = "localhost"
		}
	}
	if port == 0 {
		port, _ = strconv.Atoi(addrPort)
	}
	if port == 22 {
		return fmt.Sprintf("ssh %s@%s", id, host)
	}
	return fmt.Sprintf("ssh -p %d %s@%s", port, id, host)
}

// Keys of ssh.Permissions.Extensions set by authentication.
const (
	extRole     = "tandem-role"
	extSession  = "tandem-session"
	extName     = "tandem-name"
	extReadOnly = "tandem-readonly"
	extActor    = "tandem-actor"
	extKey      = "tandem-key"
	roleHost    = "host"
	roleHelper  = "helper"
	rolePassed  = "passed" // a helper this node passes to the session's node
)
