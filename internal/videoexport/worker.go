package videoexport

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/video"
)

// errStopping ends a render when the service stops: the job is queued
// again, for this node's next run or another node.
var errStopping = errors.New("the server is stopping")

// Run runs Workers workers until ctx ends; each claims jobs in turn. Jobs
// left unfinished by an earlier run are claimed like any other. Run
// returns once every worker has put its job back.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Wait()
}

// work claims and runs jobs until ctx ends, waiting for a wake-up or the
// poll interval when none waits.
func (s *Service) work(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for ctx.Err() == nil {
		v, err := s.cfg.Store.ClaimVideoExport(ctx, s.cfg.Node, s.cfg.ClaimTTL, s.cfg.Now())
		if err == nil {
			s.run(ctx, v)
			continue
		}
		if tandem.ErrorCode(err) != tandem.ENotFound && ctx.Err() == nil {
			s.cfg.Logger.Error("claiming a video export failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
	}
}

// run renders one claimed job and records how its attempt ended.
func (s *Service) run(stop context.Context, v *store.VideoExport) {
	log := s.cfg.Logger.With("video", v.ID, "session", v.SubjectID, "attempt", v.Attempts)
	// The attempt outlives stop by as long as it takes to put the job
	// back; cancel ends the render.
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(stop))
	defer cancel(nil)
	go func() {
		select {
		case <-stop.Done():
			cancel(errStopping)
		case <-ctx.Done():
		}
	}()
	var res *video.Result
	var err error
	if v.Attempts > MaxAttempts {
		err = fmt.Errorf("gave up after %d attempts", MaxAttempts)
	} else {
		res, err = s.render(ctx, cancel, v)
	}
	f := store.VideoFinish{FinishedAt: s.cfg.Now()}
	switch {
	case err == nil:
		f.State, f.BlobKey, f.Bytes, f.Duration, f.Width, f.Height, f.Frames = store.VideoDone, BlobKey(v.RecordingID, v.ID), res.Bytes, res.Duration, res.Width, res.Height, res.Frames
	case errors.Is(context.Cause(ctx), errStopping):
		f.State, f.Error = store.VideoQueued, "interrupted: the server stopped; it starts again"
	case tandem.ErrorCode(context.Cause(ctx)) == tandem.EConflict:
		log.Info("video export stopped: it was cancelled or taken over", "why", context.Cause(ctx))
		s.finished(v.ID, store.VideoCancelled)
		return
	case v.Attempts < MaxAttempts && tandem.ErrorCode(err) != tandem.EInvalid:
		f.State, f.Error, f.RetryIn = store.VideoQueued, err.Error(), s.cfg.Backoff<<(v.Attempts-1)
	default:
		f.State, f.Error = store.VideoFailed, err.Error()
	}
	if ferr := s.cfg.Store.FinishVideoExport(context.WithoutCancel(stop), v.ID, s.cfg.Node, f); ferr != nil {
		if tandem.ErrorCode(ferr) == tandem.EConflict {
			// Cancelled (or taken over) after the render's last heartbeat:
			// the video stored of a cancelled job is nobody's (a job taken
			// over keeps the key, which its new node writes).
			log.Info("video export stopped: it was cancelled or taken over", "why", ferr)
			if now, err := s.cfg.Store.VideoExportByID(context.WithoutCancel(stop), v.ID); f.State == store.VideoDone && err == nil && now.State == store.VideoCancelled {
				if err := s.cfg.Blobs.Delete(context.WithoutCancel(stop), f.BlobKey); err != nil {
					log.Error("deleting the video of a cancelled export failed", "key", f.BlobKey, "err", err)
				}
			}
			s.finished(v.ID, store.VideoCancelled)
			return
		}
		log.Error("recording the end of a video export failed", "state", f.State, "err", ferr)
		return
	}
	defer s.finished(v.ID, f.State)
	switch f.State {
	case store.VideoDone:
		log.Info("video exported", "bytes", f.Bytes, "duration", f.Duration)
		s.audit(context.WithoutCancel(stop), v.SubjectID, "system", "video.done", map[string]any{"video": v.ID, "bytes": f.Bytes})
	case store.VideoFailed:
		log.Error("video export failed", "err", err)
		s.audit(context.WithoutCancel(stop), v.SubjectID, "system", "video.failed", map[string]any{"video": v.ID, "error": f.Error})
	default:
		log.Warn("video export attempt failed; it is queued again", "err", err, "retry_in", f.RetryIn)
	}
}

// finished tells Config.Finished.
func (s *Service) finished(id string, state store.VideoState) {
	if s.cfg.Finished != nil {
		s.cfg.Finished(id, state)
	}
}

// render draws v's recording into a temporary file and stores it as the
// job's blob, reporting progress (and renewing the claim) once a second.
// A renewal refused (the job was cancelled, or taken over) cancels ctx.
func (s *Service) render(ctx context.Context, cancel context.CancelCauseFunc, v *store.VideoExport) (*video.Result, error) {
	if s.cfg.Renderer == nil {
		return nil, tandem.Errorf(tandem.EUnavailable, "this server cannot render videos (no browser or ffmpeg)")
	}
	var o Options
	if err := json.Unmarshal(v.Options, &o); err != nil {
		return nil, tandem.Errorf(tandem.EInvalid, "the job's options: %v", err)
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(s.cfg.TempDir, "tandem-video-*.mp4")
	if err != nil {
		return nil, fmt.Errorf("a file for the video: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	var done, total atomic.Int64
	beat := make(chan struct{})
	defer close(beat)
	go s.heartbeat(ctx, cancel, v.ID, &done, &total, beat)
	progress := func(d, t int) { done.Store(int64(d)); total.Store(int64(t)) }

	rec, err := s.cfg.Recordings.Open(ctx, v)
	if err != nil {
		return nil, err
	}
	defer rec.Close()
	bw := bufio.NewWriter(tmp)
	var res *video.Result
	if v.Kind == store.VideoTerminal {
		res, err = s.cfg.Renderer.RenderTerminal(ctx, rec, o.video(), bw, progress)
	} else {
		res, err = s.cfg.Renderer.RenderAssist(ctx, rec, o.video(), bw, progress)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cause := context.Cause(ctx); cause != nil {
		return nil, cause
	}
	if err != nil {
		return nil, fmt.Errorf("rendering: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewinding the video: %w", err)
	}
	if err := s.cfg.Blobs.Put(ctx, BlobKey(v.RecordingID, v.ID), tmp); err != nil {
		return nil, fmt.Errorf("storing the video: %w", err)
	}
	return res, nil
}

// heartbeat renews the claim with the progress every second until stop
// closes; a renewal refused cancels the render with its reason.
func (s *Service) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, id string, done, total *atomic.Int64, stop chan struct{}) {
	every := min(progressInterval, s.cfg.ClaimTTL/3)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d, n := int(done.Load()), int(total.Load())
		err := s.cfg.Store.RenewVideoClaim(ctx, id, s.cfg.Node, s.cfg.ClaimTTL, min(d, n), n)
		if tandem.ErrorCode(err) == tandem.EConflict || tandem.ErrorCode(err) == tandem.ENotFound {
			cancel(tandem.Errorf(tandem.EConflict, "%s", tandem.ErrorMessage(err)))
			return
		}
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("renewing a video export's claim failed", "video", id, "err", err)
		}
	}
}
