package cluster_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/apptest"
	"github.com/tandemhq/tandem/internal/cluster"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/simclient"
	"github.com/tandemhq/tandem/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const origin = "https://shop.example"

// A person whose assist node A owns, reaching node B, and an agent on node
// C, are served through A: frames flow both ways, and accept and end work
// from any node. Each node counts what it forwarded, by route.
func TestAssistServedThroughOtherNodes(t *testing.T) {
	nodes := apptest.StartNodes(t, 3, app.Config{MetricsAddr: "127.0.0.1:0"}, origin)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	p := a.Person(origin)
	if err := p.RequestHelp(ctx, origin+"/cart"); err != nil {
		t.Fatal(err)
	}
	if l, err := a.Store().LeaseOf(ctx, p.AssistID); err != nil || l.NodeURL != a.URL() || !l.Live() {
		t.Fatalf("the assist's lease is %+v, %v; want node A's (%s)", l, err, a.URL())
	}

	// The person's channel on B.
	p.Base, p.Client = b.URL(), b.Client()
	if _, _, err := p.Connect(ctx); err != nil {
		t.Fatalf("the person's channel on node B: %v", err)
	}
	defer p.WS.CloseNow()

	// The agent, signed in on C, accepts on C and watches on C.
	agent, err := c.Login(ctx, c.AgentEmail, c.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.Accept(ctx, p.AssistID); err != nil {
		t.Fatalf("accept on node C: %v", err)
	}
	if err := p.Allow(ctx); err != nil {
		t.Fatalf("the person on node B: %v", err)
	}
	watch, err := agent.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatalf("the agent's channel on node C: %v", err)
	}
	defer watch.CloseNow()

	// Person → agent.
	meta := `{"url":"https://shop.example/cart","title":"Cart","pageId":"a","viewport":{"width":800,"height":600,"dpr":1}}`
	seq, err := p.SendData(ctx, "meta", "a", "", []byte(meta))
	if err != nil {
		t.Fatal(err)
	}
	if h, body, err := simclient.ReadUntil(ctx, watch, "meta"); err != nil || h.Seq != seq || string(body) != meta {
		t.Fatalf("the agent read %+v %s (%v); want the person's meta frame %d", h, body, err, seq)
	}
	// Agent → person.
	if err := watch.Write(ctx, websocket.MessageText, simclient.Frame(simclient.Header{Kind: "snapshot"}, nil)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := simclient.ReadUntil(ctx, p.WS, "snapshot"); err != nil {
		t.Fatalf("the person never got the agent's snapshot request: %v", err)
	}

	// End on B, with the agent's session.
	onB := &simclient.Agent{Base: b.URL(), Client: agent.Client}
	if err := onB.Do(ctx, "POST", "/api/v1/assists/"+p.AssistID+"/end", nil, nil); err != nil {
		t.Fatalf("end on node B: %v", err)
	}
	for who, ws := range map[string]*websocket.Conn{"person": p.WS, "agent": watch} {
		if _, _, err := simclient.ReadUntil(ctx, ws, "ended"); err != nil {
			t.Errorf("the %s was not told the assist ended: %v", who, err)
		}
	}
	if got, err := a.Store().AssistByID(ctx, p.AssistID); err != nil || got.State != "ended" {
		t.Errorf("the stored assist is %+v, %v; want ended", got, err)
	}

	// A channel is counted when it closes.
	p.WS.CloseNow()
	watch.CloseNow()
	want := map[*apptest.TestServer][]string{
		b: {`route="forwarded GET /api/v1/public/assists/{id}/ws",status="101"} 1`, `route="forwarded POST /api/v1/assists/{id}/end",status="200"} 1`},
		c: {`route="forwarded POST /api/v1/assists/{id}/accept",status="200"} 1`, `route="forwarded GET /api/v1/assists/{id}/ws",status="101"} 1`},
		a: {`route="GET /api/v1/public/assists/{id}/ws",status="101"} 1`, `route="GET /api/v1/assists/{id}/ws",status="101"} 1`},
	}
	for node, lines := range want {
		waitMetrics(t, node, lines)
	}
	if m := scrape(t, a); strings.Contains(m, "forwarded") {
		t.Errorf("the owner forwarded something:\n%s", grepLines(m, "forwarded"))
	}
}

// waitMetrics waits until node's request counts have every one of lines.
func waitMetrics(t *testing.T, node *apptest.TestServer, lines []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape(t, node)
		missing := ""
		for _, l := range lines {
			if !strings.Contains(m, "tandem_http_requests_total{"+l) {
				missing = l
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s's metrics lack %s:\n%s", node.URL(), missing, grepLines(m, "tandem_http_requests_total"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An agent opens the web terminal of a session node A relays on node B:
// B passes it to A, and what the agent types reaches the host and its
// output comes back.
func TestWebTerminalServedThroughAnotherNode(t *testing.T) {
	nodes := apptest.StartNodes(t, 2, app.Config{SSHAddr: "127.0.0.1:0"}, origin)
	a, b := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	dir := t.TempDir()
	stdinR, stdinW := io.Pipe()
	t.Cleanup(func() { stdinW.Close() })
	host, err := share.Start(ctx, share.Config{
		Server: a.SSHAddr(), KeyPath: filepath.Join(dir, "host_key"), KnownHostsPath: filepath.Join(dir, "known_hosts"),
		Command: []string{"/bin/sh"}, Env: []string{"PS1=$ ", "ENV="}, HostName: "testhost",
		Stdin: stdinR, Stdout: io.Discard, Cols: 80, Rows: 24, AllowAgents: true,
	})
	if err != nil {
		t.Fatalf("share: %v", err)
	}
	t.Cleanup(func() { host.Close() })
	if l, err := a.Store().LeaseOf(ctx, host.ID); err != nil || l.NodeURL != a.URL() {
		t.Fatalf("the session's lease is %+v, %v; want node A's", l, err)
	}

	agent, err := b.Login(ctx, b.AgentEmail, b.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	u := "ws" + strings.TrimPrefix(b.URL(), "http") + "/api/v1/terminals/" + host.ID + "/ws"
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: agent.Client})
	if err != nil {
		t.Fatalf("the web terminal on node B: %v", err)
	}
	defer ws.CloseNow()
	in, _ := json.Marshal(map[string]string{"type": "input", "data": "echo forwarded-$((2+3))\r"})
	if err := ws.Write(ctx, websocket.MessageText, in); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for !strings.Contains(out.String(), "forwarded-5") {
		typ, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("reading the terminal: %v; so far %q", err, out.String())
		}
		if typ == websocket.MessageBinary {
			out.Write(msg)
		}
	}
}

// A request another node signed is served where it arrives, never passed
// on again: a node that does not own the assist refuses it as on one node
// (the refusal path), while the same request from a client is forwarded.
// And the signed client address is believed only under a good signature.
func TestSignedRequestsAreNotForwardedAgain(t *testing.T) {
	var logs apptest.LogBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	nodes := apptest.StartNodes(t, 2, app.Config{Logger: logger}, origin)
	a, b := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	auth := nodeAuth(t, a)

	p := a.Person(origin)
	if err := p.RequestHelp(ctx, origin+"/cart"); err != nil {
		t.Fatal(err)
	}
	u := "ws" + strings.TrimPrefix(b.URL(), "http") + "/api/v1/public/assists/" + p.AssistID + "/ws?token=" + url.QueryEscape(p.Token)
	dial := func(h http.Header) (simclient.Header, error) {
		h.Set("Origin", origin)
		ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			return simclient.Header{}, err
		}
		defer ws.CloseNow()
		_, msg, err := ws.Read(ctx)
		if err != nil {
			return simclient.Header{}, err
		}
		h2, _, err := simclient.Split(msg)
		return h2, err
	}
	if h, err := dial(http.Header{}); err != nil || h.Kind != "welcome" {
		t.Fatalf("a client on node B: %+v, %v; want welcome through node A", h, err)
	}
	_, err := dial(signedHeader(t, auth, u, "203.0.113.7"))
	if websocket.CloseStatus(err) != 1013 || !strings.Contains(err.Error(), "served by another node") {
		t.Errorf("a node's signed request on node B: %v; want it served there (refused with 1013), not forwarded", err)
	}

	// The client address: signed, believed; unsigned or forged, ignored.
	login := func(h http.Header) {
		body := strings.NewReader(`{"email":"nobody@example.com","password":"wrong"}`)
		req, _ := http.NewRequestWithContext(ctx, "POST", a.URL()+"/api/v1/login", body)
		maps.Copy(req.Header, h)
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	signedLogin := func(addr string) http.Header {
		req, _ := http.NewRequest("POST", a.URL()+"/api/v1/login", nil)
		req.Header.Set(cluster.ClientAddrHeader, addr)
		auth.Sign(req)
		return req.Header
	}
	login(signedLogin("203.0.113.7"))
	login(http.Header{cluster.ClientAddrHeader: {"198.51.100.66"}})
	forged := signedLogin("203.0.113.8")
	forged.Set(cluster.ClientAddrHeader, "198.51.100.67")
	login(forged)
	clients := map[string]int{}
	for line := range strings.SplitSeq(logs.String(), "\n") {
		var r struct{ Msg, Client string }
		if json.Unmarshal([]byte(line), &r) == nil && r.Msg == "sign-in failed" {
			clients[r.Client]++
		}
	}
	if want := map[string]int{"203.0.113.7": 1, "127.0.0.1": 2}; !maps.Equal(clients, want) {
		t.Errorf("sign-in failures logged from %v; want %v (only the signed address believed)", clients, want)
	}
}

// A client of a session whose owner just died (its lease still live,
// nothing listening at its URL) gets 503 with Retry-After at once, and the
// owner is logged once however many clients ask.
func TestOwnerDownAnswers503(t *testing.T) {
	var logs apptest.LogBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b := apptest.StartNodes(t, 1, app.Config{Logger: logger}, origin)[0]
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String()
	ln.Close()
	const id = "deadnodeassist"
	if _, err := b.Store().Acquire(ctx, id, store.LeaseAssist, "node-dead", deadURL, time.Minute); err != nil {
		t.Fatal(err)
	}
	agent, err := b.Login(ctx, b.AgentEmail, b.AgentPassword)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, "POST", b.URL()+"/api/v1/assists/"+id+"/accept", nil)
		resp, err := agent.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("accept %d: %d, Retry-After %q; want 503 with Retry-After", i, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		_, wsResp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.URL(), "http")+"/api/v1/public/assists/"+id+"/ws?token=x",
			&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		if err == nil || wsResp == nil || wsResp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("person channel %d: %v (%v); want a 503 handshake", i, err, wsResp)
		}
		if took := time.Since(start); took > cluster.DefaultDialTimeout {
			t.Errorf("round %d took %v", i, took)
		}
	}
	if n := strings.Count(logs.String(), "cannot be reached"); n != 1 {
		t.Errorf("the dead owner was logged %d times, want once:\n%s", n, logs.String())
	}
}

// nodeAuth is the Auth of a node of ts's installation (from the signing
// key in its store), as another node signs with.
func nodeAuth(t *testing.T, ts *apptest.TestServer) *cluster.Auth {
	t.Helper()
	secrets, err := app.StoredSecrets(t.Context(), ts.Store(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	auth, err := cluster.NewAuth(secrets.SigningKey, "node-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// signedHeader returns the headers of a GET of rawURL (ws or wss) that a
// node signed, naming client as the client.
func signedHeader(t *testing.T, auth *cluster.Auth, rawURL, client string) http.Header {
	t.Helper()
	req, err := http.NewRequest("GET", "http"+strings.TrimPrefix(rawURL, "ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(cluster.ClientAddrHeader, client)
	auth.Sign(req)
	return req.Header
}

func scrape(t *testing.T, ts *apptest.TestServer) string {
	t.Helper()
	resp, err := http.Get("http://" + ts.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}
