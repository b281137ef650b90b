package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// expireStatement marks up to $2 ended assists whose site's retention has
// run out at $1 and queues their recordings, in one statement (so one
// transaction), and returns how many it marked. The assists are locked as
// they are picked and SKIP LOCKED passes over those another sweeper has
// picked, so that sweepers on several servers share the work instead of
// waiting for each other; the UPDATE's own condition keeps an assist from
// being expired twice.
const expireStatement = `WITH picked AS (
		SELECT a.id FROM assists a JOIN sites s ON s.id = a.site_id
		WHERE s.recording_retention > 0 AND a.state = 'ended' AND a.recording_deleted_at IS NULL
		AND a.ended_at <= $1 - s.recording_retention
		LIMIT $2 FOR UPDATE OF a SKIP LOCKED
	), marked AS (
		UPDATE assists SET recording_deleted_at = $1 FROM picked
		WHERE assists.id = picked.id AND assists.recording_deleted_at IS NULL RETURNING assists.id
	), queued AS (
		INSERT INTO recording_deletions (id, queued_at) SELECT id, $1 FROM marked ON CONFLICT (id) DO NOTHING
	)
	SELECT count(*) FROM marked`

// ExpireRecordings marks up to limit assists whose site's retention has run
// out at now as having lost their recording, and queues those recordings for
// deletion, in one transaction.
func (db *DB) ExpireRecordings(ctx context.Context, now time.Time, limit int) (int, error) {
	if err := store.CheckRecordingBatch(limit); err != nil {
		return 0, err
	}
	if now.IsZero() {
		return 0, tandem.Errorf(tandem.EInvalid, "expiring recordings needs the time")
	}
	var n int
	if err := db.pool.QueryRow(ctx, expireStatement, now.UnixMilli(), limit).Scan(&n); err != nil {
		return 0, wrapErr(err, "expire recordings")
	}
	return n, nil
}

// DoomedRecordings returns up to limit ids of recordings queued for
// deletion, oldest first.
func (db *DB) DoomedRecordings(ctx context.Context, limit int) ([]string, error) {
	if err := store.CheckRecordingBatch(limit); err != nil {
		return nil, err
	}
	ids, err := queryRows(ctx, db.pool, scanString, `SELECT id FROM recording_deletions ORDER BY queued_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, wrapErr(err, "doomed recordings")
	}
	return ids, nil
}

// ForgetRecording takes id off the deletion queue; an id not queued is not
// an error, so that a sweeper that crashed after the delete can repeat it.
func (db *DB) ForgetRecording(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM recording_deletions WHERE id = $1`, id); err != nil {
		return wrapErr(err, "forget recording %s", id)
	}
	return nil
}

func scanString(r pgx.Row) (string, error) {
	var v string
	return v, r.Scan(&v)
}
