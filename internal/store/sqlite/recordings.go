package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// expireQuery selects the ended assists whose retention has run out at ?1:
// for each site that has a retention (CROSS JOIN keeps sites the outer
// loop), a range of the partial index assists_retention, which holds only
// ended assists whose recording is kept. It has no ORDER BY: with one, a
// large backlog would be read and sorted whole on every sweep.
const expireQuery = `SELECT a.id FROM sites s CROSS JOIN assists a INDEXED BY assists_retention
	WHERE a.site_id = s.id AND s.recording_retention > 0
	AND a.state = 'ended' AND a.recording_deleted_at IS NULL
	AND a.ended_at <= ?1 - s.recording_retention LIMIT ?2`

// ExpireRecordings marks up to limit assists whose site's retention has run
// out at now as having lost their recording, and queues those recordings for
// deletion, in one write transaction.
func (db *DB) ExpireRecordings(ctx context.Context, now time.Time, limit int) (int, error) {
	if err := store.CheckRecordingBatch(limit); err != nil {
		return 0, err
	}
	if now.IsZero() {
		return 0, tandem.Errorf(tandem.EInvalid, "expiring recordings needs the time")
	}
	at := now.UnixMilli()
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ids, err := queryRows(ctx, tx, scanString, `UPDATE assists SET recording_deleted_at = ?1
			WHERE id IN (`+expireQuery+`) RETURNING id`, at, limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recording_deletions (id, queued_at) VALUES (?, ?)
				ON CONFLICT (id) DO NOTHING`, id, at); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire recordings: %w", err)
	}
	return n, nil
}

// DoomedRecordings returns up to limit ids of recordings queued for
// deletion, oldest first.
func (db *DB) DoomedRecordings(ctx context.Context, limit int) ([]string, error) {
	if err := store.CheckRecordingBatch(limit); err != nil {
		return nil, err
	}
	ids, err := queryRows(ctx, db.r, scanString, `SELECT id FROM recording_deletions ORDER BY queued_at, id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("doomed recordings: %w", err)
	}
	return ids, nil
}

// ForgetRecording takes id off the deletion queue; an id not queued is not
// an error, so that a sweeper that crashed after the delete can repeat it.
func (db *DB) ForgetRecording(ctx context.Context, id string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM recording_deletions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("forget recording %s: %w", id, err)
	}
	return nil
}

func scanString(s scanner) (string, error) {
	var v string
	return v, s.Scan(&v)
}
