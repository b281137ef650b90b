package sshrelay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/openapitest"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

func getJSON(t *testing.T, url string, header http.Header, want int, into any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := openapitest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, want)
	}
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
}

// The console's API lists sessions with their helpers, serves the web
// terminal with an agent's rights, refuses bad frames without harm to the
// session, and serves the recording and audit log once it has ended.
func TestConsoleAPI(t *testing.T) {
	e := newEnv(t)
	alice, agent, h, ts := e.shareWithConsole()
	api := ts.URL + "/api/v1/terminals"

	getJSON(t, api, nil, http.StatusUnauthorized, nil)
	getJSON(t, api+"/nope", ts.signed, http.StatusNotFound, nil)
	getJSON(t, api+"/aaaaaaaaaaaaaaaaaaaaaaaaaa", ts.signed, http.StatusNotFound, nil)
	getJSON(t, api+"?limit=0", ts.signed, http.StatusBadRequest, nil)

	a := e.join(h.ID, alice, 100, 30)
	h.out.waitFor(t, "alice joined", wait)

	var list struct{ Terminals []sshrelay.TerminalJSON }
	getJSON(t, api+"?live=1", ts.signed, http.StatusOK, &list)
	if len(list.Terminals) != 1 || list.Terminals[0].ID != h.ID || !list.Terminals[0].Live ||
		len(list.Terminals[0].Helpers) != 1 || list.Terminals[0].Helpers[0].Name != "alice" {
		t.Fatalf("list: %+v", list)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ts.dialTerminal(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	readUntil := func(c *websocket.Conn, want string) {
		t.Helper()
		var got bytes.Buffer
		for !strings.Contains(got.String(), want) {
			typ, b, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %q: %v; got %q", want, err, got.String())
			}
			if typ == websocket.MessageBinary {
				got.Write(b)
			}
		}
	}
	readUntil(c, "$")
	h.out.waitFor(t, "Robin joined", wait)
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"input","data":"echo web-$((5*5))\r"}`))
	h.out.waitFor(t, "web-25", wait)
	a.out.waitFor(t, "web-25", wait)
	readUntil(c, "web-25")

	// A bad frame closes that browser's connection, and only that.
	bad, err := ts.dialTerminal(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	bad.Write(ctx, websocket.MessageText, []byte(`{"type":"resize","cols":0,"rows":99999}`))
	_, _, err = bad.Read(ctx)
	for websocket.CloseStatus(err) == -1 {
		_, _, err = bad.Read(ctx)
	}
	if websocket.CloseStatus(err) != 4400 {
		t.Fatalf("bad frame: %v, want close 4400", err)
	}
	// A frame over 64 KiB closes with 4413, as documented.
	big, err := ts.dialTerminal(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	big.Write(ctx, websocket.MessageText, []byte(`{"type":"input","data":"`+strings.Repeat("x", 64<<10)+`"}`))
	_, _, err = big.Read(ctx)
	for websocket.CloseStatus(err) == -1 {
		_, _, err = big.Read(ctx)
	}
	if websocket.CloseStatus(err) != 4413 {
		t.Fatalf("frame over 64 KiB: %v, want close 4413", err)
	}
	a.typeText("echo still-$((6*6))\r")
	readUntil(c, "still-36")

	h.stdin.Write([]byte("exit\r"))
	if err := h.Wait(); err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != 4410 {
				t.Fatalf("at the end: %v, want close 4410", err)
			}
			break
		}
	}
	if _, err := ts.dialTerminal(ctx, h.ID); err == nil {
		t.Fatal("joined an ended session")
	}

	var one struct{ Terminal sshrelay.TerminalJSON }
	getJSON(t, api+"/"+h.ID, ts.signed, http.StatusOK, &one)
	if one.Terminal.Live || one.Terminal.EndReason != "the shared program exited" || len(one.Terminal.Helpers) != 4 { // alice, Robin, and Robin's two bad connections
		t.Fatalf("ended terminal: %+v", one.Terminal)
	}

	req, _ := http.NewRequest("GET", api+"/"+h.ID+"/recording", nil)
	req.Header = ts.signed
	resp, err := openapitest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rec bytes.Buffer
	rec.ReadFrom(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(rec.String()), "\n")
	var header struct{ Version, Width, Height int }
	if err := json.Unmarshal([]byte(lines[0]), &header); err != nil || header.Version != 2 || header.Width != 80 || header.Height != 24 {
		t.Fatalf("asciicast header %q: %+v %v", lines[0], header, err)
	}
	for _, want := range []string{`"m","alice joined"`, `"m","Robin joined"`, `"i","echo web-$((5*5))\r"`} {
		if !strings.Contains(rec.String(), want) {
			t.Errorf("recording lacks %s", want)
		}
	}
	var out bytes.Buffer
	if err := sshrelay.CastOutput(strings.NewReader(rec.String()), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"web-25", "still-36"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("recorded output lacks %q", want)
		}
	}

	// The audit log is written beside the relaying; wait for its last entry.
	var entries []*tandem.AuditEntry
	for deadline := time.Now().Add(wait); ; {
		entries, err = e.db.AuditFor(context.Background(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 && entries[len(entries)-1].Action == "end" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var actions []string
	typed := map[string]string{}
	for _, en := range entries {
		actions = append(actions, en.Actor+" "+en.Action)
		if en.Action == "input" {
			typed[en.Actor] += en.Detail
		}
	}
	if !strings.Contains(typed["agent:"+agent.ID], "web-$((5*5))") || !strings.Contains(typed["helper:"+alice.fp], "still-$((6*6))") {
		t.Fatalf("audit input: %v", typed)
	}
	joined := strings.Join(actions, "\n")
	for _, want := range []string{"share", "helper:" + alice.fp + " join", "agent:" + agent.ID + " join", "agent:" + agent.ID + " leave", " end"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit lacks %q:\n%s", want, joined)
		}
	}
}

// countingStore counts the relay's look-ups of helpers in the audit log.
type countingStore struct {
	sshrelay.Store
	auditQueries atomic.Int32
}

func (s *countingStore) AuditForSessions(ctx context.Context, ids []string, action string) (map[string][]*tandem.AuditEntry, error) {
	s.auditQueries.Add(1)
	return s.Store.AuditForSessions(ctx, ids, action)
}

// Listing gives each ended session the helpers who joined it, read with
// one audit query for the whole list, and one session alike.
func TestListEndedTerminals(t *testing.T) {
	cs := &countingStore{}
	e := newEnv(t, func(c *sshrelay.Config) { cs.Store, c.Store = c.Store, cs })
	ctx := context.Background()
	ended := []struct {
		host  string
		joins []string
	}{
		{"two-helpers", []string{"alice", "bob"}},
		{"one-helper", []string{"carol"}},
		{"nobody", nil},
	}
	want := map[string][]string{}
	base := time.Now().Add(-time.Hour)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, tt := range ended {
		id := sshrelay.NewSessionID()
		must(e.db.CreateTerminal(ctx, &store.Terminal{ID: id, HostName: tt.host, CreatedAt: base.Add(time.Duration(i) * time.Minute)}))
		for j, name := range tt.joins {
			at := base.Add(time.Duration(i)*time.Minute + time.Duration(j)*time.Second)
			must(e.db.AppendAudit(ctx, &tandem.AuditEntry{SessionID: id, Actor: "helper:" + name, Action: "join", Detail: `{"name":"` + name + `","via":"ssh"}`, At: at}))
			must(e.db.AppendAudit(ctx, &tandem.AuditEntry{SessionID: id, Actor: "helper:" + name, Action: "leave", At: at.Add(time.Millisecond)}))
		}
		must(e.db.EndTerminal(ctx, id, "host disconnected", base.Add(time.Hour)))
		want[id] = tt.joins
	}
	ts := newConsole(t, e.srv, e.db, e.agent("Robin"))

	names := func(j sshrelay.TerminalJSON) []string {
		if j.Helpers == nil {
			t.Fatalf("terminal %s: helpers null, want a list", j.ID)
		}
		var n []string
		for _, h := range j.Helpers {
			n = append(n, h.Name)
		}
		return n
	}
	var list struct{ Terminals []sshrelay.TerminalJSON }
	getJSON(t, ts.URL+"/api/v1/terminals", ts.signed, http.StatusOK, &list)
	if len(list.Terminals) != len(ended) {
		t.Fatalf("listed %d terminals, want %d", len(list.Terminals), len(ended))
	}
	for _, j := range list.Terminals {
		if got := names(j); !slices.Equal(got, want[j.ID]) {
			t.Errorf("%s (%s) lists helpers %v, want %v", j.ID, j.HostName, got, want[j.ID])
		}
	}
	if n := cs.auditQueries.Load(); n != 1 {
		t.Errorf("listing read the audit log %d times, want once", n)
	}

	for id, helpers := range want {
		var one struct{ Terminal sshrelay.TerminalJSON }
		getJSON(t, ts.URL+"/api/v1/terminals/"+id, ts.signed, http.StatusOK, &one)
		if got := names(one.Terminal); !slices.Equal(got, helpers) {
			t.Errorf("%s alone lists helpers %v, want %v", id, got, helpers)
		}
	}
}

// failingStore answers every terminal list with err, or panics with it.
type failingStore struct {
	sshrelay.Store
	err   error
	panic bool
}

func (f *failingStore) ListTerminals(context.Context, bool, int) ([]*store.Terminal, error) {
	if f.panic {
		panic(f.err)
	}
	return nil, f.err
}

// The terminal API answers errors as the web API does (internal/httpjson):
// every code has its status, not only the few this package once mapped
// (a used or too-large error was a 500), and an internal error is logged
// and shown as no more than "internal error". Its routes are the web API's:
// a panic is recovered into a 500 and every request is counted.
func TestConsoleAPIErrors(t *testing.T) {
	dir := t.TempDir()
	db, bl := openStores(t, dir)
	st := &failingStore{Store: db}
	var logged bytes.Buffer
	srv, err := sshrelay.New(sshrelay.Config{
		HostKeyPath: filepath.Join(dir, "ssh_host_ed25519_key"),
		Store:       st,
		Blobs:       bl,
		Logger:      slog.New(slog.NewTextHandler(&logged, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	agent := &tandem.User{Email: "robin@example.com", Name: "Robin", Role: tandem.RoleAgent}
	if err := db.CreateUser(context.Background(), agent); err != nil {
		t.Fatal(err)
	}
	ts := newConsole(t, srv, db, agent)

	tests := []struct {
		err           error
		panic         bool
		status        int
		code, message string
	}{
		{tandem.Errorf(tandem.EUsed, "used up"), false, http.StatusGone, tandem.EUsed, "used up"},
		{tandem.Errorf(tandem.ETooLarge, "too big"), false, http.StatusRequestEntityTooLarge, tandem.ETooLarge, "too big"},
		{tandem.Errorf(tandem.EBeforeReady, "not yet"), false, http.StatusConflict, tandem.EBeforeReady, "not yet"},
		{tandem.Errorf(tandem.ENotFound, "gone"), false, http.StatusNotFound, tandem.ENotFound, "gone"},
		{errors.New("disk on fire at /var/lib/tandem"), false, http.StatusInternalServerError, tandem.EInternal, "internal error"},
		{errors.New("nil map at /var/lib/tandem"), true, http.StatusInternalServerError, tandem.EInternal, "internal error"},
	}
	for _, tt := range tests {
		name := tt.code
		if tt.panic {
			name = "panic"
		}
		t.Run(name, func(t *testing.T) {
			st.err, st.panic = tt.err, tt.panic
			logged.Reset()
			req, _ := http.NewRequest("GET", ts.URL+"/api/v1/terminals", nil)
			req.Header = ts.signed
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || body.Error.Code != tt.code || body.Error.Message != tt.message {
				t.Errorf("got %d %+v, want %d %s %q", resp.StatusCode, body.Error, tt.status, tt.code, tt.message)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
			if internal := tt.code == tandem.EInternal && !tt.panic; internal != strings.Contains(logged.String(), "request failed") {
				t.Errorf("internal = %v, but the log has %q", internal, logged.String())
			}
		})
	}
	// Every one of those requests was counted under its route.
	metricsText := ts.scrape(t)
	for _, want := range []string{
		`tandem_http_requests_total{route="GET /api/v1/terminals",status="410"} 1`,
		`tandem_http_requests_total{route="GET /api/v1/terminals",status="500"} 2`,
	} {
		if !strings.Contains(metricsText, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
