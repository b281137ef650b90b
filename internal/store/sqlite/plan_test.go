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
			rows, err := db.w.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+q.sql, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			if p := strings.Join(plan, "; "); !strings.Contains(p, "USING INDEX "+index) {
				t.Errorf("%s query by %s: plan %q, want it to use %s", q.name, col, p, index)
			}
		}
	}
}
