package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// insertDelivery inserts d (checked) in tx, setting its ID, CreatedAt and
// NextAttemptAt when empty.
func insertDelivery(ctx context.Context, tx *sql.Tx, d *tandem.Delivery) error {
	setIDAndTime(&d.ID, &d.CreatedAt)
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = d.CreatedAt
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO deliveries (`+store.DeliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.BotID, string(d.Kind), d.ConversationID, d.MessageID, d.URL, d.Payload, string(d.State), d.Attempts,
		toMillis(d.NextAttemptAt), d.LastStatus, d.LastError, toMillis(d.CreatedAt), toMillis(d.DoneAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "bot %q or conversation %q not found", d.BotID, d.ConversationID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "a delivery with id %q exists", d.ID)
	case err != nil:
		return fmt.Errorf("enqueue delivery: %w", err)
	}
	return nil
}

// EnqueueDeliveries writes deliveries that belong to no new message, all
// or none.
func (db *DB) EnqueueDeliveries(ctx context.Context, ds []*tandem.Delivery) error {
	cs, err := store.CheckDeliveries(ds)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		for _, d := range cs {
			if err := insertDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, d := range ds {
		*d = *cs[i]
	}
	return nil
}

// claimQuery locks the due pending deliveries no claim holds: (lock until,
// now, now, limit).
const claimQuery = `UPDATE deliveries SET locked_until = ?
	WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?
		AND (locked_until IS NULL OR locked_until <= ?) ORDER BY next_attempt_at, created_at, id LIMIT ?)
	RETURNING ` + store.DeliveryColumns

// ClaimDeliveries hides up to limit due pending deliveries from other
// claims until now+lockFor and returns them, oldest first. It is one
// UPDATE, so two claims (in this process or another) never take one row.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lockFor time.Duration) ([]*tandem.Delivery, error) {
	if err := store.CheckClaim(limit, lockFor); err != nil {
		return nil, err
	}
	ms := now.UnixMilli()
	ds, err := queryRows(ctx, db.w, store.ScanDelivery, claimQuery, now.Add(lockFor).UnixMilli(), ms, ms, limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	store.SortDue(ds)
	return ds, nil
}

// RecordAttempt appends a (when not nil) to the delivery's log and writes
// its state, attempts, next attempt, last status and error and done time,
// releasing its claim, in one transaction.
func (db *DB) RecordAttempt(ctx context.Context, d *tandem.Delivery, a *tandem.DeliveryAttempt) error {
	errs, err := db.RecordAttempts(ctx, []store.AttemptRecord{{Delivery: d, Attempt: a}})
	if err != nil {
		return err
	}
	return errs[0]
}

// Statements of RecordAttempts. The attempt goes in first, and only when
// its delivery exists and has no attempt of that number: a refused
// record then has written nothing, with no savepoint to roll back to.
const (
	insertAttemptQuery = `INSERT INTO delivery_attempts (` + store.DeliveryAttemptColumns + `)
		SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?)
		ON CONFLICT (delivery_id, n) DO NOTHING`
	updateDeliveryQuery = `UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_status = ?,
		last_error = ?, done_at = ?, locked_until = NULL WHERE id = ?`
)

// RecordAttempts records each of rs as RecordAttempt does, all in one
// transaction; errs[i] says why rs[i] was refused (nil: written).
func (db *DB) RecordAttempts(ctx context.Context, rs []store.AttemptRecord) ([]error, error) {
	errs, checked, err := store.CheckAttempts(rs)
	if err != nil || len(checked) == 0 {
		return errs, err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, insertAttemptQuery)
		if err != nil {
			return err
		}
		defer insert.Close()
		update, err := tx.PrepareContext(ctx, updateDeliveryQuery)
		if err != nil {
			return err
		}
		defer update.Close()
		for _, c := range checked {
			d, a := c.Delivery, c.Attempt
			if a != nil {
				res, err := insert.ExecContext(ctx, a.DeliveryID, a.N, toMillis(a.At), a.Status, a.Error, a.Duration.Milliseconds(), d.ID)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil {
					return err
				} else if n == 0 {
					errs[c.Index], err = attemptRefusal(ctx, tx, a)
					if err != nil {
						return err
					}
					continue
				}
			}
			res, err := update.ExecContext(ctx, string(d.State), d.Attempts, toMillis(d.NextAttemptAt), d.LastStatus, d.LastError, toMillis(d.DoneAt), d.ID)
			if err != nil {
				return err
			}
			errs[c.Index] = affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "delivery %q not found", d.ID) })
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record attempts: %w", err)
	}
	return errs, nil
}

// attemptRefusal says why a's row was not inserted: its delivery is gone,
// or has an attempt of that number.
func attemptRefusal(ctx context.Context, tx *sql.Tx, a *tandem.DeliveryAttempt) (error, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE id = ?`, a.DeliveryID).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return tandem.Errorf(tandem.ENotFound, "delivery %q not found", a.DeliveryID), nil
	}
	return tandem.Errorf(tandem.EConflict, "delivery %s has an attempt %d already", a.DeliveryID, a.N), nil
}

// DeliveryByID returns the delivery with the given id.
func (db *DB) DeliveryByID(ctx context.Context, id string) (*tandem.Delivery, error) {
	ds, err := queryRows(ctx, db.r, store.ScanDelivery, `SELECT `+store.DeliveryColumns+` FROM deliveries WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("delivery by id: %w", err)
	}
	if len(ds) == 0 {
		return nil, tandem.Errorf(tandem.ENotFound, "delivery %q not found", id)
	}
	return ds[0], nil
}

// ListDeliveries returns the deliveries f selects, newest first.
func (db *DB) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*tandem.Delivery, error) {
	if err := store.CheckDeliveryFilter(f); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if f.BotID != "" {
		where = append(where, `bot_id = ?`)
		args = append(args, f.BotID)
	}
	if len(f.States) > 0 {
		where = append(where, `state IN (`+strings.Repeat(", ?", len(f.States))[2:]+`)`)
		for _, s := range f.States {
			args = append(args, string(s))
		}
	}
	q := `SELECT ` + store.DeliveryColumns + ` FROM deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	ds, err := queryRows(ctx, db.r, store.ScanDelivery, q+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, store.Limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return ds, nil
}

// DeliveryAttempts returns a delivery's attempts in order.
func (db *DB) DeliveryAttempts(ctx context.Context, deliveryID string) ([]*tandem.DeliveryAttempt, error) {
	if _, err := db.DeliveryByID(ctx, deliveryID); err != nil {
		return nil, err
	}
	as, err := queryRows(ctx, db.r, store.ScanDeliveryAttempt, `SELECT `+store.DeliveryAttemptColumns+` FROM delivery_attempts
		WHERE delivery_id = ? ORDER BY n`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("delivery attempts: %w", err)
	}
	return as, nil
}
