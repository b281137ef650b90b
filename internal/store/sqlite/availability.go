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

// SetAvailable records whether user userID takes requests now.
func (db *DB) SetAvailable(ctx context.Context, userID string, available bool, at time.Time) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO agent_presence (user_id, available, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET available = excluded.available, updated_at = excluded.updated_at`,
		userID, available, toMillis(at))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "user %q not found", userID)
	}
	if err != nil {
		return fmt.Errorf("set availability: %w", err)
	}
	return nil
}

// Available reports whether user userID said they take requests.
func (db *DB) Available(ctx context.Context, userID string) (bool, error) {
	var available bool
	err := db.r.QueryRowContext(ctx, `SELECT available FROM agent_presence WHERE user_id = ?`, userID).Scan(&available)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read availability: %w", err)
	}
	return available, nil
}

// CountAvailable is the number of agents available now.
func (db *DB) CountAvailable(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM agent_presence WHERE available`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count available agents: %w", err)
	}
	return n, nil
}

// SetPickupTimeout sets site siteID's pick-up time.
func (db *DB) SetPickupTimeout(ctx context.Context, siteID string, d time.Duration, at time.Time) error {
	if err := store.CheckPickupTimeout(d); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO site_pickup (site_id, timeout_ms, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (site_id) DO UPDATE SET timeout_ms = excluded.timeout_ms, updated_at = excluded.updated_at`,
		siteID, d.Milliseconds(), toMillis(at))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "site %q not found", siteID)
	}
	if err != nil {
		return fmt.Errorf("set pick-up time: %w", err)
	}
	return nil
}

// PickupTimeout is site siteID's pick-up time.
func (db *DB) PickupTimeout(ctx context.Context, siteID string) (time.Duration, error) {
	var ms int64
	err := db.r.QueryRowContext(ctx, `SELECT timeout_ms FROM site_pickup WHERE site_id = ?`, siteID).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return store.DefaultPickupTimeout, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read pick-up time: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// MarkLeftMessage records that the person of assist assistID left a message.
func (db *DB) MarkLeftMessage(ctx context.Context, assistID string, at time.Time) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO assist_left_messages (assist_id, at) VALUES (?, ?) ON CONFLICT (assist_id) DO NOTHING`,
		assistID, toMillis(at))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", assistID)
	}
	if err != nil {
		return fmt.Errorf("mark a left message: %w", err)
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
	args := make([]any, len(assistIDs))
	for i, id := range assistIDs {
		args[i] = id
	}
	rows, err := db.r.QueryContext(ctx, `SELECT assist_id, at FROM assist_left_messages WHERE assist_id IN (?`+
		strings.Repeat(", ?", len(assistIDs)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("left messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at sql.NullInt64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("left messages: %w", err)
		}
		out[id] = fromMillis(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("left messages: %w", err)
	}
	return out, nil
}
