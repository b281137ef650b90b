package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

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
	_, err := db.w.ExecContext(ctx, `INSERT INTO video_exports (`+store.VideoColumns+`) VALUES (`+marks(23)+`)`, store.VideoArgs(&c)...)
	switch {
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "video export %q exists", c.ID)
	case err != nil:
		return fmt.Errorf("create video export: %w", err)
	}
	*v = c
	return nil
}

// VideoExportByID returns the job id.
func (db *DB) VideoExportByID(ctx context.Context, id string) (*store.VideoExport, error) {
	v, err := store.ScanVideo(db.r.QueryRowContext(ctx, `SELECT `+videoColumns+` FROM video_exports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "video export %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("video export %s: %w", id, err)
	}
	return v, nil
}

// ListVideoExports returns a subject's jobs, newest first.
func (db *DB) ListVideoExports(ctx context.Context, subjectID string) ([]*store.VideoExport, error) {
	vs, err := queryRows(ctx, db.r, store.ScanVideo, `SELECT `+videoColumns+` FROM video_exports
		WHERE subject_id = ? ORDER BY created_at DESC, id DESC`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("video exports of %s: %w", subjectID, err)
	}
	return vs, nil
}

// ClaimVideoExport takes the oldest due job in one statement on the one
// writer connection, so that the choice and the take are one step.
func (db *DB) ClaimVideoExport(ctx context.Context, node string, ttl time.Duration, startedAt time.Time) (*store.VideoExport, error) {
	if err := store.CheckVideoClaim(node, ttl); err != nil {
		return nil, err
	}
	v, err := store.ScanVideo(db.w.QueryRowContext(ctx, `UPDATE video_exports
		SET state = 'running', claim_node = ?, claim_until = `+dbNow+` + ?, attempts = attempts + 1, started_at = ?
		WHERE id = (SELECT id FROM video_exports WHERE `+videoDue+` ORDER BY created_at, id LIMIT 1) AND `+videoDue+`
		RETURNING `+videoColumns, node, ttl.Milliseconds(), store.Millis(startedAt)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "no video export waits")
	}
	if err != nil {
		return nil, fmt.Errorf("claim video export: %w", err)
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
	res, err := db.w.ExecContext(ctx, `UPDATE video_exports SET claim_until = `+dbNow+` + ?, done_frames = ?, total_frames = ?
		WHERE id = ? AND claim_node = ? AND state = 'running' AND claim_until > `+dbNow, ttl.Milliseconds(), done, total, id, node)
	if err != nil {
		return fmt.Errorf("renew claim of video export %s: %w", id, err)
	}
	return db.claimHeld(ctx, res, id, node)
}

// FinishVideoExport ends node's attempt.
func (db *DB) FinishVideoExport(ctx context.Context, id, node string, f store.VideoFinish) error {
	if err := store.CheckVideoFinish(&f); err != nil {
		return err
	}
	var finished sql.NullInt64
	if f.State.Final() {
		finished = store.Millis(f.FinishedAt)
	}
	res, err := db.w.ExecContext(ctx, `UPDATE video_exports SET state = ?, error = ?, blob_key = ?, bytes = ?, duration_ms = ?,
			width = ?, height = ?, finished_at = ?, not_before = `+dbNow+` + ?, claim_node = '', claim_until = 0,
			done_frames = CASE WHEN ? = 'done' THEN ? ELSE done_frames END,
			total_frames = CASE WHEN ? = 'done' THEN ? ELSE total_frames END
		WHERE id = ? AND claim_node = ? AND state = 'running'`,
		string(f.State), f.Error, f.BlobKey, f.Bytes, f.Duration.Milliseconds(), f.Width, f.Height, finished, f.RetryIn.Milliseconds(),
		string(f.State), f.Frames, string(f.State), f.Frames, id, node)
	if err != nil {
		return fmt.Errorf("finish video export %s: %w", id, err)
	}
	return db.claimHeld(ctx, res, id, node)
}

// claimHeld turns an update of no row into why node lost the job.
func (db *DB) claimHeld(ctx context.Context, res sql.Result, id, node string) error {
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	v, err := db.VideoExportByID(ctx, id)
	if err != nil {
		return err
	}
	return store.VideoClaimLost(v, node)
}

// CancelVideoExport moves an unfinished job to cancelled.
func (db *DB) CancelVideoExport(ctx context.Context, id string, at time.Time) (*store.VideoExport, error) {
	v, err := store.ScanVideo(db.w.QueryRowContext(ctx, `UPDATE video_exports
		SET state = 'cancelled', finished_at = ?, claim_node = '', claim_until = 0
		WHERE id = ? AND state IN ('queued', 'running') RETURNING `+videoColumns, store.Millis(at), id))
	if errors.Is(err, sql.ErrNoRows) {
		v, err := db.VideoExportByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return nil, tandem.Errorf(tandem.EConflict, "video export %s is %s already", id, v.State)
	}
	if err != nil {
		return nil, fmt.Errorf("cancel video export %s: %w", id, err)
	}
	return v, nil
}

// DeleteVideoExport removes a job's row.
func (db *DB) DeleteVideoExport(ctx context.Context, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM video_exports WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete video export %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return tandem.Errorf(tandem.ENotFound, "video export %q not found", id)
	}
	return nil
}

// DeleteVideoExportsOf removes a recording's jobs, returning their blob keys.
func (db *DB) DeleteVideoExportsOf(ctx context.Context, recordingID string) ([]string, error) {
	keys, err := queryRows(ctx, db.w, scanKey, `DELETE FROM video_exports WHERE recording_id = ? RETURNING blob_key`, recordingID)
	if err != nil {
		return nil, fmt.Errorf("delete video exports of recording %s: %w", recordingID, err)
	}
	return nonEmpty(keys), nil
}

func scanKey(s scanner) (string, error) {
	var k string
	err := s.Scan(&k)
	return k, err
}

// nonEmpty drops the empty keys of jobs that made no video.
func nonEmpty(keys []string) []string {
	var out []string
	for _, k := range keys {
		if strings.TrimSpace(k) != "" {
			out = append(out, k)
		}
	}
	return out
}
