package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/store"
)

func testTerminals(t *testing.T, s store.Store) {
	ctx := context.Background()
	hostKey, _ := newKey(t, "host")
	term := &store.Terminal{HostKey: hostKey, HostName: "build-01", Command: "/bin/bash", ReadOnly: true, Approve: true, RecordingID: "rec-1", RecordInput: true, CreatedAt: at(1)}
	must(t, s.CreateTerminal(ctx, term), "CreateTerminal")
	checkID(t, term.ID, "terminal")

	got, err := s.TerminalByID(ctx, term.ID)
	must(t, err, "TerminalByID")
	if got.HostKey != hostKey || got.HostName != "build-01" || got.Command != "/bin/bash" || !got.ReadOnly || !got.Approve ||
		got.RecordingID != "rec-1" || !got.RecordInput || !sameTime(got.CreatedAt, at(1)) || !got.EndedAt.IsZero() || got.EndReason != "" {
		t.Errorf("TerminalByID = %+v, want %+v", got, term)
	}
	wantCode(t, s.CreateTerminal(ctx, &store.Terminal{ID: term.ID}), tandem.EConflict, "CreateTerminal with a taken id")
	_, err = s.TerminalByID(ctx, "no-such-terminal")
	wantCode(t, err, tandem.ENotFound, "TerminalByID unknown")

	named := &store.Terminal{ID: "chosen-session-id", HostName: "db-02", CreatedAt: at(3)}
	must(t, s.CreateTerminal(ctx, named), "CreateTerminal with an id")
	third := &store.Terminal{HostName: "web-03", CreatedAt: at(2)}
	must(t, s.CreateTerminal(ctx, third), "CreateTerminal")
	if got, err := s.TerminalByID(ctx, third.ID); err != nil || got.RecordInput {
		t.Errorf("a terminal created without RecordInput reads back as %+v, %v", got, err)
	}

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

	// At start, every session still live is ended with the reason, the
	// host's key deleted; an ended one keeps its end.
	k4, _ := newKey(t, "host4")
	fourth := &store.Terminal{HostKey: k4, HostName: "db-04", CreatedAt: at(4)}
	must(t, s.CreateTerminal(ctx, fourth), "CreateTerminal")
	ended, err := s.EndLiveTerminals(ctx, "server restarted", at(7))
	must(t, err, "EndLiveTerminals")
	slices.Sort(ended)
	want := []string{named.ID, third.ID, fourth.ID}
	slices.Sort(want)
	if !slices.Equal(ended, want) {
		t.Errorf("EndLiveTerminals ended %v, want %v", ended, want)
	}
	for _, id := range want {
		got, err := s.TerminalByID(ctx, id)
		must(t, err, "TerminalByID")
		if !sameTime(got.EndedAt, at(7)) || got.EndReason != "server restarted" || got.HostKey != "" {
			t.Errorf("after EndLiveTerminals %s: ended %v, reason %q, key %q", id, got.EndedAt, got.EndReason, got.HostKey)
		}
	}
	got, err = s.TerminalByID(ctx, term.ID)
	must(t, err, "TerminalByID")
	if !sameTime(got.EndedAt, at(5)) || got.EndReason != "host disconnected" {
		t.Errorf("EndLiveTerminals changed an ended session: %v %q", got.EndedAt, got.EndReason)
	}
	live, err := s.ListTerminals(ctx, true, 0)
	must(t, err, "ListTerminals live")
	if len(live) != 0 {
		t.Errorf("live sessions after EndLiveTerminals: %d", len(live))
	}
	again, err := s.EndLiveTerminals(ctx, "again", at(8))
	must(t, err, "EndLiveTerminals again")
	if len(again) != 0 {
		t.Errorf("a second EndLiveTerminals ended %v", again)
	}
}
