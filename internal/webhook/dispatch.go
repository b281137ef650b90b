package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
)

// job is a claimed delivery waiting for a worker, with the end of its
// claim.
type job struct {
	d           *tandem.Delivery
	lockedUntil time.Time
}

// lockFor is how long a claim lasts: the attempt's timeout and the time
// to record it (lockMargin), plus the wait of a prefetched delivery
// behind the ones before it, each taking up to a timeout.
func (w *Worker) lockFor() time.Duration {
	rounds := (w.cfg.Prefetch + w.cfg.Workers - 1) / w.cfg.Workers
	return time.Duration(1+rounds)*w.cfg.Timeout + lockMargin
}

// startable reports whether j's claim holds long enough for an attempt
// and its record: a delivery that waited longer (bots that hang until
// their timeout ahead of it) is not sent, since another worker may
// claim it once its claim lapses.
func (w *Worker) startable(j job) bool {
	return !w.cfg.Now().Add(w.cfg.Timeout + lockMargin).After(j.lockedUntil)
}

// Run delivers due deliveries until ctx ends, then waits for the
// attempts in flight: those cut short by the end are not recorded, and
// their claim runs out, so another worker (or this one, next start) tries
// them again with the same webhook-id. Claimed deliveries no worker
// started are released at once.
//
// One loop claims: up to Prefetch deliveries wait for the Workers that
// send them, and the loop claims again when fewer than Workers wait (and
// the last claim was full: more may be due), on Kick, or every Poll.
// Attempts are recorded by a recorder that writes those that end
// together in one transaction.
func (w *Worker) Run(ctx context.Context) {
	rec := newRecorder(w.cfg.Store, w.cfg.Logger)
	recDone := make(chan struct{})
	go func() {
		defer close(recDone)
		rec.run()
	}()
	defer func() {
		rec.close()
		<-recDone
	}()

	jobs := make(chan job, w.cfg.Prefetch)
	low := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for range w.cfg.Workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-jobs:
					if len(jobs) < w.cfg.Workers {
						select {
						case low <- struct{}{}:
						default:
						}
					}
					if ctx.Err() != nil || !w.startable(j) {
						w.release(rec, j)
						continue
					}
					w.deliver(ctx, rec, j.d)
				}
			}
		})
	}
	defer func() {
		wg.Wait()
		for {
			select {
			case j := <-jobs:
				w.release(rec, j)
			default:
				return
			}
		}
	}()

	poll := time.NewTimer(0)
	defer poll.Stop()
	// full is set when the last claim took all it asked for: more may be
	// due, so the queue running low claims again at once.
	full := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-w.kick:
		case <-low:
			if !full {
				continue
			}
		}
		// Only this loop sends on jobs, so the room it sees stays.
		free := w.cfg.Prefetch - len(jobs)
		full = false
		if free == 0 {
			full = true
			continue
		}
		now := w.cfg.Now()
		lock := w.lockFor()
		ds, err := w.cfg.Store.ClaimDeliveries(ctx, now, free, lock)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.Error("webhook: claim deliveries", "err", err)
		}
		full = len(ds) == free
		for _, d := range ds {
			jobs <- job{d: d, lockedUntil: now.Add(lock)}
		}
		poll.Reset(w.cfg.Poll)
	}
}

// release gives back the claim of a delivery that was not tried, so that
// a worker takes it at once rather than when the claim lapses. A claim
// that may have lapsed already is left alone: another worker may hold
// the delivery now.
func (w *Worker) release(rec *recorder, j job) {
	if !w.cfg.Now().Add(lockMargin).Before(j.lockedUntil) {
		return
	}
	if err := rec.record(j.d, nil); err != nil && tandem.ErrorCode(err) != tandem.ENotFound {
		w.cfg.Logger.Warn("webhook: release a claimed delivery", "delivery", j.d.ID, "err", err)
	}
}
