// Package apptest starts a whole Tandem for integration and end-to-end tests.
package apptest

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backendtest"
	"github.com/tandemhq/tandem/internal/openapitest"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/simclient"
)

// TestServer is a Tandem started for a test, with one site and one agent.
type TestServer struct {
	*app.Server
	Site          *tandem.Site
	SiteOrigin    string
	AgentEmail    string
	AgentPassword string
	// API sends requests and fails the test for every response that does not
	// match the OpenAPI document (openapitest); Login, Person and Client use it.
	API http.RoundTripper
}

// Login signs an agent in, with its requests sent through ts.API.
func (ts *TestServer) Login(ctx context.Context, email, password string) (*simclient.Agent, error) {
	return simclient.LoginVia(ctx, ts.API, ts.URL(), email, password)
}

// Person returns a person's page on origin for the test site, its requests
// sent through ts.API.
func (ts *TestServer) Person(origin string) *simclient.Person {
	p := &simclient.Person{Base: ts.URL(), Origin: origin, Client: ts.Client()}
	if ts.Site != nil {
		p.SiteKey = ts.Site.Key
	}
	return p
}

// Client returns an HTTP client without cookies whose requests go through ts.API.
func (ts *TestServer) Client() *http.Client { return &http.Client{Transport: ts.API} }

// Start starts Tandem on 127.0.0.1 with a fresh data dir, a site whose
// allowed origin is siteOrigin, and an agent "Alex". It stops with the test.
// Fields of cfg that are zero get test defaults (no SSH, no demo site).
func Start(t testing.TB, cfg app.Config, siteOrigin string) *TestServer {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.StoreURL == "" && cfg.BlobsURL == "" {
		cfg.StoreURL, cfg.BlobsURL = backendtest.URLs(t, cfg.DataDir)
	}
	if cfg.DemoAddr == "" {
		cfg.DemoAddr = "off"
	}
	if cfg.SSHAddr == "" {
		cfg.SSHAddr = "off"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx := context.Background()
	srv, err := app.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start tandem: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close tandem: %v", err)
		}
	})
	ts := &TestServer{
		Server: srv, SiteOrigin: siteOrigin, AgentEmail: "alex@example.com", AgentPassword: "correct horse battery",
		API: openapitest.Tandem(t).Transport(t, nil),
	}
	if siteOrigin != "" {
		ts.Site = &tandem.Site{Name: "Test site", AllowedOrigins: []string{siteOrigin}}
		if err := srv.Store().CreateSite(ctx, ts.Site); err != nil {
			t.Fatalf("create site: %v", err)
		}
	}
	// The agent exists already when cfg.DataDir holds an earlier run's store.
	if err := ts.createAgent(ts.AgentEmail, "Alex", ts.AgentPassword); err != nil && tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("create agent: %v", err)
	}
	return ts
}

// AddAgent creates another agent and returns its email and password.
func (ts *TestServer) AddAgent(t testing.TB, email, name string) (string, string) {
	t.Helper()
	pw := "another good password"
	if err := ts.createAgent(email, name, pw); err != nil {
		t.Fatalf("create agent: %v", err)
	}
	return email, pw
}

// createAgent stores an agent, its password hashed cheaply for tests.
func (ts *TestServer) createAgent(email, name, pw string) error {
	hash, err := password.HashWith(password.TestParams(), pw)
	if err != nil {
		return err
	}
	return ts.Store().CreateUser(context.Background(), &tandem.User{Email: email, Name: name, PasswordHash: hash, Role: tandem.RoleAgent})
}

// testWriter sends server logs to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
