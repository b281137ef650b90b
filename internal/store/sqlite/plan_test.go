package sqlite

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

// LiveInvite finds an invite through the partial index on its token or code
// hash, not by reading every invite ever made or every invite of the site.
func TestLiveInviteUsesIndex(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	for col, index := range map[string]string{"token_hash": "invites_token", "code_hash": "invites_code"} {
		if p := queryPlan(t, db, liveInviteQuery(col), "hash", "site"); !strings.Contains(p, "USING INDEX "+index) {
			t.Errorf("live invite by %s: plan %q, want it to use %s", col, p, index)
		}
	}
}

// The budget of waiting requests counts a site's waiting assists through an
// index, not by reading the site's whole history.
func TestWaitingCountUsesIndex(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	p := queryPlan(t, db, `SELECT count(*) FROM assists WHERE site_id = ? AND state = 'waiting'`, "s")
	if !strings.Contains(p, "COVERING INDEX assists_site_state") {
		t.Errorf("plan %q, want it to use assists_site_state", p)
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

// The retention sweep reads only ended assists whose recording is kept,
// site by site, through the partial index, not every assist ever made.
func TestExpireRecordingsUsesIndex(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	p := queryPlan(t, db, expireQuery, 0, 10)
	if !strings.Contains(p, "assists_retention") {
		t.Errorf("plan %q, want it to use assists_retention", p)
	}
}

// The hot paths of conversations and the outbox go through indexes: an
// account's conversations, the newest message of each, a page of
// history, a repeated client id, the due deliveries, hooks and bots by
// token hash.
func TestChatUsesIndexes(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	member, memberArgs := conversationsQuery(store.ConversationFilter{Member: tandem.Account{Kind: tandem.AccountUser, ID: "u"}})
	queue, queueArgs := conversationsQuery(store.ConversationFilter{Queued: true, SiteIDs: []string{"s1", "s2"}})
	for _, tt := range []struct {
		name, query string
		args        []any
		want        []string
	}{
		{"an account's conversations", member, memberArgs, []string{"conversation_members_account", "messages_seq"}},
		{"the queue", queue, queueArgs, []string{"conversations_queue", "messages_seq"}},
		{"history", `SELECT id FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT 50`, []any{"c", 10}, []string{"messages_seq"}},
		{"client id", `SELECT id FROM messages WHERE conversation_id = ? AND author = ? AND client_id = ? AND client_id <> ''`, []any{"c", "user:u", "x"}, []string{"messages_client"}},
		{"due deliveries", claimQuery, []any{2, 1, 1, 10}, []string{"deliveries_due"}},
		{"hook by token", `SELECT id FROM hooks WHERE token_hash = ?`, []any{"h"}, []string{"(token_hash=?)"}},
		{"bot by token", `SELECT id FROM bots WHERE token_hash = ? AND token_hash <> ''`, []any{"h"}, []string{"bots_token"}},
		{"a bot's memberships", `DELETE FROM conversation_members WHERE account = ?`, []any{"bot:b"}, []string{"conversation_members_account"}},
	} {
		p := queryPlan(t, db, tt.query, tt.args...)
		for _, index := range tt.want {
			if !strings.Contains(p, index) {
				t.Errorf("%s: plan %q, want it to use %s", tt.name, p, index)
			}
		}
		if strings.Contains(p, "SCAN conversations") || strings.Contains(p, "SCAN messages") || strings.Contains(p, "SCAN deliveries") {
			t.Errorf("%s: plan %q reads a whole table", tt.name, p)
		}
	}
}

// A claim reads the due deliveries in the index's order and stops at its
// limit: no sort of every due delivery (a backlog due at one millisecond
// was read whole on every claim, which made the claim the outbox's
// bottleneck).
func TestClaimNeedsNoSort(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	p := queryPlan(t, db, claimQuery, 2, 1, 1, 10)
	if !strings.Contains(p, "deliveries_due") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan %q, want the due deliveries read through deliveries_due in order, without a sort", p)
	}
}
