package sqlite

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/store"
)

// The passport's lookups go through indexes: verifying a token (every API
// call of a site), refreshing, a replayed refresh token, one device per
// site, the monitor's listings (in order, without sorting), the clean-up, and the cascades when an
// identity or site goes.
func TestPassportUsesIndexes(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	sel := `SELECT ` + store.GrantColumns + ` FROM grants `
	for _, c := range []struct {
		name, query, index string
		args               []any
	}{
		{"access hash", sel + `WHERE access_hash = ?`, "grants_access", []any{"h"}},
		{"refresh hash", sel + `WHERE refresh_hash = ?`, "grants_refresh", []any{"h"}},
		{"previous refresh hash", sel + `WHERE prev_refresh_hash = ? AND prev_refresh_hash <> ''`, "grants_prev_refresh", []any{"h"}},
		{"one device", `UPDATE grants SET ended_at = 1, end_reason = 'x' WHERE identity_id = ? AND site_id = ? AND device_id <> ?
			AND ended_at IS NULL AND expires_at > ?`, "grants_identity_site", []any{"i", "s", "d", 0}},
		{"a site's grants", sel + `WHERE site_id = ? ORDER BY created_at DESC, id DESC LIMIT 50`, "grants_site", []any{"s"}},
		{"every grant", sel + `ORDER BY created_at DESC, id DESC LIMIT 50`, "grants_created", nil},
		{"a person's grants on a site", sel + `WHERE identity_id = ? AND site_id = ? ORDER BY created_at DESC, id DESC LIMIT 50`,
			"grants_identity_site", []any{"i", "s"}},
		{"expired grants", `DELETE FROM grants WHERE expires_at < ?`, "grants_expires", []any{0}},
		{"expired codes", `DELETE FROM auth_codes WHERE expires_at <= ?`, "auth_codes_expires", []any{0}},
		{"a code", `DELETE FROM auth_codes WHERE hash = ?`, "sqlite_autoindex_auth_codes_1", []any{"h"}},
		{"expired sessions", `DELETE FROM passport_sessions WHERE expires_at < ?`, "passport_sessions_expires", []any{0}},
		{"a site's codes (cascade)", `SELECT hash FROM auth_codes WHERE site_id = ?`, "auth_codes_site", []any{"s"}},
		{"a person's codes (cascade)", `SELECT hash FROM auth_codes WHERE identity_id = ?`, "auth_codes_identity", []any{"i"}},
		{"a person's sessions (cascade)", `SELECT token_hash FROM passport_sessions WHERE identity_id = ?`, "passport_sessions_identity", []any{"i"}},
		// Sorted, but only the few grants of one person.
		{"a person's grants", sel + `WHERE identity_id = ? ORDER BY created_at DESC, id DESC LIMIT 50`, "grants_identity_site", []any{"i"}},
	} {
		if p := queryPlan(t, db, c.query, c.args...); !strings.Contains(p, c.index) || (strings.Contains(p, "TEMP B-TREE") && c.name != "a person's grants") {
			t.Errorf("%s: plan %q, want it to use %s", c.name, p, c.index)
		}
	}
}
