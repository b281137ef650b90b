package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// Limits of ListTerminals.
const (
	defaultTerminalLimit = 100
	maxTerminalLimit     = 1000
)

const terminalColumns = `id, host_key, host_name, command, read_only, approve, created_at, ended_at, end_reason, recording_id, record_input`

// CreateTerminal inserts t, setting its ID and CreatedAt when empty.
func (db *DB) CreateTerminal(ctx context.Context, t *store.Terminal) error {
	c := *t
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := db.pool.Exec(ctx, `INSERT INTO terminals (`+terminalColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.HostKey, c.HostName, c.Command, c.ReadOnly, c.Approve,
		toMillis(c.CreatedAt), toMillis(c.EndedAt), c.EndReason, c.RecordingID, c.RecordInput)
	if isUnique(err) {
		return tandem.Errorf(tandem.EConflict, "a terminal session with id %q exists", c.ID)
	}
	if err != nil {
		return wrapErr(err, "create terminal")
	}
	*t = c
	return nil
}

// TerminalByID returns the terminal session with the given id.
func (db *DB) TerminalByID(ctx context.Context, id string) (*store.Terminal, error) {
	t, err := scanTerminal(db.pool.QueryRow(ctx, `SELECT `+terminalColumns+` FROM terminals WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "terminal session %q not found", id)
	}
	if err != nil {
		return nil, wrapErr(err, "terminal by id")
	}
	return t, nil
}

// EndTerminal marks a session ended at the given time with a reason and
// clears the host's key, so that the key opens nothing any more. Ending a
// session that has ended already changes nothing and is not an error: the
// first end's time and reason are the true ones. Of two ends at once, the
// second waits for the first's row lock and then sees its end.
func (db *DB) EndTerminal(ctx context.Context, id, reason string, at time.Time) error {
	if at.IsZero() {
		at = now()
	}
	tag, err := db.pool.Exec(ctx, `UPDATE terminals SET host_key = '', ended_at = coalesce(ended_at, $1),
		end_reason = CASE WHEN ended_at IS NULL THEN $2 ELSE end_reason END WHERE id = $3`,
		toMillis(at), reason, id)
	if err != nil {
		return wrapErr(err, "end terminal")
	}
	return affected(tag, func() error { return tandem.Errorf(tandem.ENotFound, "terminal session %q not found", id) })
}

// EndLiveTerminals ends every session that has not ended, in one statement,
// and returns their ids.
func (db *DB) EndLiveTerminals(ctx context.Context, reason string, at time.Time) ([]string, error) {
	if at.IsZero() {
		at = now()
	}
	ids, err := queryRows(ctx, db.pool, func(r pgx.Row) (id string, err error) { return id, r.Scan(&id) },
		`UPDATE terminals SET host_key = '', ended_at = $1, end_reason = $2 WHERE ended_at IS NULL RETURNING id`,
		toMillis(at), reason)
	if err != nil {
		return nil, wrapErr(err, "end live terminals")
	}
	return ids, nil
}

// ListTerminals returns terminal sessions newest first, only those not ended
// when liveOnly. A limit of 0 means 100.
func (db *DB) ListTerminals(ctx context.Context, liveOnly bool, limit int) ([]*store.Terminal, error) {
	if limit <= 0 {
		limit = defaultTerminalLimit
	}
	limit = min(limit, maxTerminalLimit)
	q := `SELECT ` + terminalColumns + ` FROM terminals`
	if liveOnly {
		q += ` WHERE ended_at IS NULL`
	}
	q += ` ORDER BY created_at DESC, seq DESC LIMIT $1`
	ts, err := queryRows(ctx, db.pool, scanTerminal, q, limit)
	if err != nil {
		return nil, wrapErr(err, "list terminals")
	}
	return ts, nil
}

func scanTerminal(r pgx.Row) (*store.Terminal, error) {
	var t store.Terminal
	var created, ended *int64
	err := r.Scan(&t.ID, &t.HostKey, &t.HostName, &t.Command, &t.ReadOnly, &t.Approve,
		&created, &ended, &t.EndReason, &t.RecordingID, &t.RecordInput)
	if err != nil {
		return nil, err
	}
	t.CreatedAt, t.EndedAt = fromMillis(created), fromMillis(ended)
	return &t, nil
}
