package retention

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/blobs/dirblobs"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/record/recordtest"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/store/sqlite"
)

// t0 is the fake clock's start; every time in these tests is relative to it.
var t0 = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	db    *sqlite.DB
	blobs *dirblobs.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := dirblobs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, blobs: b}
}

func (e *env) site(name string, keep time.Duration) *tandem.Site {
	e.t.Helper()
	s := &tandem.Site{Name: name, AllowedOrigins: []string{"https://" + strings.ToLower(name) + ".example"}, RecordingRetention: keep}
	if err := e.db.CreateSite(e.t.Context(), s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// assist creates an assist of site that ended at end, with a real
// recording of several chunks written by record.Writer.
func (e *env) assist(site *tandem.Site, end time.Time) *tandem.Assist {
	e.t.Helper()
	a := &tandem.Assist{SiteID: site.ID, State: tandem.AssistEnded, PersonID: "p", CreatedAt: end.Add(-time.Hour),
		StartedAt: end.Add(-time.Hour), EndedAt: end, EndReason: "ended by person"}
	if err := e.db.CreateAssist(e.t.Context(), a); err != nil {
		e.t.Fatal(err)
	}
	writeRecording(e.t, e.blobs, a.ID)
	return a
}

// writeRecording records a few frames in several chunks under id.
func writeRecording(t *testing.T, b blobs.Store, id string) {
	t.Helper()
	w := record.NewWriter(b, id, record.WriterOptions{ChunkBytes: 64, FlushInterval: time.Millisecond})
	for i := range 10 {
		if err := w.WriteFrame(t0, fmt.Appendf(nil, `{"s":%d,"k":"event"}%s`, i, strings.Repeat("x", 50))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := recordingKeys(t, b, id); len(keys) < 2 {
		t.Fatalf("recording %s has %d chunks, want several", id, len(keys))
	}
}

func recordingKeys(t *testing.T, b blobs.Store, id string) []string {
	t.Helper()
	keys, err := b.List(t.Context(), "recordings/"+id+"/")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// recorded returns the ids of the recordings that have blobs.
func recorded(t *testing.T, b blobs.Store) []string {
	t.Helper()
	ids, err := record.Sessions(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (e *env) deletedAt(id string) time.Time {
	e.t.Helper()
	a, err := e.db.AssistByID(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.RecordingDeletedAt
}

func (e *env) queue() []string {
	e.t.Helper()
	ids, err := e.db.DoomedRecordings(e.t.Context(), store.MaxRecordingBatch)
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

func sorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Recordings past their site's retention are deleted with their blobs and
// marked; those within it, and those of sites that keep recordings
// forever, are kept; a later sweep deletes the rest as their time comes.
func TestSweepDeletesExpired(t *testing.T) {
	e := newEnv(t)
	month := e.site("Shop", 30*Day)
	forever := e.site("Blog", 0)
	old := e.assist(month, t0.Add(-31*Day))
	edge := e.assist(month, t0.Add(-30*Day)) // exactly at the end of its retention
	recent := e.assist(month, t0.Add(-29*Day))
	ancient := e.assist(forever, t0.Add(-3000*Day))

	clock := &fakeClock{now: t0}
	obs := &observer{}
	s := New(e.db, e.blobs, Config{Now: clock.Now, Batch: 1, Observer: obs})
	res, err := s.Sweep(t.Context())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if want := (Result{Expired: 2, Deleted: 2}); res != want {
		t.Errorf("Sweep = %+v, want %+v", res, want)
	}
	if got, want := recorded(t, e.blobs), sorted(recent.ID, ancient.ID); !slices.Equal(got, want) {
		t.Errorf("recordings left: %v, want %v (the recent one and the forever site's)", got, want)
	}
	for _, a := range []*tandem.Assist{old, edge} {
		if got := e.deletedAt(a.ID); !got.Equal(t0) {
			t.Errorf("assist %s: RecordingDeletedAt = %v, want the sweep's time %v", a.ID, got, t0)
		}
	}
	for _, a := range []*tandem.Assist{recent, ancient} {
		if got := e.deletedAt(a.ID); !got.IsZero() {
			t.Errorf("kept assist %s: RecordingDeletedAt = %v, want zero", a.ID, got)
		}
	}
	if q := e.queue(); len(q) != 0 {
		t.Errorf("queue after the sweep: %v, want empty", q)
	}

	// A second sweep at the same time has nothing to do.
	if res, err := s.Sweep(t.Context()); err != nil || res != (Result{}) {
		t.Errorf("second Sweep = %+v, %v; want nothing done", res, err)
	}
	// A day later the recent one's time has come; the forever site's never does.
	clock.Set(t0.Add(Day))
	if res, err := s.Sweep(t.Context()); err != nil || res != (Result{Expired: 1, Deleted: 1}) {
		t.Errorf("Sweep a day later = %+v, %v; want the recent one", res, err)
	}
	clock.Set(t0.Add(100 * 365 * Day))
	if _, err := s.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := recorded(t, e.blobs); !slices.Equal(got, []string{ancient.ID}) {
		t.Errorf("recordings left: %v, want only the forever site's %s", got, ancient.ID)
	}
	if want := []Result{{2, 2, 0}, {0, 0, 0}, {1, 1, 0}, {0, 0, 0}}; !slices.Equal(obs.results(), want) {
		t.Errorf("observed %v, want %v", obs.results(), want)
	}
}

// Batches are followed until the backlog is done, in one round.
func TestSweepBacklog(t *testing.T) {
	e := newEnv(t)
	site := e.site("Shop", Day)
	for i := range 7 {
		e.assist(site, t0.Add(-time.Duration(2+i)*Day))
	}
	s := New(e.db, e.blobs, Config{Now: func() time.Time { return t0 }, Batch: 2})
	res, err := s.Sweep(t.Context())
	if err != nil || res != (Result{Expired: 7, Deleted: 7}) {
		t.Fatalf("Sweep = %+v, %v; want 7 expired and deleted", res, err)
	}
	if got := recorded(t, e.blobs); len(got) != 0 {
		t.Errorf("recordings left: %v", got)
	}
}

// failDeletes is a blob store whose Delete fails for the keys of the
// recordings in down.
type failDeletes struct {
	blobs.Store
	mu   sync.Mutex
	down map[string]bool
	all  bool
}

var errDown = errors.New("blob storage unreachable")

func (f *failDeletes) Delete(ctx context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, _, _ := strings.Cut(strings.TrimPrefix(key, "recordings/"), "/")
	if f.all || f.down[id] {
		return errDown
	}
	return f.Store.Delete(ctx, key)
}

func (f *failDeletes) set(all bool, down ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = all
	f.down = map[string]bool{}
	for _, id := range down {
		f.down[id] = true
	}
}

// A recording whose delete fails stays queued (and its assist marked);
// the others are deleted; the next round deletes it. The round's failure
// is logged once, however many recordings failed, and counted.
func TestSweepRetriesFailedDelete(t *testing.T) {
	e := newEnv(t)
	site := e.site("Shop", Day)
	a := e.assist(site, t0.Add(-2*Day))
	b := e.assist(site, t0.Add(-3*Day))
	c := e.assist(site, t0.Add(-4*Day))
	flaky := &failDeletes{Store: e.blobs}
	flaky.set(false, a.ID, c.ID)
	var logs bytes.Buffer
	obs := &observer{}
	s := New(e.db, flaky, Config{Now: func() time.Time { return t0 }, Observer: obs,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	res, err := s.Sweep(t.Context())
	if !errors.Is(err, errDown) || !strings.Contains(err.Error(), "2 recordings could not be deleted") {
		t.Errorf("Sweep error = %v, want the blob storage's, counting 2 recordings", err)
	}
	if want := (Result{Expired: 3, Deleted: 1, Failed: 2}); res != want {
		t.Errorf("Sweep = %+v, want %+v", res, want)
	}
	if got, want := e.queue(), sorted(a.ID, c.ID); !slices.Equal(sorted(got...), want) {
		t.Errorf("queue = %v, want the failed %v", got, want)
	}
	if got, want := recorded(t, e.blobs), sorted(a.ID, c.ID); !slices.Equal(got, want) {
		t.Errorf("recordings with blobs = %v, want the failed %v", got, want)
	}
	if e.deletedAt(a.ID).IsZero() || e.deletedAt(b.ID).IsZero() {
		t.Errorf("expired assists are not marked deleted")
	}

	// Run logs a failed round once.
	ctx, cancel := context.WithCancel(t.Context())
	obs.onSweep = func() { cancel() }
	s.Run(ctx)
	if n := strings.Count(logs.String(), "recording sweep failed"); n != 1 {
		t.Errorf("a failed round logged %d times, want once:\n%s", n, logs.String())
	}

	// Storage is back: the next round deletes what was left.
	flaky.set(false)
	res, err = s.Sweep(t.Context())
	if err != nil || res != (Result{Deleted: 2}) {
		t.Errorf("Sweep after recovery = %+v, %v; want the 2 left deleted", res, err)
	}
	if q := e.queue(); len(q) != 0 {
		t.Errorf("queue after recovery = %v", q)
	}
	if got := recorded(t, e.blobs); len(got) != 0 {
		t.Errorf("recordings left after recovery: %v", got)
	}
	if got := obs.errs(); !slices.Equal(got, []bool{true, true, false}) {
		t.Errorf("rounds reported failed: %v, want the two with storage down", got)
	}
}

// With the blob storage down, a drain stops after MaxFailures instead of
// trying every queued recording, and leaves all of them queued.
func TestDrainStopsWhenStorageDown(t *testing.T) {
	e := newEnv(t)
	site := e.site("Shop", 0)
	for range 6 {
		e.assist(site, t0.Add(-time.Hour))
	}
	if err := e.db.DeleteSite(t.Context(), site.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(e.queue()); n != 6 {
		t.Fatalf("removing the site queued %d recordings, want 6", n)
	}
	flaky := &failDeletes{Store: e.blobs}
	flaky.set(true)
	res, err := New(e.db, flaky, Config{MaxFailures: 2}).Drain(t.Context())
	if !errors.Is(err, errDown) || res != (Result{Failed: 2}) {
		t.Errorf("Drain with storage down = %+v, %v; want 2 failed, then stop", res, err)
	}
	if n := len(e.queue()); n != 6 {
		t.Errorf("queue after a failed drain has %d, want all 6", n)
	}
	flaky.set(false)
	if res, err := New(e.db, flaky, Config{Batch: 4}).Drain(t.Context()); err != nil || res != (Result{Deleted: 6}) {
		t.Errorf("Drain after recovery = %+v, %v; want 6 deleted", res, err)
	}
	if got := recorded(t, e.blobs); len(got) != 0 {
		t.Errorf("recordings left: %v", got)
	}
}

// Two servers sweeping one installation at once both succeed and leave
// neither a blob nor a queued id behind.
func TestConcurrentSweepers(t *testing.T) {
	e := newEnv(t)
	site := e.site("Shop", Day)
	for i := range 20 {
		e.assist(site, t0.Add(-time.Duration(2+i)*Day))
	}
	// A second server: its own connection to the same database file.
	db2, err := sqlite.Open(t.Context(), filepath.Join(filepath.Dir(e.blobs.Dir()), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	now := func() time.Time { return t0 }
	sweepers := []*Sweeper{
		New(e.db, e.blobs, Config{Now: now, Batch: 3}),
		New(db2, e.blobs, Config{Now: now, Batch: 3}),
	}
	var wg sync.WaitGroup
	results := make([]Result, 2)
	errs := make([]error, 2)
	for i, s := range sweepers {
		wg.Go(func() { results[i], errs[i] = s.Sweep(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("sweeper %d: %v", i, err)
		}
	}
	if got := results[0].Expired + results[1].Expired; got != 20 {
		t.Errorf("expired %d in all, want each of the 20 once", got)
	}
	if got := recorded(t, e.blobs); len(got) != 0 {
		t.Errorf("recordings left: %v", got)
	}
	if q := e.queue(); len(q) != 0 {
		t.Errorf("queue left: %v", q)
	}
}

// Run sweeps at once, then every Interval, until its context ends.
func TestRunSweepsAtStartAndEveryInterval(t *testing.T) {
	e := newEnv(t)
	site := e.site("Shop", Day)
	first := e.assist(site, t0.Add(-2*Day))
	clock := &fakeClock{now: t0}
	obs := &observer{}
	s := New(e.db, e.blobs, Config{Now: clock.Now, Interval: time.Millisecond, Observer: obs})
	ctx, cancel := context.WithCancel(t.Context())
	var second *tandem.Assist
	obs.onSweep = func() {
		switch len(obs.results()) {
		case 1:
			if got := recorded(t, e.blobs); len(got) != 0 {
				t.Errorf("after the first round: %v left, want %s deleted", got, first.ID)
			}
			// Something new to expire for the next round.
			second = e.assist(site, t0.Add(-3*Day))
		case 2:
			cancel()
		}
	}
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	<-done
	if want := []Result{{1, 1, 0}, {1, 1, 0}}; !slices.Equal(obs.results(), want) {
		t.Errorf("rounds: %v, want %v", obs.results(), want)
	}
	if e.deletedAt(second.ID).IsZero() {
		t.Errorf("the second round did not expire %s", second.ID)
	}
}

// observer records each round it is told of, and calls onSweep after.
type observer struct {
	mu      sync.Mutex
	rounds  []Result
	failed  []bool
	onSweep func()
}

func (o *observer) RecordingSweep(expired, deleted, failed int, err error) {
	o.mu.Lock()
	o.rounds = append(o.rounds, Result{expired, deleted, failed})
	o.failed = append(o.failed, err != nil)
	fn := o.onSweep
	o.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func (o *observer) results() []Result {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.rounds)
}

func (o *observer) errs() []bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.failed)
}

// A recording whose retention runs out while some of its chunks still wait
// in the server's spool (the blob storage was down when it was recorded)
// is deleted there too: once the storage is back and the spool drained,
// nothing of it is left.
func TestSweepDiscardsSpooledChunks(t *testing.T) {
	e := newEnv(t)
	month := e.site("Shop", 30*Day)
	old := e.assist(month, t0.Add(-31*Day))
	kept := e.assist(month, t0.Add(-1*Day))

	outage := recordtest.NewOutage(e.blobs)
	spool, err := record.OpenSpool(t.TempDir(), outage, record.SpoolOptions{RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, PutTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(spool.Close)
	outage.Fail()
	// The last chunks of both recordings are in the spool.
	for _, id := range []string{old.ID, kept.ID} {
		w := record.NewWriter(outage, id, record.WriterOptions{ChunkBytes: 64, Spool: spool})
		if err := w.WriteFrame(t0, []byte(`{"s":100,"k":"event","late":true}`)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := spool.Pending(); n < 2 {
		t.Fatalf("%d chunks in the spool, want both recordings' last", n)
	}

	s := New(e.db, e.blobs, Config{Now: (&fakeClock{now: t0}).Now, Spool: spool})
	if res, err := s.Sweep(t.Context()); err != nil || res.Deleted != 1 {
		t.Fatalf("Sweep = %+v, %v; want the old recording deleted", res, err)
	}
	outage.Recover()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := spool.Drained(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := recordingKeys(t, e.blobs, old.ID); len(keys) != 0 {
		t.Errorf("the deleted recording has blobs again: %v", keys)
	}
	if got, want := recorded(t, e.blobs), []string{kept.ID}; !slices.Equal(got, want) {
		t.Errorf("recordings left: %v, want only %v", got, want)
	}
}
