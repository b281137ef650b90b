package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/app"
)

// secrets generate writes a new private file that serve reads, and never
// replaces one.
func TestSecretsGenerate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets.pem")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"secrets", "generate", "--out", file}, nil, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	s, err := app.ReadSecretsFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if fp := ssh.FingerprintSHA256(s.HostKey.PublicKey()); !strings.Contains(out, fp) {
		t.Errorf("generate printed %q, want the host key's fingerprint %s", out, fp)
	}
	before, _ := os.ReadFile(file)
	if err := run(context.Background(), []string{"secrets", "generate", "--out", file}, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("generate over a file: %v", err)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Error("generate changed an existing file")
	}
	if err := run(context.Background(), []string{"secrets", "generate"}, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("generate without --out: %v", err)
	}

	srv := serve(t, "--data", t.TempDir(), "--secrets-file", file)
	srv.stop()
}

// secrets export writes the keys the store keeps, those serve uses.
func TestSecretsExport(t *testing.T) {
	data := newDataDir(t)
	file := filepath.Join(t.TempDir(), "secrets.pem")
	mustRun(t, data, "", "secrets", "export", "--out", file)
	s, err := app.ReadSecretsFile(file)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := openStore(t, data).Secret(context.Background(), "signing-key", []byte("unused"))
	if err != nil || !bytes.Equal(stored, s.SigningKey) {
		t.Errorf("exported signing key differs from the store's: %v", err)
	}
	again := filepath.Join(t.TempDir(), "again.pem")
	mustRun(t, data, "", "secrets", "export", "--out", again)
	if a, b := mustRead(t, file), mustRead(t, again); !bytes.Equal(a, b) {
		t.Error("two exports differ")
	}
	_, _, err = tandemCmd(t, filepath.Join(t.TempDir(), "typo"), "", "secrets", "export", "--out", filepath.Join(t.TempDir(), "x.pem"))
	if err == nil || !strings.Contains(err.Error(), "--data") {
		t.Errorf("export from a missing data directory: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
