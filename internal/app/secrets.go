package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tandemhq/tandem/internal/store"
)

// The names of the shared secrets in the store, and the files in the data
// directory that kept them before they were shared.
const (
	secretSigningKey = "signing-key"
	secretHostKey    = "ssh-host-key"
	// SigningKeyFile and HostKeyFile are where a data directory kept the
	// keys before they were in the store; an installation's files are
	// offered to the store the first time, so that its tokens and its
	// helpers' known_hosts stay valid.
	SigningKeyFile = "secret.key"
	HostKeyFile    = "ssh_host_ed25519_key"
)

// LoadSecrets returns the installation's shared secrets: those of the
// secrets file when secretsFile is set, otherwise those kept in st. When st
// has none yet, it stores fresh ones: the keys in dataDir's files when an
// earlier version left them there, new random ones otherwise. Of servers
// starting at once, all get the secrets stored first.
func LoadSecrets(ctx context.Context, st store.Secrets, secretsFile, dataDir string) (*Secrets, error) {
	if secretsFile != "" {
		return ReadSecretsFile(secretsFile)
	}
	fresh, err := legacySecrets(dataDir)
	if err != nil {
		return nil, err
	}
	signing, err := st.Secret(ctx, secretSigningKey, fresh.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("read the shared signing key: %w", err)
	}
	hostKey, err := st.Secret(ctx, secretHostKey, fresh.HostKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("read the shared SSH host key: %w", err)
	}
	s, err := newSecrets(signing, hostKey)
	if err != nil {
		return nil, fmt.Errorf("the secrets in the store: %w", err)
	}
	return s, nil
}

// legacySecrets returns the keys an earlier version kept in dataDir, and
// fresh ones for those it did not leave.
func legacySecrets(dataDir string) (*Secrets, error) {
	s, err := NewSecrets()
	if err != nil {
		return nil, err
	}
	signing, err := readIfExists(filepath.Join(dataDir, SigningKeyFile))
	if err != nil {
		return nil, err
	}
	// The old server made a new key when its file was shorter than this.
	if len(signing) >= MinSigningKey {
		s.SigningKey = signing
	}
	hostKey, err := readIfExists(filepath.Join(dataDir, HostKeyFile))
	if err != nil {
		return nil, err
	}
	if hostKey != nil {
		if s, err = newSecrets(s.SigningKey, hostKey); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dataDir, HostKeyFile), err)
		}
	}
	return s, nil
}

// readIfExists reads path, or returns nil when there is no such file.
func readIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
