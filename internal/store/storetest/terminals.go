package storetest

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func testTerminals(t *testing.T, s store.Store) {
	ctx := context.Background()
	hostKey, _ := newKey(t, "host")
	term := &store.Terminal{HostKey: hostKey, HostName: "build-01", Command: "/bin/bash", ReadOnly: true, Approve: true, RecordingID: "rec-1", CreatedAt: at(1)}
	must(t, s.CreateTerminal(ctx, term), "CreateTerminal")
	checkID(t, term.ID, "terminal")

	got, err := s.TerminalByID(ctx, term.ID)
	must(t, err, "TerminalByID")
	if got.HostKey != hostKey || got.HostName != "build-01" || got.Command != "/bin/bash" || !got.ReadOnly || !got.Approve ||
		got.RecordingID != "rec-1" || !sameTime(got.CreatedAt, at(1)) || !got.EndedAt.IsZero() || got.EndReason != "" {
		t.Errorf("TerminalByID = %+v, want %+v", got, term)
	}
	wantCode(t, s.CreateTerminal(ctx, &store.Terminal{ID: term.ID}), tandem.EConflict, "CreateTerminal with a taken id")
	_, err = s.TerminalByID(ctx, "no-such-terminal")
	wantCode(t, err, tandem.ENotFound, "TerminalByID unknown")

	named := &store.Terminal{ID: "chosen-session-id", HostName: "db-02", CreatedAt: at(3)}
	must(t, s.CreateTerminal(ctx, named), "CreateTerminal with an id")
	third := &store.Terminal{HostName: "web-03", CreatedAt: at(2)}
	must(t, s.CreateTerminal(ctx, third), "CreateTerminal")

	must(t, s.EndTerminal(ctx, term.ID, "host disconnected", at(5)), "EndTerminal")
	got, err = s.TerminalByID(ctx, term.ID)
	must(t, err, "TerminalByID")
	if got.HostKey != "" {
		t.Errorf("EndTerminal kept the host key %q", got.HostKey)
	}
	if !sameTime(got.EndedAt, at(5)) || got.EndReason != "host disconnected" {
		t.Errorf("after EndTerminal: ended %v reason %q", got.EndedAt, got.EndReason)
	}
	// Ending again keeps the first end.
	must(t, s.EndTerminal(ctx, term.ID, "again", at(6)), "EndTerminal twice")
	got, err = s.TerminalByID(ctx, term.ID)
	must(t, err, "TerminalByID")
	if !sameTime(got.EndedAt, at(5)) || got.EndReason != "host disconnected" {
		t.Errorf("a second EndTerminal changed the end to %v %q", got.EndedAt, got.EndReason)
	}
	wantCode(t, s.EndTerminal(ctx, "no-such-terminal", "x", at(5)), tandem.ENotFound, "EndTerminal unknown")

	tests := []struct {
		name     string
		liveOnly bool
		limit    int
		want     []string
	}{
		{"all", false, 0, []string{named.ID, third.ID, term.ID}},
		{"live", true, 0, []string{named.ID, third.ID}},
		{"limit", false, 2, []string{named.ID, third.ID}},
		{"live limit", true, 1, []string{named.ID}},
	}
	for _, tt := range tests {
		list, err := s.ListTerminals(ctx, tt.liveOnly, tt.limit)
		must(t, err, "ListTerminals "+tt.name)
		var ids []string
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		if len(ids) != len(tt.want) {
			t.Errorf("ListTerminals %s = %v, want %v (newest first)", tt.name, ids, tt.want)
			continue
		}
		for i := range ids {
			if ids[i] != tt.want[i] {
				t.Errorf("ListTerminals %s = %v, want %v (newest first)", tt.name, ids, tt.want)
				break
			}
		}
	}
}
