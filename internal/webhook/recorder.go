package webhook

import (
	"context"
	"log/slog"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// maxRecordBatch bounds the attempts one transaction records.
const maxRecordBatch = 64

// recording is an attempt waiting to be written, and where its result
// goes.
type recording struct {
	r    store.AttemptRecord
	done chan error
}

// recorder writes the attempts of a worker: those that end while a
// transaction is being written are written together by the next one
// (group commit), so that under load a transaction records several
// attempts, and alone an attempt waits for nothing but its own write.
// Each caller waits for its own record's result: nothing is reported
// (metrics, answers applied) before its attempt is stored.
type recorder struct {
	st     Store
	logger *slog.Logger
	in     chan recording
}

func newRecorder(st Store, logger *slog.Logger) *recorder {
	return &recorder{st: st, logger: logger, in: make(chan recording, maxRecordBatch)}
}

// record writes d's state and the attempt a (nil: the state alone) and
// returns the store's answer for it.
func (r *recorder) record(d *tandem.Delivery, a *tandem.DeliveryAttempt) error {
	done := make(chan error, 1)
	r.in <- recording{r: store.AttemptRecord{Delivery: d, Attempt: a}, done: done}
	return <-done
}

// close ends run once the records sent before are written. Nobody may
// call record after it.
func (r *recorder) close() { close(r.in) }

// run writes records until close. Records are written even after the
// worker's context ends: a bot that saw a request has its attempt
// stored, which keeps it from being sent again.
func (r *recorder) run() {
	batch := make([]recording, 0, maxRecordBatch)
	for first := range r.in {
		batch = append(batch[:0], first)
	more:
		for len(batch) < maxRecordBatch {
			select {
			case next, ok := <-r.in:
				if !ok {
					break more
				}
				batch = append(batch, next)
			default:
				break more
			}
		}
		r.write(batch)
	}
}

// write records batch in one transaction. If the transaction fails as a
// whole, each record is tried alone, so that one record the database
// trips on (a delivery deleted meanwhile, on PostgreSQL) costs the
// others nothing.
func (r *recorder) write(batch []recording) {
	ctx, cancel := context.WithTimeout(context.Background(), lockMargin)
	defer cancel()
	rs := make([]store.AttemptRecord, len(batch))
	for i, b := range batch {
		rs[i] = b.r
	}
	errs, err := r.st.RecordAttempts(ctx, rs)
	if err != nil {
		if len(batch) > 1 {
			r.logger.Warn("webhook: record attempts together; recording each alone", "n", len(batch), "err", err)
		}
		errs = make([]error, len(batch))
		for i, b := range batch {
			errs[i] = r.st.RecordAttempt(ctx, b.r.Delivery, b.r.Attempt)
		}
	}
	for i, b := range batch {
		b.done <- errs[i]
	}
}
