package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// insertDelivery inserts d (checked) in tx, setting its ID, CreatedAt and
// NextAttemptAt when empty.
func insertDelivery(ctx context.Context, tx pgx.Tx, d *tandem.Delivery) error {
	setIDAndTime(&d.ID, &d.CreatedAt)
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = d.CreatedAt
	}
	_, err := tx.Exec(ctx, `INSERT INTO deliveries (`+store.DeliveryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		d.ID, d.BotID, string(d.Kind), d.ConversationID, d.MessageID, d.URL, d.Payload, string(d.State), d.Attempts,
		toMillis(d.NextAttemptAt), d.LastStatus, d.LastError, toMillis(d.CreatedAt), toMillis(d.DoneAt))
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "bot %q or conversation %q not found", d.BotID, d.ConversationID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "a delivery with id %q exists", d.ID)
	case err != nil:
		return wrapErr(err, "enqueue delivery")
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
	err = db.tx(ctx, func(tx pgx.Tx) error {
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

// ClaimDeliveries hides up to limit due pending deliveries from other
// claims until now+lockFor and returns them, oldest first. It is one
// UPDATE, so two claims (in this process or another) never take one row.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lockFor time.Duration) ([]*tandem.Delivery, error) {
	if err := store.CheckClaim(limit, lockFor); err != nil {
		return nil, err
	}
	ms := now.UnixMilli()
	ds, err := queryRows(ctx, db.pool, scanWith(store.ScanDelivery), `UPDATE deliveries SET locked_until = $1
		WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $2
			AND (locked_until IS NULL OR locked_until <= $3) ORDER BY next_attempt_at, created_at, id LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING `+store.DeliveryColumns, now.Add(lockFor).UnixMilli(), ms, ms, limit)
	if err != nil {
		return nil, wrapErr(err, "claim deliveries")
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
// record then has written nothing, and no statement fails (which would
// abort the whole transaction). The casts type the parameters, which a
// SELECT list leaves unknown.
const (
	insertAttemptQuery = `INSERT INTO delivery_attempts (` + store.DeliveryAttemptColumns + `)
		SELECT $1::text, $2::bigint, $3::bigint, $4::bigint, $5::text, $6::bigint WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = $1)
		ON CONFLICT (delivery_id, n) DO NOTHING`
	updateDeliveryQuery = `UPDATE deliveries SET state = $1, attempts = $2, next_attempt_at = COALESCE($3, next_attempt_at), last_status = $4,
		last_error = $5, done_at = $6, locked_until = NULL WHERE id = $7`
)

// RecordAttempts records each of rs as RecordAttempt does, all in one
// transaction; errs[i] says why rs[i] was refused (nil: written).
func (db *DB) RecordAttempts(ctx context.Context, rs []store.AttemptRecord) ([]error, error) {
	errs, checked, err := store.CheckAttempts(rs)
	if err != nil || len(checked) == 0 {
		return errs, err
	}
	err = db.tx(ctx, func(tx pgx.Tx) error {
		for _, c := range checked {
			d, a := c.Delivery, c.Attempt
			if a != nil {
				res, err := tx.Exec(ctx, insertAttemptQuery, a.DeliveryID, a.N, toMillis(a.At), a.Status, a.Error, a.Duration.Milliseconds())
				if err != nil {
					return err
				}
				if res.RowsAffected() == 0 {
					var exists bool
					if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE id = $1)`, a.DeliveryID).Scan(&exists); err != nil {
						return err
					}
					if exists {
						errs[c.Index] = tandem.Errorf(tandem.EConflict, "delivery %s has an attempt %d already", a.DeliveryID, a.N)
					} else {
						errs[c.Index] = tandem.Errorf(tandem.ENotFound, "delivery %q not found", a.DeliveryID)
					}
					continue
				}
			}
			res, err := tx.Exec(ctx, updateDeliveryQuery, string(d.State), d.Attempts, toMillis(d.NextAttemptAt), d.LastStatus, d.LastError, toMillis(d.DoneAt), d.ID)
			if err != nil {
				return err
			}
			errs[c.Index] = affected(res, func() error { return tandem.Errorf(tandem.ENotFound, "delivery %q not found", d.ID) })
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(err, "record attempts")
	}
	return errs, nil
}

// DeliveryByID returns the delivery with the given id.
func (db *DB) DeliveryByID(ctx context.Context, id string) (*tandem.Delivery, error) {
	ds, err := queryRows(ctx, db.pool, scanWith(store.ScanDelivery), `SELECT `+store.DeliveryColumns+` FROM deliveries WHERE id = $1`, id)
	if err != nil {
		return nil, wrapErr(err, "delivery by id")
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
		args = append(args, f.BotID)
		where = append(where, `bot_id = $`+strconv.Itoa(len(args)))
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		args = append(args, states)
		where = append(where, `state = ANY($`+strconv.Itoa(len(args))+`)`)
	}
	q := `SELECT ` + store.DeliveryColumns + ` FROM deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	ds, err := queryRows(ctx, db.pool, scanWith(store.ScanDelivery), q+` ORDER BY created_at DESC, id DESC LIMIT $`+strconv.Itoa(len(args)+1), append(args, store.Limit(f.Limit))...)
	if err != nil {
		return nil, wrapErr(err, "list deliveries")
	}
	return ds, nil
}

// DeliveryAttempts returns a delivery's attempts in order.
func (db *DB) DeliveryAttempts(ctx context.Context, deliveryID string) ([]*tandem.DeliveryAttempt, error) {
	if _, err := db.DeliveryByID(ctx, deliveryID); err != nil {
		return nil, err
	}
	as, err := queryRows(ctx, db.pool, scanWith(store.ScanDeliveryAttempt), `SELECT `+store.DeliveryAttemptColumns+` FROM delivery_attempts
		WHERE delivery_id = $1 ORDER BY n`, deliveryID)
	if err != nil {
		return nil, wrapErr(err, "delivery attempts")
	}
	return as, nil
}
