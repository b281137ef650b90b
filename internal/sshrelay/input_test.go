package sshrelay_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/share"
)

// What helpers type (here a password at a prompt that does not echo it) is
// kept in the recording and the audit log only when the host asked for it
// with --record-input; otherwise the audit log says how many bytes they
// typed, and the recording has none of it.
func TestInputKeptOnlyWhenHostOptsIn(t *testing.T) {
	for _, recordInput := range []bool{false, true} {
		name := "default"
		if recordInput {
			name = "record-input"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			alice := e.key("alice")
			h := e.share(func(c *share.Config) {
				c.AuthorizedKeys = []string{alice.authorized}
				c.RecordInput = recordInput
			})
			a := e.join(h.ID, alice, 100, 30)
			h.out.waitFor(t, "alice joined", wait)
			a.out.waitFor(t, "$", wait)
			h.stdin.Write([]byte("stty -echo; printf 'Pass''word: '; read -r pw; stty echo; echo; echo length-${#pw}\r"))
			a.out.waitFor(t, "Password: ", wait)
			const secret = "hunter2-sudo"
			a.typeText(secret + "\r")
			a.out.waitFor(t, "length-12", wait)
			h.stdin.Write([]byte("exit\r"))
			if err := h.Wait(); err != nil {
				t.Fatal(err)
			}
			a.exited(wait)

			tm, err := e.db.TerminalByID(context.Background(), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tm.RecordInput != recordInput {
				t.Errorf("stored RecordInput = %v, want %v", tm.RecordInput, recordInput)
			}
			rc, err := record.Open(context.Background(), e.blobs, tm.RecordingID)
			if err != nil {
				t.Fatal(err)
			}
			var cast bytes.Buffer
			cast.ReadFrom(rc)
			rc.Close()
			if got := strings.Contains(cast.String(), `"i","`+secret); got != recordInput {
				t.Errorf("recording has the typed password: %v, want %v:\n%s", got, recordInput, cast.String())
			}
			if !recordInput && strings.Contains(cast.String(), secret) {
				t.Errorf("the recording has the password:\n%s", cast.String())
			}

			entries := e.auditUntilEnd(t, h.ID)
			var typed []string
			for _, en := range entries {
				if en.Action == "input" && en.Actor == "helper:"+alice.fp {
					typed = append(typed, en.Detail)
				}
			}
			all := strings.Join(typed, " ")
			if got := strings.Contains(all, secret); got != recordInput {
				t.Errorf("audit input has the password: %v, want %v: %q", got, recordInput, typed)
			}
			if !recordInput && !strings.Contains(all, "13 bytes") {
				t.Errorf("audit input %q does not say how much was typed (13 bytes)", typed)
			}
		})
	}
}

// auditUntilEnd reads a session's audit log once its "end" entry is
// written (the log is written beside the relaying).
func (e *testEnv) auditUntilEnd(t *testing.T, id string) []*tandem.AuditEntry {
	t.Helper()
	for deadline := time.Now().Add(wait); ; {
		entries, err := e.db.AuditFor(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 && entries[len(entries)-1].Action == "end" {
			return entries
		}
		if time.Now().After(deadline) {
			t.Fatalf("no end in the audit log: %+v", entries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
