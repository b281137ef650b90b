package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/simclient"
)

// childDataEnv, when set, makes the test binary a Tandem server on that
// data directory instead of running tests: TestStoredFramesSurviveKill
// kills it with SIGKILL and starts it again.
const childDataEnv = "TANDEM_TEST_SERVE_DATA"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDataEnv); dir != "" {
		os.Exit(serveChild(dir))
	}
	os.Exit(m.Run())
}

// childInfo is what a child server prints when it is ready.
type childInfo struct {
	URL     string `json:"url"`
	SiteKey string `json:"siteKey"`
}

// childLeaseTTL is the child servers' lease TTL, and childGrace their
// grace: the killed server's assists, if nobody comes back to them, end on
// the next one within about twice the TTL and the grace.
const (
	childLeaseTTL = 2 * time.Second
	childGrace    = 2 * time.Second
)

const (
	childEmail    = "alex@example.com"
	childPassword = "correct horse battery"
)

// serveChild runs Tandem on dir with a site and an agent, prints where,
// and serves until it is killed.
func serveChild(dir string) int {
	ctx := context.Background()
	srv, err := app.Start(ctx, app.Config{
		Addr: "127.0.0.1:0", DataDir: dir, DemoAddr: "off", SSHAddr: "off", LeaseTTL: childLeaseTTL, Grace: childGrace,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 1
	}
	sites, err := srv.Store().ListSites(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sites:", err)
		return 1
	}
	if len(sites) == 0 {
		site := &tandem.Site{Name: "Test site", AllowedOrigins: []string{siteOrigin}}
		if err := srv.Store().CreateSite(ctx, site); err != nil {
			fmt.Fprintln(os.Stderr, "site:", err)
			return 1
		}
		hash, _ := password.HashWith(password.TestParams(), childPassword)
		if err := srv.Store().CreateUser(ctx, &tandem.User{Email: childEmail, Name: "Alex", PasswordHash: hash, Role: tandem.RoleAgent}); err != nil {
			fmt.Fprintln(os.Stderr, "agent:", err)
			return 1
		}
		sites = append(sites, site)
	}
	_ = json.NewEncoder(os.Stdout).Encode(childInfo{URL: srv.URL(), SiteKey: sites[0].Key})
	select {} // until killed
}

// startChild starts a server in a child process on dir.
func startChild(t *testing.T, dir string) (*exec.Cmd, childInfo) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDataEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	var info childInfo
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &info) != nil {
		t.Fatalf("child server: %q, %v", line, err)
	}
	return cmd, info
}

// Every frame acknowledged as stored is in the recording after the server
// is killed with SIGKILL and started again on the same data directory.
func TestStoredFramesSurviveKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	cmd, info := startChild(t, dir)
	agent, err := simclient.Login(ctx, info.URL, childEmail, childPassword)
	if err != nil {
		t.Fatal(err)
	}
	p := &simclient.Person{Base: info.URL, Origin: siteOrigin, SiteKey: info.SiteKey}
	if err := p.GoLive(ctx, agent, siteOrigin+"/cart"); err != nil {
		t.Fatal(err)
	}
	// An agent watches while the person sends, so that the agent grace
	// never ends the assist before the kill however slow the machine is.
	watch, err := agent.WatchAttached(ctx, p.AssistID)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, _, err := watch.Read(ctx); err != nil {
				return
			}
		}
	}()
	// More than a chunk of frames, so that some are stored at once, and
	// then a few more that are accepted but not stored yet.
	pad := strings.Repeat("x", 1000)
	send := func(n int) uint64 {
		var last uint64
		for range n {
			if last, err = p.SendData(ctx, "ev", "a", "", fmt.Appendf(nil, `[{"type":3,"data":{"pad":%q},"timestamp":1}]`, pad)); err != nil {
				t.Fatal(err)
			}
		}
		return last
	}
	acked := func(last uint64) (stored uint64) {
		for {
			h, _, err := simclient.ReadUntil(ctx, p.WS, "ack")
			if err != nil {
				t.Fatal(err)
			}
			stored = max(stored, h.Stored)
			if h.Ack >= last && stored > 0 {
				return stored
			}
		}
	}
	stored := acked(send(300))
	last := send(5)
	stored = max(stored, acked(last))
	if stored >= last {
		t.Fatalf("stored %d of %d before the kill: want some frames not stored yet", stored, last)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, info = startChild(t, dir)
	agent, err = simclient.Login(ctx, info.URL, childEmail, childPassword)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Assist struct{ State, EndReason string }
		Frames []struct{ S uint64 }
	}
	// The new server is a new node: the killed one's assist is ended once
	// its lease has lapsed for the grace, by the sweep, within the TTL, the
	// grace and the sweep interval.
	restarted := time.Now()
	for {
		err := agent.Do(ctx, "GET", "/api/v1/assists/"+p.AssistID+"/recording", nil, &rec)
		var apiErr *simclient.APIError
		if errors.As(err, &apiErr) && apiErr.Status == 409 && time.Since(restarted) < 5*childLeaseTTL+2*childGrace {
			time.Sleep(childLeaseTTL / 10)
			continue
		}
		if err != nil {
			t.Fatalf("%v after the restart: %v", time.Since(restarted), err)
		}
		break
	}
	if rec.Assist.State != "ended" || rec.Assist.EndReason != assist.ReasonOwnerStopped {
		t.Errorf("the killed server's assist is %s (%q); want ended (%q)", rec.Assist.State, rec.Assist.EndReason, assist.ReasonOwnerStopped)
	}
	for i, f := range rec.Frames {
		if f.S != uint64(i+1) {
			t.Fatalf("recorded frame %d has seq %d", i, f.S)
		}
	}
	if uint64(len(rec.Frames)) < stored {
		t.Fatalf("the recording has %d frames after the kill; %d were acknowledged as stored", len(rec.Frames), stored)
	}
	t.Logf("stored %d of %d frames acknowledged before the kill; the recording has %d", stored, last, len(rec.Frames))
}
