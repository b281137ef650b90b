package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/s3test"
	"github.com/tandemhq/tandem/internal/simclient"
)

// served is a `tandem serve` running in this process.
type served struct {
	base string // the console's base URL
	stop func()
}

// serve runs `tandem serve` with args (plus free addresses and no demo,
// TURN or metrics) until stop, and returns once it says it is running.
func serve(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--demo-addr", "off", "--ssh-addr", "off",
			"--turn-addr", "off", "--log-level", "error", "--drain-delay", "0"}, args...)
		done <- run(ctx, args, nil, w, io.Discard)
		w.CloseWithError(io.EOF)
	}()
	s := &served{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "Agent console"); ok {
			s.base = strings.TrimSuffix(strings.TrimSpace(v), "/console/")
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			break
		}
	}
	go io.Copy(io.Discard, out)
	if s.base == "" {
		cancel()
		t.Fatalf("serve did not start: %v", <-done)
	}
	stopped := false
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(s.stop)
	return s
}

// get fetches path as agent and returns the body, which must be 200.
func get(t *testing.T, ctx context.Context, agent *simclient.Agent, path string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", agent.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := agent.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s, %v", path, resp.StatusCode, body, err)
	}
	return body
}

// An installation made by serve (users, a site, an assist and its
// recording) is copied by migrate-data to another store and blob storage,
// SQLite and a directory or PostgreSQL and S3, and a server on the copy
// alone replays the recording and signs the users in.
func TestMigrateDataMovesAnInstallation(t *testing.T) {
	t.Run("sqlite+file", func(t *testing.T) {
		dir := t.TempDir()
		migrateAndServe(t, backend.SQLiteURL(filepath.Join(dir, "store", "tandem.db")), backend.FileURL(filepath.Join(dir, "recordings")))
	})
	t.Run("postgres+s3", func(t *testing.T) {
		migrateAndServe(t, pgtest.URL(t), s3test.URL(t))
	})
}

// migrateAndServe makes an installation in a data directory, copies it to
// the store to and blob storage toBlobs, and checks a server on the copy.
func migrateAndServe(t *testing.T, to, toBlobs string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	old := filepath.Join(t.TempDir(), "old")
	srv := serve(t, "--data", old)

	const origin = "https://shop.example"
	out := mustRun(t, old, "", "site", "add", "--name", "Shop", "--origin", origin)
	siteKey := regexp.MustCompile(`(?m)^site key: (\S+)$`).FindStringSubmatch(out)[1]
	mustRun(t, old, "correct horse battery\n", "user", "add", "--email", "sam@example.com", "--name", "Sam", "--password-stdin")

	agent, err := simclient.Login(ctx, srv.base, "sam@example.com", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	p := &simclient.Person{Base: srv.base, Origin: origin, SiteKey: siteKey}
	if err := p.GoLive(ctx, agent, origin+"/cart"); err != nil {
		t.Fatal(err)
	}
	watch, err := agent.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	frames := []struct{ kind, hash, payload string }{
		{"meta", "", `{"url":"https://shop.example/cart","title":"Cart","pageId":"a","viewport":{"width":800,"height":600,"dpr":1}}`},
		{"snap", "h1", `[{"type":4},{"type":2,"marker":"migrated-snapshot"}]`},
		{"ev", "", `[{"type":3,"n":1}]`},
		{"ev", "", `[{"type":3,"n":2}]`},
	}
	for _, f := range frames {
		if _, err := p.SendData(ctx, f.kind, "a", f.hash, []byte(f.payload)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Send(ctx, simclient.Header{Kind: "end"}, nil); err != nil {
		t.Fatal(err)
	}
	// Agents are told an assist ended once its recording is stored.
	if _, _, err := simclient.ReadUntil(ctx, watch, "ended"); err != nil {
		t.Fatal(err)
	}
	recordingPath := "/api/v1/assists/" + p.AssistID + "/recording"
	before := get(t, ctx, agent, recordingPath)
	if !bytes.Contains(before, []byte("migrated-snapshot")) {
		t.Fatalf("the recording lacks the snapshot: %s", before)
	}
	srv.stop()

	copyDir := t.TempDir()
	args := []string{"migrate-data", "--from", backend.SQLiteURL(filepath.Join(old, "tandem.db")), "--to", to,
		"--from-blobs", backend.FileURL(filepath.Join(old, "blobs")), "--to-blobs", toBlobs}
	var stdout bytes.Buffer
	if err := run(ctx, args, nil, &stdout, io.Discard); err != nil {
		t.Fatalf("migrate-data: %v\n%s", err, stdout.String())
	}
	for _, want := range []string{"users: 1 rows", "sites: 1 rows", "assists: 1 rows", "secrets: 2 rows", "copied", "each checked", "done"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("migrate-data printed:\n%s\nwant %q in it", stdout.String(), want)
		}
	}

	// Again: the store is refused, as it is not empty, and changes nothing.
	stdout.Reset()
	err = run(ctx, args, nil, &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("migrate-data into a used store: %v", err)
	}
	// Blobs alone run again without copying anything twice.
	stdout.Reset()
	if err := run(ctx, []string{"migrate-data", "--from-blobs", args[6], "--to-blobs", toBlobs}, nil, &stdout, io.Discard); err != nil {
		t.Fatalf("blobs again: %v", err)
	}
	if !regexp.MustCompile(`: 0 copied \(0 bytes\), [1-9]\d* there already`).MatchString(stdout.String()) {
		t.Errorf("blobs again printed:\n%s\nwant nothing copied", stdout.String())
	}

	// The old installation goes away; a server on the copy has everything.
	if err := os.RemoveAll(old); err != nil {
		t.Fatal(err)
	}
	srv = serve(t, "--data", filepath.Join(copyDir, "unused"), "--store", to, "--blobs", toBlobs)
	agent, err = simclient.Login(ctx, srv.base, "sam@example.com", "correct horse battery")
	if err != nil {
		t.Fatalf("sign in on the copy: %v", err)
	}
	if after := get(t, ctx, agent, recordingPath); !bytes.Equal(after, before) {
		t.Errorf("the recording on the copy:\n%s\nwant:\n%s", after, before)
	}
	users := get(t, ctx, agent, "/api/v1/assists/"+p.AssistID)
	if !bytes.Contains(users, []byte(`"ended"`)) {
		t.Errorf("the assist on the copy: %s", users)
	}
	srv.stop()
	if _, err := os.Stat(filepath.Join(copyDir, "unused", "tandem.db")); !os.IsNotExist(err) {
		t.Errorf("serve with --store made a database in --data: %v", err)
	}
}

// migrate-data refuses what would lose or mix data, before writing.
func TestMigrateDataRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := newDataDir(t)
	src := backend.SQLiteURL(filepath.Join(data, "tandem.db"))
	missing := backend.SQLiteURL(filepath.Join(dir, "missing", "tandem.db"))
	fresh := backend.SQLiteURL(filepath.Join(dir, "fresh", "tandem.db"))
	tests := []struct {
		args []string
		want string
	}{
		{nil, "nothing to copy"},
		{[]string{"--from", src}, "give both --from and --to"},
		{[]string{"--from-blobs", "file://" + dir + "/b"}, "give both --from-blobs and --to-blobs"},
		{[]string{"--from", src, "--to", src}, "the same store"},
		{[]string{"--from", src, "--to", backend.SQLiteURL(filepath.Join(data, ".", "tandem.db"))}, "the same store"},
		{[]string{"--from", missing, "--to", fresh}, "--from " + missing + ": there is no Tandem database"},
		{[]string{"--from", "postgres://u:hunter2@127.0.0.1:1/x", "--to", fresh}, "--from postgres://u:xxxxx@127.0.0.1:1/x"},
		{[]string{"--from", src, "--to", "mysql://db/x"}, `--to mysql://db/x: unknown kind of store "mysql"`},
		{[]string{"--from-blobs", "file://" + dir + "/b", "--to-blobs", "gs://bucket"}, "--to-blobs gs://bucket: unknown kind"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			err := run(ctx, append([]string{"migrate-data"}, tt.args...), nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q in it", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	for _, p := range []string{"missing", "fresh"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("a refused copy made %s: %v", p, err)
		}
	}
}

// migrate applies the migrations of an existing store and refuses one that
// does not exist or cannot be reached, naming --store.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	data := newDataDir(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--data", data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if want := backend.SQLiteURL(filepath.Join(data, "tandem.db")) + ": the schema is up to date"; !strings.Contains(out.String(), want) {
		t.Errorf("migrate printed %q, want %q", out.String(), want)
	}
	out.Reset()
	t.Setenv("TANDEM_STORE", backend.SQLiteURL(filepath.Join(data, "tandem.db")))
	if err := run(ctx, []string{"migrate", "--data", "/nonexistent"}, nil, &out, io.Discard); err != nil {
		t.Fatalf("migrate with TANDEM_STORE: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "typo", "tandem.db")
	for _, tt := range []struct{ store, want string }{
		{backend.SQLiteURL(missing), "--store " + backend.SQLiteURL(missing) + ": there is no Tandem database at " + missing},
		{"postgresql://tandem:hunter2@127.0.0.1:1/tandem", "--store postgresql://tandem:xxxxx@127.0.0.1:1/tandem: "},
		{"redis://x", `--store redis://x: unknown kind of store "redis"`},
	} {
		err := run(ctx, []string{"migrate", "--store", tt.store}, nil, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("migrate --store %s: %v\nwant it to start with %q", tt.store, err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("migrate made the missing store's directory: %v", err)
	}
}

// serve refuses a store or blob storage it cannot open, naming the flag
// and never the password, and changes nothing.
func TestServeNamesTheFlagOfABadBackend(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--store", "mysql://tandem:hunter2@db/tandem"}, `--store mysql://tandem:xxxxx@db/tandem: unknown kind of store "mysql"`},
		{[]string{"--blobs", "ftp://u:hunter2@host/x"}, `--blobs ftp://u:xxxxx@host/x: unknown kind of blob storage "ftp"`},
		{[]string{"--blobs", "/var/blobs"}, "--blobs /var/blobs: not a URL of a blob storage"},
	} {
		err := run(context.Background(), append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--demo-addr", "off",
			"--ssh-addr", "off", "--turn-addr", "off", "--log-level", "error"}, tt.args...), nil, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("serve %s: %v\nwant it to start with %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("a refused serve made its data directory: %v", err)
	}
}
