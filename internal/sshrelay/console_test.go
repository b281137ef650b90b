package sshrelay_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/httpapi"
	"github.com/tandemhq/tandem/internal/metrics"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/web"
)

// console is the web API (internal/httpapi) with the relay's terminal
// routes in its route table, as `tandem serve` runs it, and an agent signed
// in to it.
type console struct {
	*httptest.Server
	agent   *tandem.User
	token   string      // the agent's console session
	signed  http.Header // its cookie
	metrics *metrics.Metrics
}

// sessionCookie is the console's cookie (internal/httpapi), set here as a
// browser that signed in would have it.
const sessionCookie = "tandem_session"

func newConsole(t testing.TB, relay *sshrelay.Server, db store.Store, agent *tandem.User) *console {
	t.Helper()
	dist := web.Dist()
	for _, f := range []string{"terminal.html", "terminal.js", "terminal.css"} {
		if _, err := fs.Stat(dist, f); err != nil {
			t.Fatalf("web/dist/%s is missing: run `cd web && node build.mjs`", f)
		}
	}
	sessions := &auth.Manager{Sessions: db, Users: db}
	token, _, err := sessions.Start(context.Background(), agent)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	ts := httptest.NewServer(httpapi.New(httpapi.Deps{
		Sessions:  sessions,
		Login:     auth.PasswordLogin{Users: db},
		Sites:     db,
		Web:       dist,
		Terminals: relay,
		Metrics:   m.Handler(),
		Observer:  m,
	}))
	t.Cleanup(ts.Close)
	return &console{Server: ts, agent: agent, token: token, signed: http.Header{"Cookie": {sessionCookie + "=" + token}}, metrics: m}
}

// dialTerminal opens the web terminal of session id as the agent.
func (c *console) dialTerminal(ctx context.Context, id string) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(c.URL, "http") + "/api/v1/terminals/" + id + "/ws"
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: c.signed})
	return ws, err
}

// shareWithConsole shares a session that alice and the server's agents may
// join, keeping what they type, and starts the console for the agent Robin.
func (e *testEnv) shareWithConsole() (alice testKey, agent *tandem.User, h *host, c *console) {
	e.t.Helper()
	alice = e.key("alice")
	agent = e.agent("Robin")
	h = e.share(func(c *share.Config) {
		c.AuthorizedKeys = []string{alice.authorized}
		c.AllowAgents = true
		c.RecordInput = true
	})
	return alice, agent, h, newConsole(e.t, e.srv, e.db, agent)
}

func (e *testEnv) agent(name string) *tandem.User {
	e.t.Helper()
	u := &tandem.User{Email: strings.ToLower(name) + "@example.com", Name: name, Role: tandem.RoleAgent}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// scrape returns the server's metrics as Prometheus shows them.
func (c *console) scrape(t testing.TB) string {
	t.Helper()
	rec := httptest.NewRecorder()
	c.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
