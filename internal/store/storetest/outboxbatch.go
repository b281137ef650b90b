package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// testRecordAttempts: a batch writes each record as RecordAttempt would,
// and a refused record (invalid, unknown delivery, attempt number taken)
// writes nothing of its own and stops none of the others.
func testRecordAttempts(t *testing.T, s store.Store) {
	ctx := context.Background()
	alex := newUser(t, s, "alex@example.com")
	b := newBot(t, s, alex, "helper")
	c := newGroup(t, s, "Team", 0, userAccount(alex), botAccount(b))
	var ds []*tandem.Delivery
	for i := range 4 {
		d := newDelivery(b, c, tandem.DeliveryMention)
		d.NextAttemptAt, d.CreatedAt = at(i), at(i)
		ds = append(ds, d)
	}
	must(t, s.EnqueueDeliveries(ctx, ds), "EnqueueDeliveries")
	claimed, err := s.ClaimDeliveries(ctx, at(5), 10, time.Hour)
	must(t, err, "ClaimDeliveries")
	if len(claimed) != 4 {
		t.Fatalf("claimed %d deliveries, want 4", len(claimed))
	}
	with := func(d *tandem.Delivery, f func(d *tandem.Delivery)) *tandem.Delivery {
		c := *d
		f(&c)
		return &c
	}
	delivered := with(claimed[0], func(d *tandem.Delivery) {
		d.Attempts, d.State, d.LastStatus, d.DoneAt = 1, tandem.DeliveryDelivered, 204, at(5)
	})
	retry := with(claimed[1], func(d *tandem.Delivery) {
		d.Attempts, d.LastStatus, d.LastError, d.NextAttemptAt = 1, 503, "503 Service Unavailable", at(30)
	})
	// The same attempt number of the delivered one again, as a second
	// worker whose claim lapsed would write it: refused, and the
	// delivered state stays.
	twice := with(claimed[0], func(d *tandem.Delivery) {
		d.Attempts, d.State, d.LastStatus, d.LastError, d.DoneAt = 1, tandem.DeliveryDead, 410, "410 Gone", at(6)
	})
	released := with(claimed[2], func(d *tandem.Delivery) {}) // a state write alone: pending, claim released
	dead := with(claimed[3], func(d *tandem.Delivery) {
		d.Attempts, d.State, d.LastStatus, d.LastError, d.DoneAt = 1, tandem.DeliveryDead, 400, "400 Bad Request", at(5)
	})
	rs := []store.AttemptRecord{
		{Delivery: delivered, Attempt: &tandem.DeliveryAttempt{N: 1, At: at(5), Status: 204, Duration: 3 * time.Millisecond}},
		{Delivery: retry, Attempt: &tandem.DeliveryAttempt{N: 1, At: at(5), Status: 503, Error: "503 Service Unavailable"}},
		{Delivery: with(claimed[1], func(d *tandem.Delivery) { d.State = "lost" }), Attempt: &tandem.DeliveryAttempt{N: 2}},
		{Delivery: &tandem.Delivery{ID: "no-such-delivery", State: tandem.DeliveryDead, Attempts: 1}, Attempt: &tandem.DeliveryAttempt{N: 1}},
		{Delivery: &tandem.Delivery{ID: "no-such-delivery", State: tandem.DeliveryPending}},
		{Delivery: twice, Attempt: &tandem.DeliveryAttempt{N: 1, At: at(6), Status: 410, Error: "410 Gone"}},
		{Delivery: released},
		{Delivery: dead, Attempt: &tandem.DeliveryAttempt{At: at(5), Status: 400, Error: "400 Bad Request"}},
		{},
	}
	errs, err := s.RecordAttempts(ctx, rs)
	must(t, err, "RecordAttempts")
	if len(errs) != len(rs) {
		t.Fatalf("RecordAttempts returned %d errors for %d records", len(errs), len(rs))
	}
	for i, want := range []string{"", "", tandem.EInvalid, tandem.ENotFound, tandem.ENotFound, tandem.EConflict, "", "", tandem.EInvalid} {
		if got := tandem.ErrorCode(errs[i]); (want == "" && errs[i] != nil) || (want != "" && got != want) {
			t.Errorf("record %d: %v, want %q", i, errs[i], want)
		}
	}

	for _, tt := range []struct {
		name     string
		id       string
		state    tandem.DeliveryState
		status   int
		attempts []int // the statuses in the log
	}{
		{"delivered", delivered.ID, tandem.DeliveryDelivered, 204, []int{204}},
		{"retry", retry.ID, tandem.DeliveryPending, 503, []int{503}},
		{"released", released.ID, tandem.DeliveryPending, 0, nil},
		{"dead", dead.ID, tandem.DeliveryDead, 400, []int{400}},
	} {
		got, err := s.DeliveryByID(ctx, tt.id)
		must(t, err, "DeliveryByID "+tt.name)
		if got.State != tt.state || got.LastStatus != tt.status {
			t.Errorf("%s: state %s, status %d; want %s, %d", tt.name, got.State, got.LastStatus, tt.state, tt.status)
		}
		as, err := s.DeliveryAttempts(ctx, tt.id)
		must(t, err, "DeliveryAttempts "+tt.name)
		var statuses []int
		for _, a := range as {
			statuses = append(statuses, a.Status)
		}
		if !slices.Equal(statuses, tt.attempts) {
			t.Errorf("%s: the log has statuses %v, want %v", tt.name, statuses, tt.attempts)
		}
	}
	// Written records released their claims: the released one is due at
	// once, the retry at its time; the others are done.
	got, err := s.ClaimDeliveries(ctx, at(6), 10, time.Hour)
	must(t, err, "ClaimDeliveries after the batch")
	if want := []string{released.ID}; !slices.Equal(deliveryIDs(got), want) {
		t.Errorf("ClaimDeliveries at(6) = %v, want %v", deliveryIDs(got), want)
	}
	got, err = s.ClaimDeliveries(ctx, at(30), 10, time.Hour)
	must(t, err, "ClaimDeliveries at(30)")
	if want := []string{retry.ID}; !slices.Equal(deliveryIDs(got), want) {
		t.Errorf("ClaimDeliveries at(30) = %v, want %v", deliveryIDs(got), want)
	}

	// None, and too many: the latter is refused whole.
	errs, err = s.RecordAttempts(ctx, nil)
	if err != nil || len(errs) != 0 {
		t.Errorf("RecordAttempts(nil) = %v, %v", errs, err)
	}
	many := make([]store.AttemptRecord, store.MaxAttemptBatch+1)
	for i := range many {
		many[i] = store.AttemptRecord{Delivery: with(retry, func(d *tandem.Delivery) { d.State, d.DoneAt = tandem.DeliveryDead, at(40) })}
	}
	_, err = s.RecordAttempts(ctx, many)
	wantCode(t, err, tandem.EInvalid, "RecordAttempts of too many")
	if got, err := s.DeliveryByID(ctx, retry.ID); err != nil || got.State != tandem.DeliveryPending {
		t.Errorf("a refused batch was written: %+v, %v", got, err)
	}
}
