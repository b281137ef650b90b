package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// SetAvailable records whether user userID takes requests now.
func (db *DB) SetAvailable(ctx context.Context, userID string, available bool, at time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO agent_presence (user_id, available, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET available = excluded.available, updated_at = excluded.updated_at`,
		userID, available, toMillis(at))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "user %q not found", userID)
	}
	if err != nil {
		return wrapErr(err, "set availability")
	}
	return nil
}

// Available reports whether user userID said they take requests.
func (db *DB) Available(ctx context.Context, userID string) (bool, error) {
	var available bool
	err := db.pool.QueryRow(ctx, `SELECT available FROM agent_presence WHERE user_id = $1`, userID).Scan(&available)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrapErr(err, "read availability")
	}
	return available, nil
}

// CountAvailable is the number of agents available now.
func (db *DB) CountAvailable(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM agent_presence WHERE available`).Scan(&n); err != nil {
		return 0, wrapErr(err, "count available agents")
	}
	return n, nil
}

// SetPickupTimeout sets site siteID's pick-up time.
func (db *DB) SetPickupTimeout(ctx context.Context, siteID string, d time.Duration, at time.Time) error {
	if err := store.CheckPickupTimeout(d); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO site_pickup (site_id, timeout_ms, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (site_id) DO UPDATE SET timeout_ms = excluded.timeout_ms, updated_at = excluded.updated_at`,
		siteID, d.Milliseconds(), toMillis(at))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "site %q not found", siteID)
	}
	if err != nil {
		return wrapErr(err, "set pick-up time")
	}
	return nil
}

// PickupTimeout is site siteID's pick-up time.
func (db *DB) PickupTimeout(ctx context.Context, siteID string) (time.Duration, error) {
	var ms int64
	err := db.pool.QueryRow(ctx, `SELECT timeout_ms FROM site_pickup WHERE site_id = $1`, siteID).Scan(&ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.DefaultPickupTimeout, nil
	}
	if err != nil {
		return 0, wrapErr(err, "read pick-up time")
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// MarkLeftMessage records that the person of assist assistID left a message.
func (db *DB) MarkLeftMessage(ctx context.Context, assistID string, at time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO assist_left_messages (assist_id, at) VALUES ($1, $2) ON CONFLICT (assist_id) DO NOTHING`,
		assistID, toMillis(at))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", assistID)
	}
	if err != nil {
		return wrapErr(err, "mark a left message")
	}
	return nil
}

// LeftMessages returns when the person of each of assistIDs that left a message did so.
func (db *DB) LeftMessages(ctx context.Context, assistIDs []string) (map[string]time.Time, error) {
	if err := store.CheckAssistIDs(assistIDs); err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(assistIDs))
	if len(assistIDs) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT assist_id, at FROM assist_left_messages WHERE assist_id = ANY($1)`, assistIDs)
	if err != nil {
		return nil, wrapErr(err, "left messages")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at *int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, wrapErr(err, "left messages")
		}
		out[id] = fromMillis(at)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(err, "left messages")
	}
	return out, nil
}
