package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/backend"
	"github.com/tandemhq/tandem/internal/share"
	"github.com/tandemhq/tandem/internal/sshrelay"
	"github.com/tandemhq/tandem/internal/store"
)

// startRelay starts an SSH relay on the data directory data, as `tandem
// serve` would, and returns it with its store; the caller closes both.
func startRelay(t *testing.T, ctx context.Context, data string) (*sshrelay.Server, store.Store) {
	t.Helper()
	db, err := backend.OpenStore(ctx, backend.SQLiteURL(filepath.Join(data, app.DBFile)))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := backend.OpenBlobs(ctx, backend.FileURL(filepath.Join(data, app.BlobsDir)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sshrelay.New(sshrelay.Config{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(data, "ssh_host_ed25519_key"), Store: db, Blobs: bs})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ctx)
	return srv, db
}

// `tandem terminal list` and `print` read what a relay kept in the data
// directory: the session in the database and its recording in blobs.
func TestTerminalListAndPrint(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	srv, db := startRelay(t, ctx, data)

	var out bytes.Buffer
	s, err := share.Start(ctx, share.Config{
		Server: srv.Addr(), KeyPath: filepath.Join(data, "host"), KnownHostsPath: filepath.Join(data, "kh"),
		Command: []string{"/bin/sh", "-c", "echo recorded-$((6*7))"}, AllowAgents: true, Stdout: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	srv.Close(cctx)
	db.Close()

	var list bytes.Buffer
	if err := run(ctx, []string{"terminal", "list", "--data", data}, nil, &list, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list.String(), s.ID) || !strings.Contains(list.String(), "the shared program exited") {
		t.Fatalf("list:\n%s", list.String())
	}
	var cast, output, audit bytes.Buffer
	if err := run(ctx, []string{"terminal", "print", s.ID, "--data", data}, nil, &cast, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cast.String(), `{"version":2,`) || !strings.Contains(cast.String(), "recorded-42") {
		t.Fatalf("print:\n%s", cast.String())
	}
	if err := run(ctx, []string{"terminal", "print", "--output", s.ID, "--data", data}, nil, &output, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(output.String()) != "recorded-42" {
		t.Fatalf("print --output: %q", output.String())
	}
	if err := run(ctx, []string{"terminal", "print", "--audit", s.ID, "--data", data}, nil, &audit, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(audit.String(), "share") || !strings.Contains(audit.String(), "end") {
		t.Fatalf("print --audit:\n%s", audit.String())
	}
	if err := run(ctx, []string{"terminal", "print", "not-an-id", "--data", data}, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("printed a malformed id")
	}
}

// `tandem share --record-input` asks the server to keep what helpers type;
// without it, the server keeps only how much they typed.
func TestShareRecordInputFlag(t *testing.T) {
	for _, flag := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "record-input"}[flag], func(t *testing.T) {
			ctx := context.Background()
			data := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // the host's key and known_hosts
			srv, db := startRelay(t, ctx, data)
			defer db.Close()
			defer srv.Close(ctx)

			args := []string{"share", "--server", srv.Addr()}
			if flag {
				args = append(args, "--record-input")
			}
			args = append(args, "--", "/bin/sh", "-c", "true")
			if err := run(ctx, args, strings.NewReader(""), io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			list, err := db.ListTerminals(ctx, false, 1)
			if err != nil || len(list) != 1 {
				t.Fatalf("terminals: %v, %v", list, err)
			}
			if list[0].RecordInput != flag {
				t.Fatalf("RecordInput = %v, want %v", list[0].RecordInput, flag)
			}
			var table bytes.Buffer
			if err := run(ctx, []string{"terminal", "list", "--data", data}, nil, &table, io.Discard); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(table.String(), "record-input"); got != flag {
				t.Fatalf("terminal list says record-input: %v, want %v\n%s", got, flag, table.String())
			}
		})
	}
}
