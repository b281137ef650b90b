package store

import (
	"cmp"
	"slices"
	"time"

	"github.com/tandemhq/tandem"
)

// MaxClaim is the most deliveries one ClaimDeliveries takes.
const MaxClaim = 1000

// MaxAttemptBatch is the most records one RecordAttempts writes.
const MaxAttemptBatch = 1000

// CheckedAttempt is a record of RecordAttempts that passed CheckAttempt:
// copies of its delivery and attempt, and its index in the batch.
type CheckedAttempt struct {
	Index    int
	Delivery *tandem.Delivery
	Attempt  *tandem.DeliveryAttempt
}

// CheckAttempts validates a RecordAttempts batch: at most
// MaxAttemptBatch records (else err, and nothing is written). It
// returns one entry of errs per record, set for a record CheckAttempt
// refuses, and the others checked, in order, for the backend to write
// (setting their errs entry when it refuses one).
func CheckAttempts(rs []AttemptRecord) (errs []error, checked []CheckedAttempt, err error) {
	if len(rs) > MaxAttemptBatch {
		return nil, nil, tandem.Errorf(tandem.EInvalid, "record %d attempts at once; want at most %d", len(rs), MaxAttemptBatch)
	}
	errs = make([]error, len(rs))
	for i, r := range rs {
		d, a, err := CheckAttempt(r.Delivery, r.Attempt)
		if err != nil {
			errs[i] = err
			continue
		}
		checked = append(checked, CheckedAttempt{Index: i, Delivery: d, Attempt: a})
	}
	return errs, checked, nil
}

// CheckDeliveries validates deliveries to enqueue and returns copies with
// their defaults filled in (state pending), for the backend to write.
func CheckDeliveries(ds []*tandem.Delivery) ([]*tandem.Delivery, error) {
	out := make([]*tandem.Delivery, len(ds))
	for i, d := range ds {
		if d == nil {
			return nil, tandem.Errorf(tandem.EInvalid, "a nil delivery")
		}
		c := *d
		if err := CheckDelivery(&c); err != nil {
			return nil, err
		}
		out[i] = &c
	}
	return out, nil
}

// CheckClaim validates the arguments of ClaimDeliveries: 1 to MaxClaim
// deliveries, locked for a positive time.
func CheckClaim(limit int, lockFor time.Duration) error {
	if limit < 1 || limit > MaxClaim {
		return tandem.Errorf(tandem.EInvalid, "claim %d deliveries; want 1 to %d", limit, MaxClaim)
	}
	if lockFor < time.Millisecond {
		return tandem.Errorf(tandem.EInvalid, "claim deliveries for %v; want at least a millisecond", lockFor)
	}
	return nil
}

// SortDue sorts claimed deliveries oldest first: by next attempt, then
// creation, then id (the order they were chosen in).
func SortDue(ds []*tandem.Delivery) {
	slices.SortFunc(ds, func(a, b *tandem.Delivery) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
}

// CheckAttempt validates what RecordAttempt writes and returns copies: d
// names a delivery and has a state; a, when not nil, is the attempt
// numbered N (d.Attempts when 0, from 1), at At (now when zero), of d.
// A nil a writes d's state alone (an owner retrying a dead delivery).
func CheckAttempt(d *tandem.Delivery, a *tandem.DeliveryAttempt) (*tandem.Delivery, *tandem.DeliveryAttempt, error) {
	if d == nil {
		return nil, nil, tandem.Errorf(tandem.EInvalid, "no delivery")
	}
	dd := *d
	if err := checkID(dd.ID, "delivery"); err != nil {
		return nil, nil, err
	}
	if err := CheckDeliveryState(dd.State); err != nil {
		return nil, nil, err
	}
	if dd.Attempts < 0 || dd.LastStatus < 0 {
		return nil, nil, tandem.Errorf(tandem.EInvalid, "a delivery's attempts and status are not negative")
	}
	if err := checkText(dd.LastError, 4096, "the delivery's last error"); err != nil {
		return nil, nil, err
	}
	if a == nil {
		return &dd, nil, nil
	}
	aa := *a
	if aa.DeliveryID == "" {
		aa.DeliveryID = dd.ID
	}
	if aa.N == 0 {
		aa.N = dd.Attempts
	}
	if aa.At.IsZero() {
		aa.At = time.Now().UTC().Truncate(time.Millisecond)
	}
	switch {
	case aa.DeliveryID != dd.ID:
		return nil, nil, tandem.Errorf(tandem.EInvalid, "an attempt of delivery %s recorded for %s", aa.DeliveryID, dd.ID)
	case aa.N < 1:
		return nil, nil, tandem.Errorf(tandem.EInvalid, "attempt number %d; attempts count from 1", aa.N)
	case aa.Duration < 0 || aa.Status < 0:
		return nil, nil, tandem.Errorf(tandem.EInvalid, "an attempt's duration and status are not negative")
	}
	if err := checkText(aa.Error, 4096, "the attempt's error"); err != nil {
		return nil, nil, err
	}
	return &dd, &aa, nil
}
