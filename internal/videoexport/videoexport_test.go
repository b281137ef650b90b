package videoexport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
	"github.com/tandemhq/tandem/internal/video"
	"github.com/tandemhq/tandem/internal/video/videotest"
	"github.com/tandemhq/tandem/internal/videoexport"
)

// recording is a short recorded page in the replay's NDJSON: a page with a
// box that changes colour twice in two seconds.
func recording(t testing.TB) []byte {
	t.Helper()
	const start = 1_700_000_000_000
	el := func(id int, tag string, attrs map[string]any, children ...any) map[string]any {
		if children == nil {
			children = []any{}
		}
		return map[string]any{"type": 2, "id": id, "tagName": tag, "attributes": attrs, "childNodes": children}
	}
	box := func(c string) string {
		return "position:absolute;left:20px;top:20px;width:200px;height:100px;background:" + c
	}
	doc := map[string]any{"type": 0, "id": 1, "childNodes": []any{el(2, "html", map[string]any{},
		el(3, "head", map[string]any{}), el(4, "body", map[string]any{"style": "margin:0;background:#fff"},
			el(5, "div", map[string]any{"style": box("#c00")})))}}
	ev := func(ms int64, typ int, data map[string]any) map[string]any {
		return map[string]any{"type": typ, "data": data, "timestamp": start + ms}
	}
	recolour := func(ms int64, c string) map[string]any {
		return ev(ms, 3, map[string]any{"source": 0, "texts": []any{}, "removes": []any{}, "adds": []any{},
			"attributes": []any{map[string]any{"id": 5, "attributes": map[string]any{"style": box(c)}}}})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, line := range []any{
		map[string]any{"assist": map[string]any{"id": "a1", "state": "ended"}},
		map[string]any{"s": 1, "k": "meta", "p": "pg", "at": start, "d": map[string]any{
			"url": "https://shop.test/", "pageId": "pg", "viewport": map[string]any{"width": 320, "height": 240}}},
		map[string]any{"s": 2, "k": "snap", "p": "pg", "h": "h1", "at": start, "d": []any{
			ev(0, 4, map[string]any{"href": "https://shop.test/", "width": 320, "height": 240}),
			ev(1, 2, map[string]any{"node": doc, "initialOffset": map[string]any{"top": 0, "left": 0}})}},
		map[string]any{"s": 3, "k": "ev", "p": "pg", "at": start + 1000, "d": []any{recolour(1000, "#0a0")}},
		map[string]any{"s": 4, "k": "ev", "p": "pg", "at": start + 2000, "d": []any{recolour(2000, "#00c")}},
		map[string]any{"end": map[string]any{"frames": 4}},
	} {
		if err := enc.Encode(line); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// fixedRecordings serves one recording for every job.
type fixedRecordings []byte

func (f fixedRecordings) Open(context.Context, *store.VideoExport) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(f)), nil
}

// env is a store with a site and an ended assist, a blob directory and a
// renderer.
type env struct {
	db       *sqlite.DB
	blobs    *dirblobs.Store
	renderer videoexport.Renderer
	site     *tandem.Site
	ended    *tandem.Assist
	live     *tandem.Assist
	events   chan finish
}

type finish struct {
	id    string
	state store.VideoState
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := dirblobs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, blobs: bs, events: make(chan finish, 16)}
	e.site = &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.test"}}
	if err := db.CreateSite(ctx, e.site); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	e.ended = &tandem.Assist{SiteID: e.site.ID, State: tandem.AssistEnded, AgentID: "agent1", CreatedAt: now.Add(-time.Minute),
		StartedAt: now.Add(-time.Minute), EndedAt: now, EndReason: "ended by agent"}
	e.live = &tandem.Assist{SiteID: e.site.ID, State: tandem.AssistLive, AgentID: "agent1", CreatedAt: now, StartedAt: now}
	for _, a := range []*tandem.Assist{e.ended, e.live} {
		if err := db.CreateAssist(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	r, err := video.New(video.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e.renderer = r
	return e
}

// service returns a service of node over e, with renderer r (e's when nil).
func (e *env) service(t *testing.T, node string, r videoexport.Renderer, rec []byte) *videoexport.Service {
	t.Helper()
	if r == nil {
		r = e.renderer
	}
	s, err := videoexport.New(videoexport.Config{Store: e.db, Blobs: e.blobs, Recordings: fixedRecordings(rec), Renderer: r,
		Node: node, ClaimTTL: 2 * time.Second, Poll: 20 * time.Millisecond, Backoff: time.Millisecond, TempDir: t.TempDir(),
		Finished: func(id string, st store.VideoState) { e.events <- finish{id, st} }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// start runs s until the test ends or stop is called; stop waits for it.
func start(t *testing.T, s *videoexport.Service) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return sync.OnceFunc(stop)
}

// wait returns the next attempt's end.
func (e *env) wait(t *testing.T) finish {
	t.Helper()
	select {
	case f := <-e.events:
		return f
	case <-time.After(3 * time.Minute):
		t.Fatal("no video export attempt ended in 3 minutes")
		return finish{}
	}
}

// probe checks with ffprobe that the blob under key is an H.264 video of
// w×h.
func (e *env) probe(t *testing.T, key string, w, h int) {
	t.Helper()
	rc, err := e.blobs.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("the video's blob: %v", err)
	}
	defer rc.Close()
	path := filepath.Join(t.TempDir(), "v.mp4")
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if p := videotest.Probe(t, path); p.Codec != "h264" || p.Width != w || p.Height != h {
		t.Errorf("ffprobe says %+v, want h264 %d×%d", p, w, h)
	}
}

func TestExportCompletes(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, "node-1", nil, recording(t))
	ctx := context.Background()
	v, err := s.Request(ctx, videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID,
		Options: videoexport.Options{Width: 320, Height: 240, FPS: 5, Clicks: true}, Actor: "agent:agent1"})
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	if f := e.wait(t); f.id != v.ID || f.state != store.VideoDone {
		t.Fatalf("attempt ended %+v, want %s done", f, v.ID)
	}
	got, err := s.Job(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BlobKey != videoexport.BlobKey(e.ended.ID, v.ID) || got.Bytes <= 0 || got.Width != 320 || got.Height != 240 ||
		got.Duration < 2*time.Second || got.Attempts != 1 || got.Total == 0 || got.Done != got.Total {
		t.Errorf("done job = %+v", got)
	}
	e.probe(t, got.BlobKey, 320, 240)
	_, rc, err := s.Open(ctx, v.ID, "agent:agent1")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	wantAudit(t, e.db, e.ended.ID, "video.requested", "video.done", "video.downloaded")

	// Deleting a done export deletes its video.
	if _, deleted, err := s.Remove(ctx, v.ID, "agent:agent1"); err != nil || !deleted {
		t.Fatal(err)
	}
	if _, err := e.blobs.Get(ctx, got.BlobKey); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("the video after its export was deleted: %v, want not found", err)
	}
	if _, err := s.Job(ctx, v.ID); tandem.ErrorCode(err) != tandem.ENotFound {
		t.Errorf("the job after it was deleted: %v, want not found", err)
	}
}

func wantAudit(t *testing.T, db *sqlite.DB, session string, actions ...string) {
	t.Helper()
	es, err := db.AuditFor(context.Background(), session)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if strings.HasPrefix(e.Action, "video.") {
			got = append(got, e.Action)
		}
	}
	if strings.Join(got, " ") != strings.Join(actions, " ") {
		t.Errorf("audit of %s = %v, want %v", session, got, actions)
	}
}

func TestRequestRefusals(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, "node-1", nil, nil)
	ctx := context.Background()
	hostless := &store.Terminal{HostName: "build-01", RecordingID: "rec-1", CreatedAt: time.Now()}
	if err := e.db.CreateTerminal(ctx, hostless); err != nil {
		t.Fatal(err)
	}
	ok := videoexport.Options{Width: 1280, Height: 720}
	for _, c := range []struct {
		name string
		req  videoexport.Request
		code string
	}{
		{"a live assist", videoexport.Request{Kind: store.VideoAssist, SubjectID: e.live.ID, Options: ok}, tandem.EConflict},
		{"a missing assist", videoexport.Request{Kind: store.VideoAssist, SubjectID: "nope", Options: ok}, tandem.ENotFound},
		{"a live terminal session", videoexport.Request{Kind: store.VideoTerminal, SubjectID: hostless.ID, Options: ok}, tandem.EConflict},
		{"a missing terminal session", videoexport.Request{Kind: store.VideoTerminal, SubjectID: "nope", Options: ok}, tandem.ENotFound},
		{"a width alone", videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID, Options: videoexport.Options{Width: 1280}}, tandem.EInvalid},
		{"a huge size", videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID, Options: videoexport.Options{Width: 10000, Height: 10000}}, tandem.EInvalid},
		{"a tiny size", videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID, Options: videoexport.Options{Width: 10, Height: 10}}, tandem.EInvalid},
		{"a frame rate of 1000", videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID, Options: videoexport.Options{FPS: 1000}}, tandem.EInvalid},
		{"a bad kind", videoexport.Request{Kind: "movie", SubjectID: e.ended.ID}, tandem.EInvalid},
	} {
		c.req.Actor = "agent:agent1"
		if _, err := s.Request(ctx, c.req); tandem.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	for _, id := range []string{e.ended.ID, e.live.ID, hostless.ID} {
		if jobs, err := s.Jobs(ctx, id); err != nil || len(jobs) != 0 {
			t.Errorf("jobs of %s after refusals: %d, %v", id, len(jobs), err)
		}
	}
}

// signalling tells first when the render it wraps reports progress.
type signalling struct {
	videoexport.Renderer
	first chan struct{}
	once  sync.Once
}

func (r *signalling) RenderAssist(ctx context.Context, rec video.Recording, o video.Options, w io.Writer, p video.Progress) (*video.Result, error) {
	return r.Renderer.RenderAssist(ctx, rec, o, w, func(done, total int) {
		p(done, total)
		r.once.Do(func() { close(r.first) })
	})
}

// TestStopMidRenderResumes stops a node while it renders: the job is put
// back and a new run of the server finishes it.
func TestStopMidRenderResumes(t *testing.T) {
	e := newEnv(t)
	rec := recording(t)
	r := &signalling{Renderer: e.renderer, first: make(chan struct{})}
	first := e.service(t, "node-1", r, rec)
	ctx := context.Background()
	v, err := first.Request(ctx, videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID,
		Options: videoexport.Options{Width: 320, Height: 240, FPS: 5}, Actor: "agent:agent1"})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, first)
	<-r.first
	stop()
	if f := e.wait(t); f.state != store.VideoQueued {
		t.Fatalf("the interrupted attempt ended %s, want queued", f.state)
	}
	got, _ := first.Job(ctx, v.ID)
	if got.State != store.VideoQueued || got.ClaimNode != "" || !strings.Contains(got.Error, "interrupted") {
		t.Fatalf("after the stop: %+v", got)
	}
	second := e.service(t, "node-2", nil, rec)
	start(t, second)
	if f := e.wait(t); f.id != v.ID || f.state != store.VideoDone {
		t.Fatalf("after the restart the attempt ended %+v, want done", f)
	}
	got, _ = second.Job(ctx, v.ID)
	if got.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", got.Attempts)
	}
	e.probe(t, got.BlobKey, 320, 240)
}

// TestDeadNodeJobTakenOver checks that a job whose node died holding it
// (its claim lapses, nobody puts it back) is taken by another node.
func TestDeadNodeJobTakenOver(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, "node-2", nil, recording(t))
	ctx := context.Background()
	v, err := s.Request(ctx, videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID,
		Options: videoexport.Options{Width: 320, Height: 240, FPS: 5}, Actor: "agent:agent1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ClaimVideoExport(ctx, "dead-node", 300*time.Millisecond, time.Now()); err != nil {
		t.Fatal(err)
	}
	start(t, s)
	if f := e.wait(t); f.id != v.ID || f.state != store.VideoDone {
		t.Fatalf("attempt ended %+v, want done", f)
	}
	if got, _ := s.Job(ctx, v.ID); got.Attempts != 2 {
		t.Errorf("attempts = %d, want 2 (the dead node's and this one's)", got.Attempts)
	}
}

// failing fails every render.
type failing struct{ videoexport.Renderer }

func (failing) RenderAssist(context.Context, video.Recording, video.Options, io.Writer, video.Progress) (*video.Result, error) {
	return nil, errors.New("chromium crashed")
}

// TestRetriesThenFails checks that a failing export is tried three times
// and then left failed with its error, audited.
func TestRetriesThenFails(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, "node-1", failing{}, recording(t))
	ctx := context.Background()
	v, err := s.Request(ctx, videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID, Actor: "agent:agent1"})
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	for i, want := range []store.VideoState{store.VideoQueued, store.VideoQueued, store.VideoFailed} {
		if f := e.wait(t); f.state != want {
			t.Fatalf("attempt %d ended %s, want %s", i+1, f.state, want)
		}
	}
	got, _ := s.Job(ctx, v.ID)
	if got.State != store.VideoFailed || got.Attempts != 3 || !strings.Contains(got.Error, "chromium crashed") || got.BlobKey != "" {
		t.Errorf("failed job = %+v", got)
	}
	wantAudit(t, e.db, e.ended.ID, "video.requested", "video.failed")
	if _, _, err := s.Open(ctx, v.ID, "agent:agent1"); tandem.ErrorCode(err) != tandem.EConflict {
		t.Errorf("Open of a failed export: %v, want conflict", err)
	}
}

// TestCancelStopsRender cancels a running export: its worker stops and no
// video is kept.
func TestCancelStopsRender(t *testing.T) {
	e := newEnv(t)
	r := &signalling{Renderer: e.renderer, first: make(chan struct{})}
	s := e.service(t, "node-1", r, recording(t))
	ctx := context.Background()
	v, err := s.Request(ctx, videoexport.Request{Kind: store.VideoAssist, SubjectID: e.ended.ID,
		Options: videoexport.Options{Width: 320, Height: 240, FPS: 25}, Actor: "agent:agent1"})
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	<-r.first
	c, deleted, err := s.Remove(ctx, v.ID, "agent:agent1")
	if err != nil || deleted || c.State != store.VideoCancelled {
		t.Fatalf("Remove of a running export = %+v, %v, %v; want cancelled", c, deleted, err)
	}
	f := e.wait(t)
	if f.state != store.VideoCancelled {
		t.Fatalf("the worker ended the attempt %s, want cancelled (the render was not stopped)", f.state)
	}
	if keys, _ := e.blobs.List(ctx, videoexport.BlobPrefix(e.ended.ID)); len(keys) != 0 {
		t.Errorf("videos kept of a cancelled export: %v", keys)
	}
	wantAudit(t, e.db, e.ended.ID, "video.requested", "video.cancelled")
}
