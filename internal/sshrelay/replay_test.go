package sshrelay_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/browsertest"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// heldBlobs holds back Gets of one key until released, or fails them.
type heldBlobs struct {
	blobs.Store
	mu      sync.Mutex
	key     string
	fail    bool
	waiting chan struct{} // closed when a Get of key waits
	release chan struct{}
}

// hold makes Gets of key wait for release.
func (s *heldBlobs) hold(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.fail, s.waiting, s.release = key, false, make(chan struct{}), make(chan struct{})
}

// failGet makes Gets of key fail.
func (s *heldBlobs) failGet(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.fail = key, true
}

func (s *heldBlobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	s.mu.Lock()
	held, fail, waiting, release := key == s.key, s.fail, s.waiting, s.release
	s.mu.Unlock()
	switch {
	case held && fail:
		return nil, errors.New("storage outage")
	case held:
		close(waiting)
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Store.Get(ctx, key)
}

// castChunks is an ended session's recording in three chunks.
var castChunks = []string{
	`{"version":2,"width":80,"height":24,"timestamp":1700000000,"title":"fixture: /bin/sh"}` + "\n" +
		`[0.100000,"o","first-output\r\n"]` + "\n",
	`[0.200000,"o","middle-output\r\n"]` + "\n",
	`[0.300000,"o","last-output\r\n"]` + "\n",
}

// endedSession stores an ended session whose recording is castChunks, one
// chunk each, and returns its id and the keys of its chunks.
func (e *testEnv) endedSession(held *heldBlobs) (id string, keys []string) {
	e.t.Helper()
	return e.endedSessionOf(held, castChunks)
}

// endedSessionOf is endedSession with the recording chunks given.
func (e *testEnv) endedSessionOf(held *heldBlobs, chunks []string) (id string, keys []string) {
	e.t.Helper()
	ctx := context.Background()
	id = sshrelay.NewSessionID()
	now := time.Now()
	if err := e.db.CreateTerminal(ctx, &store.Terminal{
		ID: id, HostKey: e.key("fixture").authorized, HostName: "fixture", Command: "/bin/sh",
		CreatedAt: now, RecordingID: id,
	}); err != nil {
		e.t.Fatal(err)
	}
	w := record.NewWriter(held.Store, id, record.WriterOptions{})
	for _, c := range chunks {
		if _, err := w.Write([]byte(c)); err != nil {
			e.t.Fatal(err)
		}
		if err := w.Flush(ctx); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.EndTerminal(ctx, id, "the shared program exited", now.Add(time.Second)); err != nil {
		e.t.Fatal(err)
	}
	keys, err := held.List(ctx, "recordings/"+id+"/")
	if err != nil || len(keys) != len(chunks) {
		e.t.Fatalf("recording chunks %v, %v: want %d", keys, err, len(chunks))
	}
	return id, keys
}

// newHeldEnv is a relay whose blob storage a test can hold back, with the
// console for the agent Robin.
func newHeldEnv(t *testing.T) (*testEnv, *heldBlobs, *console) {
	held := &heldBlobs{}
	e := newEnv(t, func(c *sshrelay.Config) {
		held.Store = c.Blobs
		c.Blobs = held
	})
	return e, held, newConsole(t, e.srv, e.db, e.agent("Robin"))
}

// getRecording starts GET …/recording of id as the console's agent.
func getRecording(t *testing.T, ctx context.Context, c *console, id string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/api/v1/terminals/"+id+"/recording", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = c.signed.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET recording: %s", res.Status)
	}
	return res
}

// The recording streams: every chunk before the last has arrived while
// the server still waits for the last one, and the rest follows.
func TestRecordingStreamsBeforeLastChunk(t *testing.T) {
	e, held, c := newHeldEnv(t)
	id, keys := e.endedSession(held)
	held.hold(keys[len(keys)-1])
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	res := getRecording(t, ctx, c, id)
	if ct := res.Header.Get("Content-Type"); ct != "application/x-asciicast" {
		t.Errorf("Content-Type %q", ct)
	}
	early := strings.Join(castChunks[:len(castChunks)-1], "")
	got := make([]byte, len(early))
	if _, err := io.ReadFull(res.Body, got); err != nil {
		t.Fatalf("the chunks before the last did not arrive while it was held back: %v (got %q)", err, got)
	}
	if string(got) != early {
		t.Fatalf("the answer starts %q, want %q", got, early)
	}
	select {
	case <-held.waiting: // the server did get as far as the last chunk
	case <-ctx.Done():
		t.Fatal("the server has not asked for the last chunk")
	}
	close(held.release)
	rest, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if want := castChunks[len(castChunks)-1]; string(rest) != want {
		t.Fatalf("the rest is %q, want %q", rest, want)
	}
}

// A recording whose chunk cannot be read after the answer began is cut
// off: the client sees a broken answer, not a shorter whole one.
func TestRecordingCutOffWhenReadFails(t *testing.T) {
	e, held, c := newHeldEnv(t)
	id, keys := e.endedSession(held)
	held.failGet(keys[1])
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	res := getRecording(t, ctx, c, id)
	got, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("a recording that failed to read ended as if whole: %q", got)
	}
	if !strings.HasPrefix(castChunks[0], string(got)) {
		t.Fatalf("the answer before the failure is %q", got)
	}
}

// The web terminal's replay starts playing as the recording streams in:
// with the server holding back the last chunk, it shows the output before
// it, says it is still loading, and plays the rest once it arrives.
func TestWebReplayStreams(t *testing.T) {
	e, held, c := newHeldEnv(t)
	id, keys := e.endedSession(held)
	held.hold(keys[len(keys)-1])
	ctx := browsertest.Start(t, browsertest.Options{})
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	const screen = `[data-testid="terminal"] .xterm-rows`
	if err := chromedp.Run(ctx,
		network.SetCookie(sessionCookie, c.token).WithURL(c.URL).WithHTTPOnly(true),
		chromedp.Navigate(c.URL+"/terminal/"+id+"?replay=1"),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, screen, "middle-output")
	select {
	case <-held.waiting: // the server did get as far as the last chunk
	case <-ctx.Done():
		t.Fatal("the server has not asked for the last chunk")
	}
	var shown, status string
	var loading bool
	if err := chromedp.Run(ctx,
		chromedp.Text(screen, &shown, chromedp.ByQuery),
		chromedp.Text(`[data-testid="terminal-status"]`, &status, chromedp.ByQuery),
		chromedp.Evaluate(`!document.querySelector('[data-testid="replay-loading"]').hidden`, &loading),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(shown, "first-output") || strings.Contains(shown, "last-output") {
		t.Fatalf("with the last chunk held back the replay shows %q", shown)
	}
	if strings.Contains(status, "finished") || !loading {
		t.Fatalf("with the last chunk held back the replay says %q, loading shown: %v", status, loading)
	}

	close(held.release)
	waitText(t, ctx, `[data-testid="terminal-status"]`, "replay finished")
	waitText(t, ctx, screen, "last-output")
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`!document.querySelector('[data-testid="replay-loading"]').hidden`, &loading),
	); err != nil {
		t.Fatal(err)
	}
	if loading {
		t.Fatal("the replay still says it is loading after the whole recording arrived")
	}
}
