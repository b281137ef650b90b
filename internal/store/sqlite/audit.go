package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tandemhq/tandem"
)

// AppendAudit appends e to the audit log, setting its ID, and At when zero.
func (db *DB) AppendAudit(ctx context.Context, e *tandem.AuditEntry) error {
	if e.SessionID == "" || e.Actor == "" || e.Action == "" {
		return tandem.Errorf(tandem.EInvalid, "an audit entry needs a session, an actor and an action")
	}
	if e.At.IsZero() {
		e.At = now()
	}
	res, err := db.w.ExecContext(ctx, `INSERT INTO audit (session_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)`,
		e.SessionID, e.Actor, e.Action, e.Detail, toMillis(e.At))
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	e.ID = id
	return nil
}

// AuditFor returns the audit log of a session in time order, entries of the
// same millisecond in the order they were appended. The log outlives the
// sessions it describes, so an id with no entries gives an empty list, not
// an error.
func (db *DB) AuditFor(ctx context.Context, sessionID string) ([]*tandem.AuditEntry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, session_id, actor, action, detail, at
		FROM audit WHERE session_id = ? ORDER BY at, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var es []*tandem.AuditEntry
	for rows.Next() {
		var e tandem.AuditEntry
		var at sql.NullInt64
		if err := rows.Scan(&e.ID, &e.SessionID, &e.Actor, &e.Action, &e.Detail, &at); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		e.At = fromMillis(at)
		es = append(es, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return es, nil
}
