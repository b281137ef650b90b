package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/app"
	"github.com/tandemhq/tandem/internal/cli"
)

// runSecrets makes secrets files, the keys every server of an installation
// shares (serve --secrets-file).
func runSecrets(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return cli.Program{Name: "tandem secrets", Commands: []cli.Command{
		{Name: "generate", Summary: "write a new secrets file: a signing key and an SSH host key", Run: secretsGenerate},
		{Name: "export", Summary: "write the secrets the store keeps to a secrets file, to switch to --secrets-file unchanged", Run: secretsExport},
	}}.Run(ctx, args, stdin, stdout, stderr)
}

func secretsGenerate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("secrets generate", "tandem secrets generate --out FILE", stderr)
	out := fs.String("out", "", "the `file` to write (mode 0600); it must not exist")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("secrets generate: --out is required")
	}
	s, err := app.NewSecrets()
	if err != nil {
		return fmt.Errorf("secrets generate: %w", err)
	}
	return writeSecrets("secrets generate", *out, s, stdout)
}

func secretsExport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("secrets export", "tandem secrets export --out FILE [--data DIR | --store URL]", stderr)
	data := storageFlags(fs)
	out := fs.String("out", "", "the `file` to write (mode 0600); it must not exist")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("secrets export: --out is required")
	}
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// As serve does: the store's secrets, made from the data directory's
	// key files when the store has none yet.
	s, err := app.LoadSecrets(ctx, st, "", *data.data)
	if err != nil {
		return fmt.Errorf("secrets export: %w", err)
	}
	return writeSecrets("secrets export", *out, s, stdout)
}

// writeSecrets writes s to a new file at path and says what it holds.
func writeSecrets(op, path string, s *app.Secrets, stdout io.Writer) error {
	if err := app.WriteSecretsFile(path, s); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	fmt.Fprintf(stdout, "wrote %s: a signing key and the SSH host key %s\n", path, ssh.FingerprintSHA256(s.HostKey.PublicKey()))
	fmt.Fprintln(stdout, "Give every server the same file with --secrets-file (or TANDEM_SECRETS_FILE); keep it private.")
	return nil
}
