// Package pgtest gives tests a real PostgreSQL: URL returns a fresh, empty
// database for each call, on the server named by TANDEM_TEST_POSTGRES or
// else on one server that the test process starts in a temporary
// directory; Start gives a test a server of its own that it may stop and
// start again (for fault tests).
//
// A package whose tests call URL without TANDEM_TEST_POSTGRES runs them
// through Main, from its TestMain, which stops the server at the end. No
// server outlives the test process in any case: the kernel stops it when
// the process ends, however it ends.
//
// Binaries are Debian's (/usr/lib/postgresql/*/bin) or those on PATH. When
// the test runs as root they run as the postgres user, since initdb refuses
// root. Missing binaries fail the test with the command that installs them.
package pgtest

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable with the URL of a running server
// to make the test databases on. Its user must be allowed to CREATE DATABASE.
const EnvURL = "TANDEM_TEST_POSTGRES"

// shared is the server that URL uses when EnvURL is not set, started by the
// first call and stopped by Main. It is package state because it is the
// test process's one server, which every test of the package shares.
var shared struct {
	mu      sync.Mutex
	inMain  bool // Main is running the tests
	srv     *server
	failure error // why the server could not start; later calls fail the same way
}

// Main runs a package's tests (call it from TestMain) and then stops the
// server that URL started, if any, and exits with the tests' status.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	if shared.srv != nil {
		if err := shared.srv.close(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
			if code == 0 {
				code = 1
			}
		}
		shared.srv = nil
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// URL returns the URL of a new, empty database, dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		srv, err := sharedServer()
		if err != nil {
			t.Fatal(err)
		}
		admin = srv.adminURL()
	}
	dbURL, err := createDatabase(t, admin)
	if err != nil {
		t.Fatal(err)
	}
	return dbURL
}

// sharedServer returns the process's server, starting it on first use.
func sharedServer() (*server, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.inMain {
		return nil, fmt.Errorf("pgtest: without %s, a package that uses pgtest.URL must run its tests through pgtest.Main(m) in its TestMain", EnvURL)
	}
	if shared.srv == nil && shared.failure == nil {
		shared.srv, shared.failure = newServer()
	}
	return shared.srv, shared.failure
}

// createDatabase makes a database with a random name on the server that
// adminURL names, and returns its URL; the database is dropped (its
// sessions ended) when t ends.
func createDatabase(t testing.TB, adminURL string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("pgtest: %s is not a postgres:// URL", EnvURL)
	}
	name := "tandem_test_" + strings.ToLower(rand.Text())
	if err := adminExec(adminURL, `CREATE DATABASE `+name); err != nil {
		return "", fmt.Errorf("pgtest: create a test database: %w", err)
	}
	t.Cleanup(func() {
		if err := adminExec(adminURL, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop the test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// adminExec runs one statement on the server that adminURL names.
func adminExec(adminURL, sql string) error {
	ctx, cancel := adminContext()
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Server is a PostgreSQL server of one test's own, in a temporary
// directory, that the test can stop and start again.
type Server struct {
	srv *server
}

// Start starts a server for t alone, with an empty database named tandem.
// It is stopped and its directory removed when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	srv, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.close(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	if err := adminExec(srv.adminURL(), `CREATE DATABASE tandem`); err != nil {
		t.Fatalf("pgtest: create the database: %v", err)
	}
	return &Server{srv: srv}
}

// URL returns the URL of the server's database tandem. It stays the same
// across Stop and Start.
func (s *Server) URL() string { return s.srv.dbURL("tandem") }

// Stop shuts the server down (fast: open sessions are ended) and returns
// when it has exited.
func (s *Server) Stop() error { return s.srv.stop() }

// Start starts the stopped server again on the same port and data, and
// returns when it accepts connections.
func (s *Server) Start() error { return s.srv.start() }
