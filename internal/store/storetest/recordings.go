package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// newEnded creates an assist of siteID that ended at end.
func newEnded(t *testing.T, s store.Store, siteID string, end time.Time) *tandem.Assist {
	t.Helper()
	a := &tandem.Assist{SiteID: siteID, State: tandem.AssistEnded, PersonID: "person-1", CreatedAt: end.Add(-time.Minute),
		StartedAt: end.Add(-time.Minute), EndedAt: end, EndReason: "ended by person"}
	must(t, s.CreateAssist(context.Background(), a), "CreateAssist ended")
	return a
}

// doomed returns every id on the deletion queue, in queue order.
func doomed(t *testing.T, s store.Store) []string {
	t.Helper()
	ids, err := s.DoomedRecordings(context.Background(), store.MaxRecordingBatch)
	must(t, err, "DoomedRecordings")
	return ids
}

// testSiteRetention: a site's recording retention is stored, read back and
// updated, and a retention the backends cannot store exactly is refused.
func testSiteRetention(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}, RecordingRetention: 30 * 24 * time.Hour}
	must(t, s.CreateSite(ctx, site), "CreateSite with retention")
	forever := newSite(t, s, "Blog")
	check := func(what string, want time.Duration) {
		t.Helper()
		byID, err := s.SiteByID(ctx, site.ID)
		must(t, err, "SiteByID")
		byKey, err := s.SiteByKey(ctx, site.Key)
		must(t, err, "SiteByKey")
		list, err := s.ListSites(ctx)
		must(t, err, "ListSites")
		i := slices.IndexFunc(list, func(x *tandem.Site) bool { return x.ID == site.ID })
		if i < 0 {
			t.Fatalf("%s: ListSites lacks the site", what)
		}
		for _, got := range []*tandem.Site{byID, byKey, list[i]} {
			if got.RecordingRetention != want {
				t.Errorf("%s: retention read back as %v, want %v", what, got.RecordingRetention, want)
			}
		}
	}
	check("after CreateSite", 30*24*time.Hour)
	got, err := s.SiteByID(ctx, forever.ID)
	must(t, err, "SiteByID")
	if got.RecordingRetention != 0 {
		t.Errorf("a site made without retention has retention %v, want 0 (forever)", got.RecordingRetention)
	}

	site.RecordingRetention = 90 * time.Minute
	must(t, s.UpdateSite(ctx, site), "UpdateSite retention")
	check("after UpdateSite", 90*time.Minute)

	for _, bad := range []time.Duration{-time.Hour, -time.Millisecond, time.Microsecond, time.Hour + time.Nanosecond} {
		c := *site
		c.RecordingRetention = bad
		wantCode(t, s.UpdateSite(ctx, &c), tandem.EInvalid, "UpdateSite with retention "+bad.String())
		wantCode(t, s.CreateSite(ctx, &tandem.Site{Name: "Bad", RecordingRetention: bad}), tandem.EInvalid, "CreateSite with retention "+bad.String())
	}
	check("after rejected updates", 90*time.Minute)
	list, err := s.ListSites(ctx)
	must(t, err, "ListSites")
	if len(list) != 2 {
		t.Errorf("rejected sites were written: %d sites, want 2", len(list))
	}
}

// testExpireRecordings: retention ends a recording exactly when EndedAt +
// retention is reached, never on a site that keeps recordings forever, never
// twice, and at most limit at a time.
func testExpireRecordings(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}, RecordingRetention: time.Hour}
	must(t, s.CreateSite(ctx, site), "CreateSite")
	forever := newSite(t, s, "Blog")

	onTime := newEnded(t, s, site.ID, at(0))                           // expires at at(60) exactly
	late := newEnded(t, s, site.ID, at(0).Add(time.Millisecond))       // a millisecond later
	kept := newEnded(t, s, forever.ID, at(-100000))                    // retention 0: forever
	live := newAssistIn(t, s, site.ID, at(-100000), tandem.AssistLive) // not ended
	waiting := newAssistIn(t, s, site.ID, at(-100000), tandem.AssistWaiting)

	wantCode(t, errOf(s.ExpireRecordings(ctx, at(60), 0)), tandem.EInvalid, "ExpireRecordings with limit 0")
	wantCode(t, errOf(s.ExpireRecordings(ctx, at(60), store.MaxRecordingBatch+1)), tandem.EInvalid, "ExpireRecordings over the batch limit")
	if ids := doomed(t, s); len(ids) != 0 {
		t.Fatalf("queue before any expiry: %v", ids)
	}

	n, err := s.ExpireRecordings(ctx, at(60).Add(-time.Millisecond), 100)
	must(t, err, "ExpireRecordings before the boundary")
	if n != 0 {
		t.Errorf("a millisecond before retention ran out, %d recordings expired", n)
	}
	n, err = s.ExpireRecordings(ctx, at(60), 100)
	must(t, err, "ExpireRecordings at the boundary")
	if n != 1 {
		t.Errorf("at EndedAt + retention, %d recordings expired, want 1", n)
	}
	if ids := doomed(t, s); !slices.Equal(ids, []string{onTime.ID}) {
		t.Errorf("queue after the boundary = %v, want [%s]", ids, onTime.ID)
	}
	got, err := s.AssistByID(ctx, onTime.ID)
	must(t, err, "AssistByID")
	if !sameTime(got.RecordingDeletedAt, at(60)) {
		t.Errorf("expired assist has RecordingDeletedAt %v, want %v", got.RecordingDeletedAt, at(60))
	}
	listed, err := s.ListAssists(ctx, store.AssistFilter{SiteID: site.ID, States: []tandem.AssistState{tandem.AssistEnded}})
	must(t, err, "ListAssists")
	for _, a := range listed {
		if want := a.ID == onTime.ID; !a.RecordingDeletedAt.IsZero() != want {
			t.Errorf("ListAssists: assist %s has RecordingDeletedAt %v, want set %v", a.ID, a.RecordingDeletedAt, want)
		}
	}

	// Already expired: not again, even after its blobs are gone and the
	// queue has forgotten it.
	must(t, s.ForgetRecording(ctx, onTime.ID), "ForgetRecording")
	n, err = s.ExpireRecordings(ctx, at(61), 100)
	must(t, err, "ExpireRecordings again")
	if n != 1 {
		t.Errorf("a minute later, %d recordings expired, want 1 (the later one only)", n)
	}
	if ids := doomed(t, s); !slices.Equal(ids, []string{late.ID}) {
		t.Errorf("queue = %v, want only [%s]: an expired recording was queued again", ids, late.ID)
	}
	got, err = s.AssistByID(ctx, onTime.ID)
	must(t, err, "AssistByID")
	if !sameTime(got.RecordingDeletedAt, at(60)) {
		t.Errorf("a second sweep moved RecordingDeletedAt to %v, want %v kept", got.RecordingDeletedAt, at(60))
	}

	// Forever, and not ended: never, however late.
	n, err = s.ExpireRecordings(ctx, at(10_000_000), 100)
	must(t, err, "ExpireRecordings far later")
	if n != 0 {
		t.Errorf("far later, %d more recordings expired, want 0", n)
	}
	for _, a := range []*tandem.Assist{kept, live, waiting} {
		got, err := s.AssistByID(ctx, a.ID)
		must(t, err, "AssistByID")
		if !got.RecordingDeletedAt.IsZero() {
			t.Errorf("assist %s (%s, site %s) lost its recording", a.ID, a.State, a.SiteID)
		}
	}

	// The limit is respected, and the queue is oldest first.
	var batch []string
	for i := range 5 {
		batch = append(batch, newEnded(t, s, site.ID, at(i)).ID)
	}
	for _, want := range []int{2, 2, 1, 0} {
		n, err := s.ExpireRecordings(ctx, at(200), 2)
		must(t, err, "ExpireRecordings with limit 2")
		if n != want {
			t.Errorf("ExpireRecordings with limit 2 expired %d, want %d", n, want)
		}
	}
	ids := doomed(t, s)
	if len(ids) != 6 || ids[0] != late.ID {
		t.Errorf("queue = %v, want %s (queued first) then the 5 others", ids, late.ID)
	}
	slices.Sort(batch)
	rest := slices.Clone(ids[min(1, len(ids)):])
	slices.Sort(rest)
	if !slices.Equal(rest, batch) {
		t.Errorf("queue after batches = %v, want %s and %v", ids, late.ID, batch)
	}
	if first, err := s.DoomedRecordings(ctx, 3); err != nil || len(first) != 3 || !slices.Equal(first, ids[:3]) {
		t.Errorf("DoomedRecordings(3) = %v, %v; want %v", first, err, ids[:min(3, len(ids))])
	}
	_, err = s.DoomedRecordings(ctx, 0)
	wantCode(t, err, tandem.EInvalid, "DoomedRecordings with limit 0")
}

// testRemovalQueuesRecordings: removing a site queues the recording of every
// one of its assists, whatever their state, and no other site's; forgetting
// is idempotent.
func testRemovalQueuesRecordings(t *testing.T, s store.Store) {
	ctx := context.Background()
	site := &tandem.Site{Name: "Shop", AllowedOrigins: []string{"https://shop.example"}, RecordingRetention: time.Hour}
	must(t, s.CreateSite(ctx, site), "CreateSite")
	other := newSite(t, s, "Blog")
	var want []string
	for _, st := range []tandem.AssistState{tandem.AssistWaiting, tandem.AssistConsenting, tandem.AssistLive} {
		want = append(want, newAssistIn(t, s, site.ID, at(0), st).ID)
	}
	want = append(want, newEnded(t, s, site.ID, at(0)).ID)
	// Expired by retention and forgotten (its blobs are gone): removing the
	// site does not queue it again.
	gone := newEnded(t, s, site.ID, at(-120))
	n, err := s.ExpireRecordings(ctx, at(-30), 10)
	must(t, err, "ExpireRecordings")
	if n != 1 {
		t.Fatalf("ExpireRecordings = %d, want 1", n)
	}
	must(t, s.ForgetRecording(ctx, gone.ID), "ForgetRecording")
	otherAssist := newEnded(t, s, other.ID, at(0))

	must(t, s.DeleteSite(ctx, site.ID), "DeleteSite")
	ids := doomed(t, s)
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("queue after removing a site = %v, want its %d assists %v", ids, len(want), want)
	}
	if slices.Contains(ids, otherAssist.ID) || slices.Contains(ids, gone.ID) {
		t.Errorf("queue %v holds another site's assist or a forgotten recording", ids)
	}

	for _, id := range want {
		must(t, s.ForgetRecording(ctx, id), "ForgetRecording")
		must(t, s.ForgetRecording(ctx, id), "ForgetRecording twice")
	}
	must(t, s.ForgetRecording(ctx, "never-queued"), "ForgetRecording of an id never queued")
	if ids := doomed(t, s); len(ids) != 0 {
		t.Errorf("queue after forgetting all = %v", ids)
	}
}

// errOf returns the error of a (value, error) pair.
func errOf[T any](_ T, err error) error { return err }
