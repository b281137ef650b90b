// Package retention deletes recordings that must go: those whose site's
// retention has run out, and those queued when their assist or site was
// removed. The store keeps the queue (store.Recordings); the Sweeper empties
// it into the blob storage.
//
// Several servers may sweep one installation at once: expiring is one
// transaction per batch in the store, so an assist is expired once, and
// deleting is idempotent on both sides (deleting a missing blob and
// forgetting an id that is not queued are not errors), so two servers
// draining the same recording both succeed and leave nothing behind.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store"
)

// Defaults of Config.
const (
	DefaultInterval = time.Hour
	DefaultBatch    = 100
)

// Observer is told what each sweep did; *metrics.Metrics is one.
type Observer interface {
	// RecordingSweep reports one round: recordings whose retention ran out,
	// recordings deleted from the blob storage, recordings whose delete
	// failed (they stay queued for the next round), and the round's error.
	RecordingSweep(expired, deleted, failed int, err error)
}

// Config tunes a Sweeper. Zero values get the defaults in parentheses.
type Config struct {
	// Interval is the time between two sweeps (1 hour).
	Interval time.Duration
	// Batch is how many recordings one store call expires or lists (100;
	// at most half of store.MaxRecordingBatch).
	Batch int
	// MaxFailures is how many failed deletes end a drain (Batch, and at
	// most Batch): past it
	// the blob storage is taken to be down, and the rest waits for the
	// next round rather than each delete waiting out its own timeout.
	MaxFailures int
	// Now is the clock retention is measured with (time.Now).
	Now      func() time.Time
	Logger   *slog.Logger
	Observer Observer // may be nil
	// Spool, if set, is this server's recording spool: a recording's
	// chunks waiting there are dropped before its blobs are deleted, so
	// that storing them later cannot leave an orphan.
	Spool Discarder
	// Passport, if set, has its grants, authorization codes and passport
	// sessions that expired deleted every round, so that they do not pile
	// up. An ended grant stays until it would have expired: verification
	// answers why it ended until then.
	Passport ExpiredGrants
	// Videos, if set, has the export jobs of each deleted recording
	// removed with it; their videos, kept under the recording's prefix
	// of videos (store.VideoBlobPrefix), are deleted either way.
	Videos VideoJobs
}

// VideoJobs removes the export jobs of a recording (store.VideoExports).
type VideoJobs interface {
	DeleteVideoExportsOf(ctx context.Context, recordingID string) ([]string, error)
}

// ExpiredGrants deletes what of the passport expired before a time
// (store.Passport).
type ExpiredGrants interface {
	DeleteExpiredGrants(ctx context.Context, before time.Time) (int, error)
}

// Discarder drops what waits to be stored of a recording (record.Spool).
type Discarder interface {
	Discard(sessionID string) (int, error)
}

// Sweeper expires recordings past their site's retention and deletes the
// blobs of every queued recording. Create it with New.
type Sweeper struct {
	recs  store.Recordings
	blobs blobs.Store
	cfg   Config
}

// New returns a Sweeper over the store's deletion queue and the blob storage
// that holds the recordings.
func New(recs store.Recordings, b blobs.Store, cfg Config) *Sweeper {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	// A drain asks for a batch plus the ids that failed before it: both
	// together stay within what one store call may handle.
	cfg.Batch = min(cfg.Batch, store.MaxRecordingBatch/2)
	if cfg.MaxFailures <= 0 || cfg.MaxFailures > cfg.Batch {
		cfg.MaxFailures = cfg.Batch
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sweeper{recs: recs, blobs: b, cfg: cfg}
}

// Result is what a sweep or a drain did.
type Result struct {
	Expired int // recordings whose retention ran out, now queued
	Deleted int // recordings whose blobs are gone, taken off the queue
	Failed  int // recordings whose delete failed; they stay queued
}

// Run sweeps at once and then every Interval until ctx ends. Each round
// that fails is logged once, with the first error, however many
// recordings failed.
func (s *Sweeper) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		s.sweepPassport(ctx)
		res, err := s.Sweep(ctx)
		switch {
		case ctx.Err() != nil && errors.Is(err, ctx.Err()):
			// Stopped mid-round: what is left is queued for the next run.
		case err != nil:
			s.cfg.Logger.Error("recording sweep failed; what is left is retried next round",
				"expired", res.Expired, "deleted", res.Deleted, "failed", res.Failed, "next", s.cfg.Interval, "err", err)
		case res.Expired > 0 || res.Deleted > 0:
			s.cfg.Logger.Info("recording sweep", "expired", res.Expired, "deleted", res.Deleted)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ctx.Err() != nil { // both were ready: stopping wins
				return
			}
		}
	}
}

// sweepPassport deletes the passport's expired grants, codes and
// sessions, logging what it did.
func (s *Sweeper) sweepPassport(ctx context.Context) {
	if s.cfg.Passport == nil {
		return
	}
	n, err := s.cfg.Passport.DeleteExpiredGrants(ctx, s.cfg.Now())
	switch {
	case ctx.Err() != nil:
	case err != nil:
		s.cfg.Logger.Error("passport sweep failed; retried next round", "next", s.cfg.Interval, "err", err)
	case n > 0:
		s.cfg.Logger.Info("passport sweep", "grants", n)
	}
}

// Sweep runs one round: it expires, batch by batch, every recording whose
// site's retention has run out, then drains the deletion queue (see
// Drain). It reports the round to the Observer.
func (s *Sweeper) Sweep(ctx context.Context) (Result, error) {
	var res Result
	expired, errExpire := s.expire(ctx, s.cfg.Now())
	res.Expired = expired
	// The queue holds more than what expired just now (removed sites,
	// earlier failures): drain it even when expiring failed.
	drained, errDrain := s.Drain(ctx)
	res.Deleted, res.Failed = drained.Deleted, drained.Failed
	err := errors.Join(errExpire, errDrain)
	if s.cfg.Observer != nil {
		s.cfg.Observer.RecordingSweep(res.Expired, res.Deleted, res.Failed, err)
	}
	return res, err
}

func (s *Sweeper) expire(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, err := s.recs.ExpireRecordings(ctx, now, s.cfg.Batch)
		total += n
		if err != nil {
			return total, fmt.Errorf("expiring recordings: %w", err)
		}
		if n < s.cfg.Batch {
			return total, nil
		}
	}
}

// Drain deletes the blobs of every queued recording, oldest first, and
// takes each off the queue only once its blobs are gone, so that a crash
// or a failure leaves it queued, never orphaned. A recording whose delete
// fails stays queued and is skipped for the rest of the drain; after
// MaxFailures failures the blob storage is taken to be down and the drain
// stops. The error, if any, is the first one, with how many failed.
func (s *Sweeper) Drain(ctx context.Context) (Result, error) {
	var res Result
	failed := map[string]bool{}
	var first error
	for {
		limit := s.cfg.Batch + len(failed)
		ids, err := s.recs.DoomedRecordings(ctx, limit)
		if err != nil {
			return res, errors.Join(s.failures(res, first), fmt.Errorf("listing recordings to delete: %w", err))
		}
		for _, id := range ids {
			if failed[id] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return res, errors.Join(s.failures(res, first), err)
			}
			var err error
			if s.cfg.Spool != nil {
				_, err = s.cfg.Spool.Discard(id)
			}
			if err == nil {
				_, err = record.Delete(ctx, s.blobs, id)
			}
			if err == nil {
				err = s.deleteVideos(ctx, id)
			}
			if err != nil && tandem.ErrorCode(err) != tandem.EInvalid {
				failed[id] = true
				res.Failed++
				if first == nil {
					first = err
				}
				if res.Failed >= s.cfg.MaxFailures {
					return res, s.failures(res, first)
				}
				continue
			}
			// An id that cannot name a recording has no blobs to delete:
			// forgetting it is all there is to do.
			if err := s.recs.ForgetRecording(ctx, id); err != nil {
				return res, errors.Join(s.failures(res, first), fmt.Errorf("forgetting deleted recording %s: %w", id, err))
			}
			res.Deleted++
		}
		if len(ids) < limit {
			return res, s.failures(res, first)
		}
	}
}

// failures sums up a drain's failed deletes as one error, or nil.
func (s *Sweeper) failures(res Result, first error) error {
	if first == nil {
		return nil
	}
	return fmt.Errorf("%d recordings could not be deleted (they stay queued): %w", res.Failed, first)
}

// deleteVideos deletes the videos exported from recording id, then their
// jobs: a failure leaves the recording queued, and the next drain finds
// what is left under the prefix.
func (s *Sweeper) deleteVideos(ctx context.Context, id string) error {
	if blobs.ValidPrefix(store.VideoBlobPrefix(id)) != nil {
		return nil // an id that names no recording has no videos
	}
	keys, err := s.blobs.List(ctx, store.VideoBlobPrefix(id))
	if err != nil {
		return fmt.Errorf("listing the videos of recording %s: %w", id, err)
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return fmt.Errorf("deleting video %s: %w", k, err)
		}
	}
	if s.cfg.Videos == nil {
		return nil
	}
	if _, err := s.cfg.Videos.DeleteVideoExportsOf(ctx, id); err != nil {
		return fmt.Errorf("forgetting the videos of recording %s: %w", id, err)
	}
	return nil
}
