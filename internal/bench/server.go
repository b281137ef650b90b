// Package bench measures Tandem's web assistance: fan-out throughput over
// real WebSockets against a bare relay, the latency a server adds between a
// person and an agent, and the memory an idle live assist costs the server.
//
// The measuring functions drive a server over HTTP and WebSockets with
// simclient, as people's pages and agents' consoles would; they are used by
// the benchmarks of this package, by its tests at tiny sizes, and by the
// tandem-bench command at full size (see docs/performance.md).
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/password"
)

// Target is a Tandem server to measure: where it is, a site whose allowed
// origins include Origin, and an agent's login.
type Target struct {
	URL string // e.g. http://127.0.0.1:8080
	// AgentURL, if set, is where the agents sign in and watch: another
	// node of the same installation, which passes them to the node that
	// owns each assist (the one at URL, where the people ask for help).
	AgentURL string
	SiteKey  string
	Origin   string // the origin the person's page claims
	Email    string
	Password string
}

// ServerOptions configure an in-process server.
type ServerOptions struct {
	// DisableRecording relays without recording (app.Config.DisableRecording).
	DisableRecording bool
	// Logger gets the server's logs; nil discards them.
	Logger *slog.Logger
	// StoreURL and BlobsURL are the backends (app.Config's); empty ones are
	// the embedded defaults in the fresh data directory. A PostgreSQL
	// database or bucket given here should be empty: the server seeds it.
	StoreURL, BlobsURL string
	// BusURL is the bus between nodes (app.Config's; local when empty).
	BusURL string
}

// Server is a Tandem started in this process on 127.0.0.1 with a fresh data
// directory, one site and one agent.
type Server struct {
	*app.Server
	Target Target
	dir    string
	shared string // the data every node of a StartCluster shares (on the first node), removed by CloseCluster
}

// benchOrigin is the origin of the pages the simulated people are on.
const benchOrigin = "https://shop.example.com"

// StartServer starts Tandem in this process. Close it to stop it and remove
// its data.
func StartServer(ctx context.Context, opts ServerOptions) (*Server, error) {
	return startNode(ctx, opts, true)
}

// startNode starts a server, and seeds its store unless another node of
// the same installation did.
func startNode(ctx context.Context, opts ServerOptions, seed bool) (*Server, error) {
	dir, err := os.MkdirTemp("", "tandem-bench-")
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv, err := app.Start(ctx, app.Config{
		Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: "off", DataDir: dir,
		StoreURL: opts.StoreURL, BlobsURL: opts.BlobsURL, BusURL: opts.BusURL,
		DisableRecording: opts.DisableRecording, Logger: logger,
		// The benchmarks measure the relay, not the limits on one person.
		AssistRateBytes: -1, AssistMaxBytes: -1,
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start tandem: %w", err)
	}
	s := &Server{Server: srv, dir: dir}
	if !seed {
		return s, nil
	}
	if err := s.seed(ctx); err != nil {
		_ = s.Close(ctx)
		return nil, err
	}
	return s, nil
}

// seed creates the site and the agent the simulated clients use.
func (s *Server) seed(ctx context.Context) error {
	site := &tandem.Site{Name: "Bench site", AllowedOrigins: []string{benchOrigin}}
	if err := s.Store().CreateSite(ctx, site); err != nil {
		return fmt.Errorf("create site: %w", err)
	}
	const email, pw = "bench@example.com", "bench password, not secret"
	// Cheap hashing parameters: logins are not what is measured.
	hash, err := password.HashWith(password.TestParams(), pw)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	err = s.Store().CreateUser(ctx, &tandem.User{Email: email, Name: "Bench agent", PasswordHash: hash, Role: tandem.RoleAgent})
	if err != nil {
		return fmt.Errorf("create agent: %w", err)
	}
	s.Target = Target{URL: s.URL(), SiteKey: site.Key, Origin: benchOrigin, Email: email, Password: pw}
	return nil
}

// Close stops the server and removes its data directory.
func (s *Server) Close(ctx context.Context) error {
	err := s.Server.Close(ctx)
	if rmErr := os.RemoveAll(s.dir); err == nil {
		err = rmErr
	}
	return err
}
