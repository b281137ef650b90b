package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// A terminal session that a previous run left live (the server was killed)
// is ended when the server starts, with the reason, in the store (so
// listings, the console and a helper who tries to join say so) and in its
// audit log; an ended session keeps its own end.
func TestStartEndsTerminalsOfAPreviousRun(t *testing.T) {
	for _, sshAddr := range []string{"127.0.0.1:0", "off"} {
		t.Run("ssh "+sshAddr, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			db, err := backend.OpenStore(ctx, backend.SQLiteURL(filepath.Join(dir, DBFile)))
			if err != nil {
				t.Fatal(err)
			}
			live := &store.Terminal{ID: sshrelay.NewSessionID(), HostKey: "ssh-ed25519 AAAA host", HostName: "build-01", CreatedAt: time.Now().Add(-time.Hour)}
			ended := &store.Terminal{ID: sshrelay.NewSessionID(), HostName: "db-02", CreatedAt: time.Now().Add(-2 * time.Hour)}
			for _, tm := range []*store.Terminal{live, ended} {
				if err := db.CreateTerminal(ctx, tm); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.EndTerminal(ctx, ended.ID, "host disconnected", time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			db.Close()

			srv, err := Start(ctx, Config{
				Addr: "127.0.0.1:0", DemoAddr: "off", SSHAddr: sshAddr, DataDir: dir,
				ICE:    ICEConfig{TURNAddr: "off"},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close(ctx)
			got, err := srv.Store().TerminalByID(ctx, live.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.EndedAt.IsZero() || got.EndReason != sshrelay.ReasonRestarted || got.HostKey != "" {
				t.Errorf("after a restart: ended %v, reason %q, key %q; want ended, %q, no key", got.EndedAt, got.EndReason, got.HostKey, sshrelay.ReasonRestarted)
			}
			if list, err := srv.Store().ListTerminals(ctx, true, 0); err != nil || len(list) != 0 {
				t.Errorf("live sessions after a restart: %d, %v", len(list), err)
			}
			audit, err := srv.Store().AuditFor(ctx, live.ID)
			if err != nil || len(audit) != 1 || audit[0].Action != "end" || audit[0].Detail != sshrelay.ReasonRestarted {
				t.Errorf("audit after a restart: %+v, %v", audit, err)
			}
			old, err := srv.Store().TerminalByID(ctx, ended.ID)
			if err != nil || old.EndReason != "host disconnected" {
				t.Errorf("an ended session changed: %+v, %v", old, err)
			}
		})
	}
}
