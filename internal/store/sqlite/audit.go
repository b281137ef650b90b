package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
	es, err := db.queryAudit(ctx, `WHERE session_id = ?`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", sessionID, err)
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
	args := make([]any, 0, 1+len(sessionIDs))
	args = append(args, action)
	for _, id := range sessionIDs {
		args = append(args, id)
	}
	marks := strings.Repeat(", ?", len(sessionIDs))[2:]
	es, err := db.queryAudit(ctx, `WHERE action = ? AND session_id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("%s entries of %d sessions: %w", action, len(sessionIDs), err)
	}
	for _, e := range es {
		bySession[e.SessionID] = append(bySession[e.SessionID], e)
	}
	return bySession, nil
}

// queryAudit returns the entries that where selects, in time order, entries
// of the same millisecond in the order they were appended.
func (db *DB) queryAudit(ctx context.Context, where string, args ...any) ([]*tandem.AuditEntry, error) {
	return queryRows(ctx, db.r, scanAudit, `SELECT id, session_id, actor, action, detail, at
		FROM audit `+where+` ORDER BY at, id`, args...)
}

func scanAudit(s scanner) (*tandem.AuditEntry, error) {
	var e tandem.AuditEntry
	var at sql.NullInt64
	if err := s.Scan(&e.ID, &e.SessionID, &e.Actor, &e.Action, &e.Detail, &at); err != nil {
		return nil, err
	}
	e.At = fromMillis(at)
	return &e, nil
}
