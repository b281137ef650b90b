// Package natstest gives tests a real NATS server: the server of
// nats-server/v2, embedded in the test process, listening on 127.0.0.1.
// URL returns the URL of a fresh server for each call, so that tests never
// see each other's messages; Start gives a test a server it may stop and
// start again on the same port (for fault tests), optionally with sign-in.
package natstest

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// readyTimeout bounds how long a starting server may take to accept
// clients (about 30 ms usually).
const readyTimeout = 10 * time.Second

// Auth is how clients must sign in; the zero Auth lets anyone in.
type Auth struct {
	User, Password string // both, or neither
	Token          string
}

// Server is an embedded NATS server of one test.
type Server struct {
	t    testing.TB
	auth Auth
	port int

	mu  sync.Mutex
	srv *server.Server // nil while stopped
}

// URL starts a server for t alone and returns its nats:// URL; the server
// is shut down when t ends.
func URL(t testing.TB) string {
	t.Helper()
	return Start(t, Auth{}).URL()
}

// Start starts a server for t alone, shut down when t ends, that requires
// auth.
func Start(t testing.TB, auth Auth) *Server {
	t.Helper()
	s := &Server{t: t, auth: auth, port: -1} // -1: a free port
	if err := s.start(); err != nil {
		t.Fatalf("natstest: %v", err)
	}
	s.port = s.srv.Addr().(*net.TCPAddr).Port
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's nats:// URL, without credentials. It stays the same
// across Stop and Start.
func (s *Server) URL() string {
	return "nats://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// Subscriptions counts the subscriptions the server holds, of every
// client.
func (s *Server) Subscriptions() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return 0
	}
	return s.srv.NumSubscriptions()
}

// Clients counts the clients connected to the server.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return 0
	}
	return s.srv.NumClients()
}

// Stop shuts the server down, closing its clients' connections, and
// returns when it has. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return
	}
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.srv = nil
}

// Start starts a stopped server again on the same port, and returns when
// it accepts clients. It fails the test if it cannot.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("natstest: restart on port %d: %v", s.port, err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	srv, err := server.NewServer(&server.Options{
		Host:          "127.0.0.1",
		Port:          s.port,
		Username:      s.auth.User,
		Password:      s.auth.Password,
		Authorization: s.auth.Token,
		NoLog:         true,
		NoSigs:        true,
	})
	if err != nil {
		return fmt.Errorf("configure the server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		return fmt.Errorf("the server does not accept clients after %v", readyTimeout)
	}
	s.srv = srv
	return nil
}
