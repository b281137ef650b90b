package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// One claim takes deliveries for more than the free workers: a worker
// that finishes takes the next from the queue without a claim of its
// own, and each is delivered once.
func TestWorkerClaimsAhead(t *testing.T) {
	h := newHarness(t)
	srv, reqs := botServer(t, func(w http.ResponseWriter, r *http.Request) {})
	var ids []string
	for range 4 {
		ids = append(ids, h.enqueue(t, srv.URL).ID)
	}
	cfg := h.cfg
	cfg.Workers, cfg.Prefetch = 1, 4
	w, _ := h.run(t, cfg)
	w.Kick()
	for range 4 {
		h.expect(t, outcomeDelivered)
	}
	if got := h.st.claims(); !slices.Equal(got, []int{4}) {
		t.Errorf("claims took %v deliveries, want one claim of all 4", got)
	}
	var got []string
	for range 4 {
		got = append(got, (<-reqs).header.Get("webhook-id"))
	}
	if !slices.Equal(got, ids) {
		t.Errorf("the bot got %v, want each once, oldest first: %v", got, ids)
	}
	// The claim lasts through the wait of the last one in the queue.
	if lock := w.lockFor(); lock < 5*cfg.Timeout+lockMargin {
		t.Errorf("claims lock for %v; the 4th of 4 queued for one worker may start after 4 timeouts", lock)
	}
}

// A claimed delivery that waited so long behind slow ones that its claim
// could lapse during its attempt is not sent: its claim is given back,
// and it is sent afterwards, once.
func TestWorkerSkipsAClaimRunningOut(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.Workers, cfg.Prefetch = 1, 2
	probe, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lock := probe.lockFor()
	slowURL := "/slow"
	srv, reqs := botServer(t, func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == slowURL {
			// The queue waited for this one: only a little more than
			// an attempt's time and the record margin is left of the
			// next one's claim.
			h.clock.Add(lock - cfg.Timeout - lockMargin + time.Second)
		}
	})
	slow := h.enqueue(t, srv.URL+slowURL)
	next := h.enqueue(t, srv.URL+"/next")
	released := &releaseSpy{lockSpy: h.st, released: make(chan string, 10)}
	cfg.Store = released
	w, _ := h.run(t, cfg)
	w.Kick()
	h.expect(t, outcomeDelivered)
	if got := (<-reqs).header.Get("webhook-id"); got != slow.ID {
		t.Fatalf("the bot got %s first, want %s", got, slow.ID)
	}
	select {
	case got := <-released.released:
		if got != next.ID {
			t.Fatalf("released %s, want %s", got, next.ID)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the delivery whose claim ran short was not given back")
	}
	// Given back, it is claimed anew (by the queue running low, or this
	// kick) and sent once, under a claim of its own.
	w.Kick()
	h.expect(t, outcomeDelivered)
	if got := (<-reqs).header.Get("webhook-id"); got != next.ID {
		t.Fatalf("the bot got %s, want %s", got, next.ID)
	}
	if as := h.attempts(t, next.ID); len(as) != 1 {
		t.Fatalf("%s has %d attempts, want 1", next.ID, len(as))
	}
	select {
	case r := <-reqs:
		t.Fatalf("a delivery was sent twice: %s", r.header.Get("webhook-id"))
	default:
	}
}

// Stopping gives back the claims of deliveries no worker started: another
// worker takes them at once, not when the claim lapses. The one in
// flight keeps its claim (the bot may have it).
func TestWorkerStopReleasesQueued(t *testing.T) {
	h := newHarness(t)
	started := make(chan struct{}, 1)
	srv, _ := botServer(t, func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	})
	first := h.enqueue(t, srv.URL)
	queued := []string{h.enqueue(t, srv.URL).ID, h.enqueue(t, srv.URL).ID}
	cfg := h.cfg
	cfg.Workers, cfg.Prefetch = 1, 3
	w, stop := h.run(t, cfg)
	w.Kick()
	<-started
	stop()
	due, err := h.st.ClaimDeliveries(context.Background(), h.clock.Now(), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range due {
		got = append(got, d.ID)
	}
	if !slices.Equal(got, queued) {
		t.Fatalf("claimable after stop: %v, want the queued %v (not %s, in flight)", got, queued, first.ID)
	}
}

// releaseSpy reports the deliveries whose claim was given back (a state
// written without an attempt).
type releaseSpy struct {
	*lockSpy
	released chan string
}

func (r *releaseSpy) RecordAttempts(ctx context.Context, rs []store.AttemptRecord) ([]error, error) {
	errs, err := r.lockSpy.RecordAttempts(ctx, rs)
	for i, x := range rs {
		if err == nil && errs[i] == nil && x.Attempt == nil {
			r.released <- x.Delivery.ID
		}
	}
	return errs, err
}

// recordSpy is a store whose RecordAttempts reports each batch's size,
// and fails whole when told to.
type recordSpy struct {
	testStore
	batches chan int
	fail    bool
}

func (r *recordSpy) RecordAttempts(ctx context.Context, rs []store.AttemptRecord) ([]error, error) {
	r.batches <- len(rs)
	if r.fail {
		return nil, errors.New("database is locked")
	}
	return r.testStore.RecordAttempts(ctx, rs)
}

// Attempts that end while the recorder is busy are written in one
// transaction, each with its own result; when that transaction fails
// whole, each is written alone.
func TestRecorderWritesTogether(t *testing.T) {
	for _, fail := range []bool{false, true} {
		h := newHarness(t)
		spy := &recordSpy{testStore: h.st.testStore, batches: make(chan int, 10), fail: fail}
		rec := newRecorder(spy, slog.New(slog.DiscardHandler))
		var ds []*tandem.Delivery
		for range 3 {
			d := h.enqueue(t, "https://bots.example/x")
			d.Attempts, d.State, d.LastStatus, d.DoneAt = 1, tandem.DeliveryDelivered, 204, h.clock.Now()
			ds = append(ds, d)
		}
		gone := &tandem.Delivery{ID: "deleted", State: tandem.DeliveryDelivered, Attempts: 1}
		ds = append(ds, gone)
		// Queued before the recorder runs: as if they ended during a
		// write.
		var dones []chan error
		for _, d := range ds {
			done := make(chan error, 1)
			rec.in <- recording{r: store.AttemptRecord{Delivery: d, Attempt: &tandem.DeliveryAttempt{N: 1, Status: 204}}, done: done}
			dones = append(dones, done)
		}
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			rec.run()
		}()
		for i, done := range dones {
			err := <-done
			if want := i == len(ds)-1; (tandem.ErrorCode(err) == tandem.ENotFound) != want || (!want && err != nil) {
				t.Errorf("fail %v: record %d: %v", fail, i, err)
			}
		}
		rec.close()
		<-finished
		if n := <-spy.batches; n != len(ds) {
			t.Errorf("fail %v: the first transaction wrote %d records, want all %d", fail, n, len(ds))
		}
		for _, d := range ds[:3] {
			if got := h.delivery(t, d.ID); got.State != tandem.DeliveryDelivered || len(h.attempts(t, d.ID)) != 1 {
				t.Errorf("fail %v: %s after the record: %+v", fail, d.ID, got)
			}
		}
	}
}
