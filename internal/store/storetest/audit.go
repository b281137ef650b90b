package storetest

import (
	"context"
	"strconv"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	entries := []*tandem.AuditEntry{
		{SessionID: "assist-1", Actor: "agent:a1", Action: "accept", At: at(2)},
		{SessionID: "assist-1", Actor: "person:p1", Action: "consent.allow", Detail: "https://shop.example/", At: at(3)},
		{SessionID: "assist-1", Actor: "system", Action: "start", At: at(1)},
		{SessionID: "term-1", Actor: "helper:SHA256:abc", Action: "join", At: at(2)},
		{SessionID: "assist-1", Actor: "agent:a1", Action: "end", At: at(3)}, // same time as consent.allow, appended later
	}
	for _, e := range entries {
		must(t, s.AppendAudit(ctx, e), "AppendAudit")
		if e.ID == 0 {
			t.Errorf("AppendAudit left ID zero for %s", e.Action)
		}
	}
	if entries[0].ID == entries[1].ID {
		t.Error("two audit entries got the same id")
	}
	now := &tandem.AuditEntry{SessionID: "term-1", Actor: "system", Action: "end"}
	must(t, s.AppendAudit(ctx, now), "AppendAudit without At")
	if now.At.IsZero() {
		t.Error("AppendAudit left At zero")
	}

	got, err := s.AuditFor(ctx, "assist-1")
	must(t, err, "AuditFor")
	want := []*tandem.AuditEntry{entries[2], entries[0], entries[1], entries[4]}
	if len(got) != len(want) {
		t.Fatalf("AuditFor returned %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.SessionID != w.SessionID || g.Actor != w.Actor || g.Action != w.Action || g.Detail != w.Detail || !sameTime(g.At, w.At) {
			t.Errorf("AuditFor[%d] = %+v, want %+v (in time order, then append order)", i, g, w)
		}
	}

	got, err = s.AuditFor(ctx, "never-seen")
	must(t, err, "AuditFor unknown session")
	if len(got) != 0 {
		t.Errorf("AuditFor of an unknown session returned %d entries", len(got))
	}

	testAuditForSessions(t, s, entries[3], entries[4])

	for _, bad := range []*tandem.AuditEntry{
		{Actor: "system", Action: "x"},
		{SessionID: "s", Action: "x"},
		{SessionID: "s", Actor: "system"},
	} {
		wantCode(t, s.AppendAudit(ctx, bad), tandem.EInvalid, "AppendAudit incomplete")
	}
}

// testAuditForSessions checks the one-query look-up of many sessions'
// entries of one action. term1Join is term-1's only join and assist1End
// assist-1's only end, appended by testAudit.
func testAuditForSessions(t *testing.T, s store.Store, term1Join, assist1End *tandem.AuditEntry) {
	ctx := context.Background()
	late := &tandem.AuditEntry{SessionID: "term-2", Actor: "helper:SHA256:def", Action: "join", Detail: `{"name":"bob"}`, At: at(4)}
	early := &tandem.AuditEntry{SessionID: "term-2", Actor: "agent:a1", Action: "join", Detail: `{"name":"Robin"}`, At: at(1)}
	left := &tandem.AuditEntry{SessionID: "term-2", Actor: "agent:a1", Action: "leave", At: at(2)}
	for _, e := range []*tandem.AuditEntry{late, early, left} {
		must(t, s.AppendAudit(ctx, e), "AppendAudit")
	}
	tests := []struct {
		name   string
		ids    []string
		action string
		want   map[string][]*tandem.AuditEntry
	}{
		{"joins of several", []string{"term-1", "term-2", "never-seen"}, "join",
			map[string][]*tandem.AuditEntry{"term-1": {term1Join}, "term-2": {early, late}}},
		{"another action", []string{"assist-1", "term-2"}, "end",
			map[string][]*tandem.AuditEntry{"assist-1": {assist1End}}},
		{"repeated id", []string{"term-2", "term-2"}, "leave",
			map[string][]*tandem.AuditEntry{"term-2": {left}}},
		{"no match", []string{"assist-1"}, "join", map[string][]*tandem.AuditEntry{}},
		{"no ids", nil, "join", map[string][]*tandem.AuditEntry{}},
	}
	for _, tt := range tests {
		got, err := s.AuditForSessions(ctx, tt.ids, tt.action)
		must(t, err, "AuditForSessions "+tt.name)
		if got == nil {
			t.Errorf("AuditForSessions %s returned a nil map", tt.name)
		}
		if len(got) != len(tt.want) {
			t.Errorf("AuditForSessions %s returned %d sessions, want %d: %v", tt.name, len(got), len(tt.want), got)
			continue
		}
		for id, want := range tt.want {
			g := got[id]
			if len(g) != len(want) {
				t.Errorf("AuditForSessions %s [%s] has %d entries, want %d", tt.name, id, len(g), len(want))
				continue
			}
			for i, w := range want {
				if g[i].ID != w.ID || g[i].SessionID != w.SessionID || g[i].Actor != w.Actor || g[i].Action != w.Action ||
					g[i].Detail != w.Detail || !sameTime(g[i].At, w.At) {
					t.Errorf("AuditForSessions %s [%s][%d] = %+v, want %+v (in time order)", tt.name, id, i, g[i], w)
				}
			}
		}
	}

	many := make([]string, store.MaxAuditSessions+1)
	for i := range many {
		many[i] = "term-" + strconv.Itoa(i)
	}
	for _, bad := range []struct {
		name   string
		ids    []string
		action string
	}{
		{"no action", []string{"term-1"}, ""},
		{"empty id", []string{"term-1", ""}, "join"},
		{"too many ids", many, "join"},
	} {
		_, err := s.AuditForSessions(ctx, bad.ids, bad.action)
		wantCode(t, err, tandem.EInvalid, "AuditForSessions "+bad.name)
	}
	// As many as allowed is one query that works.
	_, err := s.AuditForSessions(ctx, many[:store.MaxAuditSessions], "join")
	must(t, err, "AuditForSessions of MaxAuditSessions ids")
}
