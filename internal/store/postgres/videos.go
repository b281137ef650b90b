package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// videoColumns are read with the database's time last, so that a claim's
// remaining time comes from one clock.
const videoColumns = store.VideoColumns + `, ` + dbNow

// videoDue selects the jobs a claim may take: queued and due, or running
// under a claim that lapsed.
const videoDue = `((state = 'queued' AND not_before <= ` + dbNow + `) OR (state = 'running' AND claim_until <= ` + dbNow + `))`

// CreateVideoExport stores v as queued.
func (db *DB) CreateVideoExport(ctx context.Context, v *store.VideoExport) error {
	c := *v
	if c.ID == "" {
		c.ID = newID()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	if c.State == "" {
		c.State = store.VideoQueued
	}
	if err := store.CheckVideoExport(&c); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO video_exports (`+store.VideoColumns+`) VALUES (`+dollars(23)+`)`, store.VideoArgs(&c)...)
	switch {
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "video export %q exists", c.ID)
	case err != nil:
		return wrapErr(err, "create video export")
	}
	*v = c
	return nil
}

// VideoExportByID returns the job id.
func (db *DB) VideoExportByID(ctx context.Context, id string) (*store.VideoExport, error) {
	v, err := store.ScanVideo(db.pool.QueryRow(ctx, `SELECT `+videoColumns+` FROM video_exports WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "video export %q not found", id)
	}
	if err != nil {
		return nil, wrapErr(err, "video export %s", id)
	}
	return v, nil
}

// ListVideoExports returns a subject's jobs, newest first.
func (db *DB) ListVideoExports(ctx context.Context, subjectID string) ([]*store.VideoExport, error) {
	vs, err := queryRows(ctx, db.pool, scanWith(store.ScanVideo), `SELECT `+videoColumns+` FROM video_exports
		WHERE subject_id = $1 ORDER BY created_at DESC, id DESC`, subjectID)
	if err != nil {
		return nil, wrapErr(err, "video exports of %s", subjectID)
	}
	return vs, nil
}

// ClaimVideoExport takes the oldest due job: the row is locked by the
// choice (another node's claim skips it) and the update checks again that
// it is due, so that two nodes never take one job.
func (db *DB) ClaimVideoExport(ctx context.Context, node string, ttl time.Duration, startedAt time.Time) (*store.VideoExport, error) {
	if err := store.CheckVideoClaim(node, ttl); err != nil {
		return nil, err
	}
	v, err := store.ScanVideo(db.pool.QueryRow(ctx, `UPDATE video_exports
		SET state = 'running', claim_node = $1, claim_until = `+dbNow+` + $2, attempts = attempts + 1, started_at = $3
		WHERE id = (SELECT id FROM video_exports WHERE `+videoDue+` ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
			AND `+videoDue+`
		RETURNING `+videoColumns, node, ttl.Milliseconds(), store.Millis(startedAt)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no video export waits")
	}
	if err != nil {
		return nil, wrapErr(err, "claim video export")
	}
	return v, nil
}

// RenewVideoClaim records progress and extends node's claim.
func (db *DB) RenewVideoClaim(ctx context.Context, id, node string, ttl time.Duration, done, total int) error {
	if err := store.CheckVideoClaim(node, ttl); err != nil {
		return err
	}
	if err := store.CheckVideoProgress(done, total); err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE video_exports SET claim_until = `+dbNow+` + $1, done_frames = $2, total_frames = $3
		WHERE id = $4 AND claim_node = $5 AND state = 'running' AND claim_until > `+dbNow, ttl.Milliseconds(), done, total, id, node)
	if err != nil {
		return wrapErr(err, "renew claim of video export %s", id)
	}
	return db.claimHeld(ctx, tag.RowsAffected(), id, node)
}

// FinishVideoExport ends node's attempt.
func (db *DB) FinishVideoExport(ctx context.Context, id, node string, f store.VideoFinish) error {
	if err := store.CheckVideoFinish(&f); err != nil {
		return err
	}
	var finished *int64
	if f.State.Final() {
		finished = toMillis(f.FinishedAt)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE video_exports SET state = $1, error = $2, blob_key = $3, bytes = $4, duration_ms = $5,
			width = $6, height = $7, finished_at = $8, not_before = `+dbNow+` + $9, claim_node = '', claim_until = 0,
			done_frames = CASE WHEN $1 = 'done' THEN $12 ELSE done_frames END,
			total_frames = CASE WHEN $1 = 'done' THEN $12 ELSE total_frames END
		WHERE id = $10 AND claim_node = $11 AND state = 'running'`,
		string(f.State), f.Error, f.BlobKey, f.Bytes, f.Duration.Milliseconds(), f.Width, f.Height, finished, f.RetryIn.Milliseconds(),
		id, node, f.Frames)
	if err != nil {
		return wrapErr(err, "finish video export %s", id)
	}
	return db.claimHeld(ctx, tag.RowsAffected(), id, node)
}

// claimHeld turns an update of no row into why node lost the job.
func (db *DB) claimHeld(ctx context.Context, n int64, id, node string) error {
	if n > 0 {
		return nil
	}
	v, err := db.VideoExportByID(ctx, id)
	if err != nil {
		return err
	}
	return store.VideoClaimLost(v, node)
}

// CancelVideoExport moves an unfinished job to cancelled.
func (db *DB) CancelVideoExport(ctx context.Context, id string, at time.Time) (*store.VideoExport, error) {
	v, err := store.ScanVideo(db.pool.QueryRow(ctx, `UPDATE video_exports
		SET state = 'cancelled', finished_at = $1, claim_node = '', claim_until = 0
		WHERE id = $2 AND state IN ('queued', 'running') RETURNING `+videoColumns, toMillis(at), id))
	if errors.Is(err, pgx.ErrNoRows) {
		v, err := db.VideoExportByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return nil, tandem.Errorf(tandem.EConflict, "video export %s is %s already", id, v.State)
	}
	if err != nil {
		return nil, wrapErr(err, "cancel video export %s", id)
	}
	return v, nil
}

// DeleteVideoExport removes a job's row.
func (db *DB) DeleteVideoExport(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM video_exports WHERE id = $1`, id)
	if err != nil {
		return wrapErr(err, "delete video export %s", id)
	}
	if tag.RowsAffected() == 0 {
		return tandem.Errorf(tandem.ENotFound, "video export %q not found", id)
	}
	return nil
}

// DeleteVideoExportsOf removes a recording's jobs, returning their blob keys.
func (db *DB) DeleteVideoExportsOf(ctx context.Context, recordingID string) ([]string, error) {
	keys, err := queryRows(ctx, db.pool, func(r pgx.Row) (string, error) {
		var k string
		err := r.Scan(&k)
		return k, err
	}, `DELETE FROM video_exports WHERE recording_id = $1 RETURNING blob_key`, recordingID)
	if err != nil {
		return nil, wrapErr(err, "delete video exports of recording %s", recordingID)
	}
	var out []string
	for _, k := range keys {
		if strings.TrimSpace(k) != "" {
			out = append(out, k)
		}
	}
	return out, nil
}
