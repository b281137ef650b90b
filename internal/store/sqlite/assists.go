package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

const assistColumns = `id, site_id, state, person_id, page_id, page_url, user_agent,
	viewport_width, viewport_height, viewport_dpr, agent_id, created_at, started_at, ended_at, end_reason, recording_deleted_at,
	verified_identity_id, verified_email, verified_name`

// CreateAssist inserts a, setting its ID and CreatedAt when empty, and its
// State to waiting when empty. An unknown site is tandem.ENotFound.
func (db *DB) CreateAssist(ctx context.Context, a *tandem.Assist) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return insertAssist(ctx, tx, a) })
}

// CreateWaitingAssist inserts a waiting assist unless its site has max
// waiting ones. The write transaction (BEGIN IMMEDIATE) holds the database's
// write lock from the count to the insert, across processes too.
func (db *DB) CreateWaitingAssist(ctx context.Context, a *tandem.Assist, max int) error {
	if a.State != "" && a.State != tandem.AssistWaiting {
		return tandem.Errorf(tandem.EInvalid, "a new request is waiting, not %s", a.State)
	}
	if max < 1 {
		return tandem.Errorf(tandem.EInvalid, "the budget of waiting requests must be at least 1")
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM assists WHERE site_id = ? AND state = 'waiting'`, a.SiteID).Scan(&n)
		if err != nil {
			return fmt.Errorf("count waiting assists: %w", err)
		}
		if n >= max {
			return tandem.Errorf(tandem.EUnavailable, "site %s has %d waiting requests, its budget", a.SiteID, n)
		}
		return insertAssist(ctx, tx, a)
	})
}

// insertAssist inserts a in tx, filling in what CreateAssist promises.
func insertAssist(ctx context.Context, tx *sql.Tx, a *tandem.Assist) error {
	c := *a
	if c.State == "" {
		c.State = tandem.AssistWaiting
	}
	if err := store.CheckState(c.State); err != nil {
		return err
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := tx.ExecContext(ctx, `INSERT INTO assists (`+assistColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.SiteID, string(c.State), c.PersonID, c.PageID, c.PageURL, c.UserAgent,
		c.Viewport.Width, c.Viewport.Height, c.Viewport.DPR, c.AgentID,
		toMillis(c.CreatedAt), toMillis(c.StartedAt), toMillis(c.EndedAt), c.EndReason, toMillis(c.RecordingDeletedAt),
		c.Verified.IdentityID, c.Verified.Email, c.Verified.Name)
	switch {
	case isForeignKey(err):
		return tandem.Errorf(tandem.ENotFound, "site %q not found", c.SiteID)
	case isUnique(err):
		return tandem.Errorf(tandem.EConflict, "an assist with id %q exists", c.ID)
	case err != nil:
		return fmt.Errorf("create assist: %w", err)
	}
	*a = c
	return nil
}

// AssistByID returns the assist with the given id.
func (db *DB) AssistByID(ctx context.Context, id string) (*tandem.Assist, error) {
	a, err := scanAssist(db.r.QueryRowContext(ctx, `SELECT `+assistColumns+` FROM assists WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "assist %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("assist by id: %w", err)
	}
	return a, nil
}

// UpdateAssist writes the state, agent, viewport, start and end times and end
// reason of a if its stored state is from. The condition is in the UPDATE
// itself, so two writers on one file, in one process or two, cannot both pass.
func (db *DB) UpdateAssist(ctx context.Context, a *tandem.Assist, from tandem.AssistState) error {
	if err := store.CheckTransition(from, a.State); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE assists SET state = ?, agent_id = ?,
			viewport_width = ?, viewport_height = ?, viewport_dpr = ?,
			started_at = ?, ended_at = ?, end_reason = ? WHERE id = ? AND state = ?`,
			string(a.State), a.AgentID, a.Viewport.Width, a.Viewport.Height, a.Viewport.DPR,
			toMillis(a.StartedAt), toMillis(a.EndedAt), a.EndReason, a.ID, string(from))
		if err != nil {
			return fmt.Errorf("update assist: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var now string
		err = tx.QueryRowContext(ctx, `SELECT state FROM assists WHERE id = ?`, a.ID).Scan(&now)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "assist %q not found", a.ID)
		}
		if err != nil {
			return fmt.Errorf("update assist: %w", err)
		}
		return tandem.Errorf(tandem.EConflict, "this assist is %s now, not %s", now, from)
	})
}

// assistWhere returns the WHERE clause (or "") and its arguments for f's
// states, site and cursor; cmp is the cursor's comparison, "<" or ">".
func assistWhere(f store.AssistFilter, cmp string) (string, []any) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		for i, s := range f.States {
			marks[i] = "?"
			args = append(args, string(s))
		}
		where = append(where, "state IN ("+strings.Join(marks, ", ")+")")
	}
	if f.SiteID != "" {
		where = append(where, "site_id = ?")
		args = append(args, f.SiteID)
	}
	if f.After != "" && cmp != "" {
		t, id, _ := store.ParseAssistCursor(f.After) // checked by the caller
		where = append(where, "(created_at, id) "+cmp+" (?, ?)")
		args = append(args, t.UnixMilli(), id)
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// ListAssists returns the assists f selects, newest (or oldest) first.
func (db *DB) ListAssists(ctx context.Context, f store.AssistFilter) ([]*tandem.Assist, error) {
	if err := store.CheckAssistFilter(f); err != nil {
		return nil, err
	}
	dir, cmp := "DESC", "<"
	if f.Oldest {
		dir, cmp = "ASC", ">"
	}
	where, args := assistWhere(f, cmp)
	limit := f.Limit
	if limit == 0 {
		limit = store.DefaultAssistLimit
	}
	q := `SELECT ` + assistColumns + ` FROM assists` + where +
		` ORDER BY created_at ` + dir + `, id ` + dir + ` LIMIT ?`
	args = append(args, limit)
	as, err := queryRows(ctx, db.r, scanAssist, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list assists: %w", err)
	}
	return as, nil
}

// CountAssists returns how many assists f selects, by state.
func (db *DB) CountAssists(ctx context.Context, f store.AssistFilter) (map[tandem.AssistState]int, error) {
	if err := store.CheckAssistFilter(f); err != nil {
		return nil, err
	}
	where, args := assistWhere(f, "")
	rows, err := db.r.QueryContext(ctx, `SELECT state, count(*) FROM assists`+where+` GROUP BY state`, args...)
	if err != nil {
		return nil, fmt.Errorf("count assists: %w", err)
	}
	defer rows.Close()
	out := make(map[tandem.AssistState]int)
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count assists: %w", err)
		}
		out[tandem.AssistState(state)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count assists: %w", err)
	}
	return out, nil
}

func scanAssist(s scanner) (*tandem.Assist, error) {
	var a tandem.Assist
	var state string
	var created, started, ended, deleted sql.NullInt64
	err := s.Scan(&a.ID, &a.SiteID, &state, &a.PersonID, &a.PageID, &a.PageURL, &a.UserAgent,
		&a.Viewport.Width, &a.Viewport.Height, &a.Viewport.DPR, &a.AgentID,
		&created, &started, &ended, &a.EndReason, &deleted,
		&a.Verified.IdentityID, &a.Verified.Email, &a.Verified.Name)
	if err != nil {
		return nil, err
	}
	a.State = tandem.AssistState(state)
	a.CreatedAt, a.StartedAt, a.EndedAt = fromMillis(created), fromMillis(started), fromMillis(ended)
	a.RecordingDeletedAt = fromMillis(deleted)
	return &a, nil
}

// RecordConsent appends a person's answer to an assist's consent records,
// setting At when zero.
func (db *DB) RecordConsent(ctx context.Context, c *tandem.Consent) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return insertConsent(ctx, tx, c) })
}

// insertConsent inserts c in tx, setting At when zero.
func insertConsent(ctx context.Context, tx *sql.Tx, c *tandem.Consent) error {
	if c.At.IsZero() {
		c.At = now()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO consents (assist_id, agent_id, person_id, page_url, method, allowed, text, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AssistID, c.AgentID, c.PersonID, c.PageURL, c.Method, c.Allowed, c.Text, toMillis(c.At))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", c.AssistID)
	}
	if err != nil {
		return fmt.Errorf("record consent: %w", err)
	}
	return nil
}

// ConsentsFor returns an assist's consent records in time order.
func (db *DB) ConsentsFor(ctx context.Context, assistID string) ([]*tandem.Consent, error) {
	if err := db.assistExists(ctx, assistID); err != nil {
		return nil, err
	}
	cs, err := queryRows(ctx, db.r, scanConsent, `SELECT assist_id, agent_id, person_id, page_url, method, allowed, text, at
		FROM consents WHERE assist_id = ? ORDER BY at, id`, assistID)
	if err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	return cs, nil
}

func scanConsent(s scanner) (*tandem.Consent, error) {
	var c tandem.Consent
	var at sql.NullInt64
	if err := s.Scan(&c.AssistID, &c.AgentID, &c.PersonID, &c.PageURL, &c.Method, &c.Allowed, &c.Text, &at); err != nil {
		return nil, err
	}
	c.At = fromMillis(at)
	return &c, nil
}

// AddPage records a page of an assist, setting At when zero. A repeat of the
// same (assist, page id, hash) is ignored and keeps the first record.
func (db *DB) AddPage(ctx context.Context, p *tandem.Page) error {
	if p.PageID == "" {
		return tandem.Errorf(tandem.EInvalid, "a page needs a page id")
	}
	if p.At.IsZero() {
		p.At = now()
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO pages (assist_id, page_id, hash, url, title, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (assist_id, page_id, hash) DO NOTHING`,
		p.AssistID, p.PageID, p.Hash, p.URL, p.Title, toMillis(p.At))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", p.AssistID)
	}
	if err != nil {
		return fmt.Errorf("add page: %w", err)
	}
	return nil
}

// PagesFor returns the pages of an assist in time order.
func (db *DB) PagesFor(ctx context.Context, assistID string) ([]*tandem.Page, error) {
	if err := db.assistExists(ctx, assistID); err != nil {
		return nil, err
	}
	ps, err := queryRows(ctx, db.r, scanPage, `SELECT assist_id, page_id, url, title, hash, at
		FROM pages WHERE assist_id = ? ORDER BY at, rowid`, assistID)
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	return ps, nil
}

func scanPage(s scanner) (*tandem.Page, error) {
	var p tandem.Page
	var at sql.NullInt64
	if err := s.Scan(&p.AssistID, &p.PageID, &p.URL, &p.Title, &p.Hash, &at); err != nil {
		return nil, err
	}
	p.At = fromMillis(at)
	return &p, nil
}

// assistExists returns tandem.ENotFound when there is no assist with id.
func (db *DB) assistExists(ctx context.Context, id string) error {
	var one int
	err := db.r.QueryRowContext(ctx, `SELECT 1 FROM assists WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", id)
	}
	if err != nil {
		return fmt.Errorf("assist %s: %w", id, err)
	}
	return nil
}
