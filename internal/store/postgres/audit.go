package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// AppendAudit appends e to the audit log, setting its ID, and At when zero.
func (db *DB) AppendAudit(ctx context.Context, e *tandem.AuditEntry) error {
	if e.SessionID == "" || e.Actor == "" || e.Action == "" {
		return tandem.Errorf(tandem.EInvalid, "an audit entry needs a session, an actor and an action")
	}
	if e.At.IsZero() {
		e.At = now()
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO audit (session_id, actor, action, detail, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		e.SessionID, e.Actor, e.Action, e.Detail, toMillis(e.At)).Scan(&e.ID)
	if err != nil {
		return wrapErr(err, "append audit")
	}
	return nil
}

// AuditFor returns the audit log of a session in time order, entries of the
// same millisecond in the order they were appended. The log outlives the
// sessions it describes, so an id with no entries gives an empty list, not
// an error.
func (db *DB) AuditFor(ctx context.Context, sessionID string) ([]*tandem.AuditEntry, error) {
	es, err := db.queryAudit(ctx, `WHERE session_id = $1`, sessionID)
	if err != nil {
		return nil, wrapErr(err, "audit of %s", sessionID)
	}
	return es, nil
}

// AuditForSessions returns, in one query, the entries with the given action
// of each of the sessions, by session id, each in the order of AuditFor. A
// session with no such entries is not in the map.
func (db *DB) AuditForSessions(ctx context.Context, sessionIDs []string, action string) (map[string][]*tandem.AuditEntry, error) {
	if err := store.CheckAuditForSessions(sessionIDs, action); err != nil {
		return nil, err
	}
	bySession := make(map[string][]*tandem.AuditEntry)
	if len(sessionIDs) == 0 {
		return bySession, nil
	}
	es, err := db.queryAudit(ctx, `WHERE action = $1 AND session_id = ANY($2)`, action, sessionIDs)
	if err != nil {
		return nil, wrapErr(err, "%s entries of %d sessions", action, len(sessionIDs))
	}
	for _, e := range es {
		bySession[e.SessionID] = append(bySession[e.SessionID], e)
	}
	return bySession, nil
}

// queryAudit returns the entries that where selects, in time order, entries
// of the same millisecond in the order they were appended.
func (db *DB) queryAudit(ctx context.Context, where string, args ...any) ([]*tandem.AuditEntry, error) {
	return queryRows(ctx, db.pool, scanAudit, `SELECT id, session_id, actor, action, detail, at
		FROM audit `+where+` ORDER BY at, id`, args...)
}

func scanAudit(r pgx.Row) (*tandem.AuditEntry, error) {
	var e tandem.AuditEntry
	var at *int64
	if err := r.Scan(&e.ID, &e.SessionID, &e.Actor, &e.Action, &e.Detail, &at); err != nil {
		return nil, err
	}
	e.At = fromMillis(at)
	return &e, nil
}
