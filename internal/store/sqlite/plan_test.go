package sqlite

import (
	"strings"
	"testing"
)

// UseInvite finds an invite through the partial index on its token or code
// hash, not by reading every invite ever made.
func TestUseInviteUsesIndex(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	for col, index := range map[string]string{"token_hash": "invites_token", "code_hash": "invites_code"} {
		use, newest := inviteQueries(col)
		for _, q := range []struct {
			name, sql string
			args      []any
		}{
			{"use", use, []any{0, "hash", 0}},
			{"newest", newest, []any{"hash"}},
		} {
			if p := queryPlan(t, db, q.sql, q.args...); !strings.Contains(p, "USING INDEX "+index) {
				t.Errorf("%s query by %s: plan %q, want it to use %s", q.name, col, p, index)
			}
		}
	}
}

// Deleting a site finds its invites (ON DELETE CASCADE) through an index.
func TestInvitesOfSiteUseIndex(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	if p := queryPlan(t, db, `SELECT id FROM invites WHERE site_id = ?`, "s"); !strings.Contains(p, "invites_site") {
		t.Errorf("plan %q, want it to use invites_site", p)
	}
}

// queryPlan returns SQLite's plan for query, its steps joined by "; ".
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.w.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
