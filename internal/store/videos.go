package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/tandemhq/tandem"
)

// VideoKind says what a video export renders.
type VideoKind string

// The kinds of video export.
const (
	VideoAssist   VideoKind = "assist"
	VideoTerminal VideoKind = "terminal"
)

// VideoState is where an export job is in its life.
type VideoState string

// The states of an export job. Queued and running jobs are unfinished;
// the other three are final.
const (
	VideoQueued    VideoState = "queued"
	VideoRunning   VideoState = "running"
	VideoDone      VideoState = "done"
	VideoFailed    VideoState = "failed"
	VideoCancelled VideoState = "cancelled"
)

// Final reports whether a job in state s runs no more.
func (s VideoState) Final() bool { return s == VideoDone || s == VideoFailed || s == VideoCancelled }

// Bounds of video export fields.
const (
	// MaxVideoClaimTTL is the longest a claim may be taken or renewed for:
	// a longer one would leave a dead node's job waiting for longer than
	// anyone should.
	MaxVideoClaimTTL = 10 * time.Minute
	maxVideoOptions  = 4096
	maxVideoError    = 2000
	maxVideoText     = 1024
)

// VideoExport is one export job: an ended assist or terminal session
// rendered to an MP4 kept in the blob store.
type VideoExport struct {
	ID   string
	Kind VideoKind
	// SubjectID is the assist's or terminal session's id; RecordingID is
	// the recording it renders, whose retention the video follows.
	SubjectID   string
	RecordingID string
	SiteID      string // the assist's site; "" for a terminal session
	Options     json.RawMessage
	State       VideoState
	Done, Total int // frames rendered, of how many (0 until known)
	Error       string
	// BlobKey, Bytes, Duration, Width and Height describe the video once
	// the job is done.
	BlobKey       string
	Bytes         int64
	Duration      time.Duration
	Width, Height int
	RequestedBy   string // the actor: a user id, or "auto" for automatic export
	CreatedAt     time.Time
	StartedAt     time.Time // the last attempt's start
	FinishedAt    time.Time
	Attempts      int
	// ClaimNode is the node running the job, and ClaimRemaining how long
	// its claim had left when the database answered; a job whose claim
	// lapsed is taken again by the next claim.
	ClaimNode      string
	ClaimRemaining time.Duration
}

// VideoFinish is what the node that ran a job writes when the attempt ends.
type VideoFinish struct {
	State VideoState // done, failed, or queued to try again
	// RetryIn is how long a requeued job waits before it may be claimed
	// again, by the database's clock.
	RetryIn       time.Duration
	Error         string
	BlobKey       string
	Bytes         int64
	Duration      time.Duration
	Width, Height int
	// Frames is how many frames a done video has; the job's progress
	// becomes Frames of Frames, however few heartbeats the render had.
	Frames     int
	FinishedAt time.Time
}

// VideoExports are the durable export jobs. Claims are decided by the
// database's clock, as leases are.
type VideoExports interface {
	// CreateVideoExport stores v as queued, setting ID and CreatedAt when
	// empty.
	CreateVideoExport(ctx context.Context, v *VideoExport) error
	// VideoExportByID returns the job, or ENotFound.
	VideoExportByID(ctx context.Context, id string) (*VideoExport, error)
	// ListVideoExports returns the jobs of a subject, newest first.
	ListVideoExports(ctx context.Context, subjectID string) ([]*VideoExport, error)
	// ClaimVideoExport takes the oldest job that is queued (and due) or
	// running under a claim that lapsed, for node until ttl from now: it
	// becomes running, its attempts grow by one. The take is a
	// compare-and-set, so two nodes never run one job. ENotFound when no
	// job waits.
	ClaimVideoExport(ctx context.Context, node string, ttl time.Duration, startedAt time.Time) (*VideoExport, error)
	// RenewVideoClaim records progress and extends node's claim to ttl
	// from now, if node still holds it and the job is running; otherwise
	// EConflict (the job was cancelled, or taken over after the claim
	// lapsed), and the node stops.
	RenewVideoClaim(ctx context.Context, id, node string, ttl time.Duration, done, total int) error
	// FinishVideoExport ends node's attempt with f, if node still holds
	// the job's claim; otherwise EConflict and nothing changes.
	FinishVideoExport(ctx context.Context, id, node string, f VideoFinish) error
	// CancelVideoExport moves a queued or running job to cancelled and
	// returns it; EConflict when it was final already.
	CancelVideoExport(ctx context.Context, id string, at time.Time) (*VideoExport, error)
	// DeleteVideoExport removes a job's row (its blob is the caller's).
	DeleteVideoExport(ctx context.Context, id string) error
	// DeleteVideoExportsOf removes the jobs of a recording, when the
	// recording is deleted, returning their blob keys.
	DeleteVideoExportsOf(ctx context.Context, recordingID string) ([]string, error)
}

// VideoColumns are the columns VideoArgs writes and ScanVideo reads (with
// the claim's remaining milliseconds after them), in order.
const VideoColumns = `id, kind, subject_id, recording_id, site_id, options, state, done_frames, total_frames, error, blob_key, bytes,
	duration_ms, width, height, requested_by, created_at, started_at, finished_at, attempts, not_before, claim_node, claim_until`

// VideoArgs returns v's values in VideoColumns order, for an insert: not
// due before its creation, unclaimed.
func VideoArgs(v *VideoExport) []any {
	return []any{v.ID, string(v.Kind), v.SubjectID, v.RecordingID, v.SiteID, string(v.Options), string(v.State), v.Done, v.Total,
		v.Error, v.BlobKey, v.Bytes, v.Duration.Milliseconds(), v.Width, v.Height, v.RequestedBy, Millis(v.CreatedAt),
		Millis(v.StartedAt), Millis(v.FinishedAt), v.Attempts, int64(0), "", int64(0)}
}

// ScanVideo scans one row of VideoColumns followed by the database's time
// in unix milliseconds.
func ScanVideo(s Scanner) (*VideoExport, error) {
	var v VideoExport
	var kind, state, options string
	var durMS, notBefore, claimUntil, dbNow int64
	var created, started, finished sql.NullInt64
	if err := s.Scan(&v.ID, &kind, &v.SubjectID, &v.RecordingID, &v.SiteID, &options, &state, &v.Done, &v.Total, &v.Error,
		&v.BlobKey, &v.Bytes, &durMS, &v.Width, &v.Height, &v.RequestedBy, &created, &started, &finished, &v.Attempts,
		&notBefore, &v.ClaimNode, &claimUntil, &dbNow); err != nil {
		return nil, err
	}
	v.Kind, v.State, v.Options = VideoKind(kind), VideoState(state), json.RawMessage(options)
	v.Duration = time.Duration(durMS) * time.Millisecond
	v.CreatedAt, v.StartedAt, v.FinishedAt = fromMillis(created), fromMillis(started), fromMillis(finished)
	if v.ClaimNode != "" {
		v.ClaimRemaining = time.Duration(claimUntil-dbNow) * time.Millisecond
	}
	return &v, nil
}

// CheckVideoExport validates a job before it is created.
func CheckVideoExport(v *VideoExport) error {
	if v.Kind != VideoAssist && v.Kind != VideoTerminal {
		return tandem.Errorf(tandem.EInvalid, "video kind %q is not %q or %q", v.Kind, VideoAssist, VideoTerminal)
	}
	if err := checkID(v.ID, "video export"); err != nil {
		return err
	}
	if err := checkID(v.SubjectID, "subject"); err != nil {
		return err
	}
	if err := checkID(v.RecordingID, "recording"); err != nil {
		return err
	}
	if v.SiteID != "" {
		if err := checkID(v.SiteID, "site"); err != nil {
			return err
		}
	}
	if len(v.Options) > maxVideoOptions || !json.Valid(v.Options) {
		return tandem.Errorf(tandem.EInvalid, "video options are not a JSON document of at most %d bytes", maxVideoOptions)
	}
	if v.State != VideoQueued {
		return tandem.Errorf(tandem.EInvalid, "a new video export is %q, not %q", VideoQueued, v.State)
	}
	if err := checkPrintable(v.RequestedBy, maxVideoText, "the requester"); err != nil {
		return err
	}
	if v.RequestedBy == "" {
		return tandem.Errorf(tandem.EInvalid, "a video export needs a requester")
	}
	return nil
}

// CheckVideoClaim validates a claiming node and a claim's duration.
func CheckVideoClaim(node string, ttl time.Duration) error {
	if node == "" || len(node) > maxVideoText {
		return tandem.Errorf(tandem.EInvalid, "a video claim needs a node id of at most %d bytes", maxVideoText)
	}
	if ttl < time.Millisecond || ttl > MaxVideoClaimTTL {
		return tandem.Errorf(tandem.EInvalid, "video claim of %v is not from 1ms to %v", ttl, MaxVideoClaimTTL)
	}
	return nil
}

// CheckVideoProgress validates frames done of total.
func CheckVideoProgress(done, total int) error {
	if done < 0 || total < 0 || done > total {
		return tandem.Errorf(tandem.EInvalid, "video progress %d of %d is not 0 ≤ done ≤ total", done, total)
	}
	return nil
}

// CheckVideoFinish validates the end of an attempt.
func CheckVideoFinish(f *VideoFinish) error {
	switch f.State {
	case VideoDone:
		if err := ValidBlobKey(f.BlobKey); err != nil {
			return err
		}
		if f.Bytes <= 0 || f.Width <= 0 || f.Height <= 0 || f.Frames <= 0 || f.Duration < 0 {
			return tandem.Errorf(tandem.EInvalid, "a done video needs its bytes, width, height and frames")
		}
	case VideoFailed, VideoQueued:
		if f.Error == "" {
			return tandem.Errorf(tandem.EInvalid, "a failed attempt needs its error")
		}
		if f.RetryIn < 0 || f.RetryIn > 24*time.Hour {
			return tandem.Errorf(tandem.EInvalid, "retry in %v is not from 0 to 24h", f.RetryIn)
		}
	default:
		return tandem.Errorf(tandem.EInvalid, "an attempt ends done, failed or queued, not %q", f.State)
	}
	if len(f.Error) > maxVideoError {
		f.Error = f.Error[:maxVideoError]
	}
	if f.FinishedAt.IsZero() {
		return tandem.Errorf(tandem.EInvalid, "an attempt's end needs its time")
	}
	return nil
}

// ValidBlobKey is a light check of a video's blob key here (the blob
// store checks it fully): not empty, bounded.
func ValidBlobKey(key string) error {
	if key == "" || len(key) > maxVideoText {
		return tandem.Errorf(tandem.EInvalid, "a done video needs a blob key of at most %d bytes", maxVideoText)
	}
	return nil
}

// VideoClaimLost is the error of a renew or finish by a node that no
// longer holds the job's claim.
func VideoClaimLost(v *VideoExport, node string) error {
	switch {
	case v.State == VideoCancelled:
		return tandem.Errorf(tandem.EConflict, "video export %s was cancelled", v.ID)
	case v.ClaimNode == node && v.State == VideoRunning:
		return tandem.Errorf(tandem.EConflict, "the claim of video export %s lapsed %v ago", v.ID, (-v.ClaimRemaining).Round(time.Millisecond))
	case v.ClaimNode != "":
		return tandem.Errorf(tandem.EConflict, "video export %s is claimed by node %s", v.ID, v.ClaimNode)
	default:
		return tandem.Errorf(tandem.EConflict, "video export %s is %s and claimed by no node", v.ID, v.State)
	}
}

// VideoBlobKey is where the video of job id, of recording rec, is kept in
// the blob store: under the recording's prefix of videos, so that
// deleting the recording (internal/retention) deletes its videos.
func VideoBlobKey(rec, id string) string { return VideoBlobPrefix(rec) + id + ".mp4" }

// VideoBlobPrefix is the prefix of the blob keys of recording rec's videos.
func VideoBlobPrefix(rec string) string { return "videos/" + rec + "/" }
