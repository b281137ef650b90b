package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

const assistColumns = `id, site_id, state, person_id, page_id, page_url, user_agent,
	viewport_width, viewport_height, viewport_dpr, agent_id, created_at, started_at, ended_at, end_reason, recording_deleted_at,
	verified_identity_id, verified_email, verified_name`

// CreateAssist inserts a, setting its ID and CreatedAt when empty, and its
// State to waiting when empty. An unknown site is tandem.ENotFound.
func (db *DB) CreateAssist(ctx context.Context, a *tandem.Assist) error {
	return insertAssist(ctx, db.pool, a)
}

// CreateWaitingAssist inserts a waiting assist unless its site has max
// waiting ones. The transaction first locks the site's row, so that the
// count and the insert of one site's requests take turns, on any number of
// servers; requests for other sites do not wait.
func (db *DB) CreateWaitingAssist(ctx context.Context, a *tandem.Assist, max int) error {
	if a.State != "" && a.State != tandem.AssistWaiting {
		return tandem.Errorf(tandem.EInvalid, "a new request is waiting, not %s", a.State)
	}
	if max < 1 {
		return tandem.Errorf(tandem.EInvalid, "the budget of waiting requests must be at least 1")
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		// NO KEY UPDATE: it excludes another budget check of the site, but
		// not the key-share lock that inserting any assist of the site takes.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM sites WHERE id = $1 FOR NO KEY UPDATE`, a.SiteID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return tandem.Errorf(tandem.ENotFound, "site %q not found", a.SiteID)
		}
		if err != nil {
			return wrapErr(err, "lock site for the waiting budget")
		}
		var n int
		err = tx.QueryRow(ctx, `SELECT count(*) FROM assists WHERE site_id = $1 AND state = 'waiting'`, a.SiteID).Scan(&n)
		if err != nil {
			return wrapErr(err, "count waiting assists")
		}
		if n >= max {
			return tandem.Errorf(tandem.EUnavailable, "site %s has %d waiting requests, its budget", a.SiteID, n)
		}
		return insertAssist(ctx, tx, a)
	})
}

// insertAssist inserts a with q, filling in what CreateAssist promises.
func insertAssist(ctx context.Context, q querier, a *tandem.Assist) error {
	c := *a
	if c.State == "" {
		c.State = tandem.AssistWaiting
	}
	if err := store.CheckState(c.State); err != nil {
		return err
	}
	setIDAndTime(&c.ID, &c.CreatedAt)
	_, err := q.Exec(ctx, `INSERT INTO assists (`+assistColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
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
		return wrapErr(err, "create assist")
	}
	*a = c
	return nil
}

// AssistByID returns the assist with the given id.
func (db *DB) AssistByID(ctx context.Context, id string) (*tandem.Assist, error) {
	a, err := scanAssist(db.pool.QueryRow(ctx, `SELECT `+assistColumns+` FROM assists WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENotFound, "assist %q not found", id)
	}
	if err != nil {
		return nil, wrapErr(err, "assist by id")
	}
	return a, nil
}

// UpdateAssist writes the state, agent, viewport, start and end times and end
// reason of a if its stored state is from. The condition is in the UPDATE
// itself: of two writers, the second waits for the first's row lock and
// then finds the state changed, so it updates nothing.
func (db *DB) UpdateAssist(ctx context.Context, a *tandem.Assist, from tandem.AssistState) error {
	if err := store.CheckTransition(from, a.State); err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE assists SET state = $1, agent_id = $2,
		viewport_width = $3, viewport_height = $4, viewport_dpr = $5,
		started_at = $6, ended_at = $7, end_reason = $8 WHERE id = $9 AND state = $10`,
		string(a.State), a.AgentID, a.Viewport.Width, a.Viewport.Height, a.Viewport.DPR,
		toMillis(a.StartedAt), toMillis(a.EndedAt), a.EndReason, a.ID, string(from))
	if err != nil {
		return wrapErr(err, "update assist")
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var state string
	err = db.pool.QueryRow(ctx, `SELECT state FROM assists WHERE id = $1`, a.ID).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", a.ID)
	}
	if err != nil {
		return wrapErr(err, "update assist")
	}
	return tandem.Errorf(tandem.EConflict, "this assist is %s now, not %s", state, from)
}

// assistWhere returns the WHERE clause (or "") and its arguments for f's
// states, site and cursor; cmp is the cursor's comparison, "<" or ">".
func assistWhere(f store.AssistFilter, cmp string) (string, []any) {
	var where []string
	var args []any
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		where = append(where, "state = ANY("+param(states)+")")
	}
	if f.SiteID != "" {
		where = append(where, "site_id = "+param(f.SiteID))
	}
	if f.After != "" && cmp != "" {
		t, id, _ := store.ParseAssistCursor(f.After) // checked by the caller
		where = append(where, "(created_at, id) "+cmp+" ("+param(t.UnixMilli())+", "+param(id)+")")
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
	args = append(args, limit)
	q := `SELECT ` + assistColumns + ` FROM assists` + where +
		` ORDER BY created_at ` + dir + `, id ` + dir + ` LIMIT $` + strconv.Itoa(len(args))
	as, err := queryRows(ctx, db.pool, scanAssist, q, args...)
	if err != nil {
		return nil, wrapErr(err, "list assists")
	}
	return as, nil
}

// CountAssists returns how many assists f selects, by state.
func (db *DB) CountAssists(ctx context.Context, f store.AssistFilter) (map[tandem.AssistState]int, error) {
	if err := store.CheckAssistFilter(f); err != nil {
		return nil, err
	}
	where, args := assistWhere(f, "")
	type count struct {
		state string
		n     int
	}
	counts, err := queryRows(ctx, db.pool, func(r pgx.Row) (c count, err error) { return c, r.Scan(&c.state, &c.n) },
		`SELECT state, count(*) FROM assists`+where+` GROUP BY state`, args...)
	if err != nil {
		return nil, wrapErr(err, "count assists")
	}
	out := make(map[tandem.AssistState]int, len(counts))
	for _, c := range counts {
		out[tandem.AssistState(c.state)] = c.n
	}
	return out, nil
}

func scanAssist(r pgx.Row) (*tandem.Assist, error) {
	var a tandem.Assist
	var state string
	var created, started, ended, deleted *int64
	err := r.Scan(&a.ID, &a.SiteID, &state, &a.PersonID, &a.PageID, &a.PageURL, &a.UserAgent,
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
	return insertConsent(ctx, db.pool, c)
}

// insertConsent inserts c with q, setting At when zero.
func insertConsent(ctx context.Context, q querier, c *tandem.Consent) error {
	if c.At.IsZero() {
		c.At = now()
	}
	_, err := q.Exec(ctx, `INSERT INTO consents (assist_id, agent_id, person_id, page_url, method, allowed, text, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.AssistID, c.AgentID, c.PersonID, c.PageURL, c.Method, c.Allowed, c.Text, toMillis(c.At))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", c.AssistID)
	}
	if err != nil {
		return wrapErr(err, "record consent")
	}
	return nil
}

// ConsentsFor returns an assist's consent records in time order.
func (db *DB) ConsentsFor(ctx context.Context, assistID string) ([]*tandem.Consent, error) {
	if err := db.assistExists(ctx, assistID); err != nil {
		return nil, err
	}
	cs, err := queryRows(ctx, db.pool, scanConsent, `SELECT assist_id, agent_id, person_id, page_url, method, allowed, text, at
		FROM consents WHERE assist_id = $1 ORDER BY at, id`, assistID)
	if err != nil {
		return nil, wrapErr(err, "consents")
	}
	return cs, nil
}

func scanConsent(r pgx.Row) (*tandem.Consent, error) {
	var c tandem.Consent
	var at *int64
	if err := r.Scan(&c.AssistID, &c.AgentID, &c.PersonID, &c.PageURL, &c.Method, &c.Allowed, &c.Text, &at); err != nil {
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
	_, err := db.pool.Exec(ctx, `INSERT INTO pages (assist_id, page_id, hash, url, title, at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (assist_id, page_id, hash) DO NOTHING`,
		p.AssistID, p.PageID, p.Hash, p.URL, p.Title, toMillis(p.At))
	if isForeignKey(err) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", p.AssistID)
	}
	if err != nil {
		return wrapErr(err, "add page")
	}
	return nil
}

// PagesFor returns the pages of an assist in time order, pages of the same
// millisecond in the order they were added.
func (db *DB) PagesFor(ctx context.Context, assistID string) ([]*tandem.Page, error) {
	if err := db.assistExists(ctx, assistID); err != nil {
		return nil, err
	}
	ps, err := queryRows(ctx, db.pool, scanPage, `SELECT assist_id, page_id, url, title, hash, at
		FROM pages WHERE assist_id = $1 ORDER BY at, seq`, assistID)
	if err != nil {
		return nil, wrapErr(err, "pages")
	}
	return ps, nil
}

func scanPage(r pgx.Row) (*tandem.Page, error) {
	var p tandem.Page
	var at *int64
	if err := r.Scan(&p.AssistID, &p.PageID, &p.URL, &p.Title, &p.Hash, &at); err != nil {
		return nil, err
	}
	p.At = fromMillis(at)
	return &p, nil
}

// assistExists returns tandem.ENotFound when there is no assist with id.
func (db *DB) assistExists(ctx context.Context, id string) error {
	var one int
	err := db.pool.QueryRow(ctx, `SELECT 1 FROM assists WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return tandem.Errorf(tandem.ENotFound, "assist %q not found", id)
	}
	if err != nil {
		return wrapErr(err, "assist %s", id)
	}
	return nil
}
