package storetest

import (
	"context"
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

	for _, bad := range []*tandem.AuditEntry{
		{Actor: "system", Action: "x"},
		{SessionID: "s", Action: "x"},
		{SessionID: "s", Actor: "system"},
	} {
		wantCode(t, s.AppendAudit(ctx, bad), tandem.EInvalid, "AppendAudit incomplete")
	}
}
