package app

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/tandemhq/tandem/internal/sshrelay"
)

// Secrets are the keys every server of an installation must share: the key
// that signs people's channel tokens and TURN credentials, and the SSH
// relay's host key. They come from a secrets file (--secrets-file) or from
// the store.
type Secrets struct {
	// SigningKey is at least MinSigningKey random bytes.
	SigningKey []byte
	// HostKeyPEM is the SSH host key as an OpenSSH private key file holds
	// it (unencrypted).
	HostKeyPEM []byte
	// HostKey is HostKeyPEM parsed.
	HostKey ssh.Signer
}

// MinSigningKey is the shortest signing key accepted, in bytes.
const MinSigningKey = 32

// signingKeyBlock is the PEM block type of the signing key in a secrets
// file; the host key is the file's one "... PRIVATE KEY" block.
const signingKeyBlock = "TANDEM SIGNING KEY"

// NewSecrets generates a fresh signing key and SSH host key.
func NewSecrets() (*Secrets, error) {
	key := make([]byte, MinSigningKey)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	pemKey, err := sshrelay.NewKeyPEM()
	if err != nil {
		return nil, err
	}
	return newSecrets(key, pemKey)
}

// newSecrets checks a signing key and a host key and returns them as
// Secrets. Errors never quote the keys.
func newSecrets(signingKey, hostKeyPEM []byte) (*Secrets, error) {
	if len(signingKey) < MinSigningKey {
		return nil, fmt.Errorf("the signing key has %d bytes, want at least %d", len(signingKey), MinSigningKey)
	}
	signer, err := ssh.ParsePrivateKey(hostKeyPEM)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, errors.New("the SSH host key is encrypted: Tandem needs it without a passphrase")
	case err != nil:
		return nil, fmt.Errorf("the SSH host key: %w", err)
	}
	return &Secrets{SigningKey: signingKey, HostKeyPEM: hostKeyPEM, HostKey: signer}, nil
}

// EncodeSecretsFile is the text of a secrets file holding s: the signing
// key as a "TANDEM SIGNING KEY" PEM block, then the SSH host key as its
// OpenSSH PEM block. Text outside the blocks is ignored when reading.
func EncodeSecretsFile(s *Secrets) []byte {
	var b bytes.Buffer
	b.WriteString("# Tandem's shared secrets: every server of one installation reads the same\n" +
		"# file (--secrets-file). Keep it private: the signing key signs people's\n" +
		"# channel tokens and TURN credentials; the SSH host key is the relay's identity.\n")
	_ = pem.Encode(&b, &pem.Block{Type: signingKeyBlock, Bytes: s.SigningKey}) // writes to memory
	b.Write(s.HostKeyPEM)
	return b.Bytes()
}

// ParseSecretsFile reads the text of a secrets file (see EncodeSecretsFile):
// exactly one "TANDEM SIGNING KEY" block of at least MinSigningKey bytes
// and exactly one unencrypted "... PRIVATE KEY" block that SSH reads, in
// any order, and nothing else that looks like PEM.
func ParseSecretsFile(text []byte) (*Secrets, error) {
	var signing, hostKey []byte
	rest := text
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = r
		switch {
		case block.Type == signingKeyBlock:
			if signing != nil {
				return nil, fmt.Errorf("more than one %s block", signingKeyBlock)
			}
			if len(block.Headers) > 0 {
				return nil, fmt.Errorf("the %s block has headers; want base64 only", signingKeyBlock)
			}
			signing = block.Bytes
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			if hostKey != nil {
				return nil, errors.New("more than one private key block; want one SSH host key")
			}
			hostKey = pem.EncodeToMemory(block)
		default:
			return nil, fmt.Errorf("unknown block %q; want %q and one SSH private key", block.Type, signingKeyBlock)
		}
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, errors.New("a PEM block does not decode (cut or changed?)")
	}
	switch {
	case signing == nil && hostKey == nil:
		return nil, errors.New("no secrets in it; make one with `tandem secrets generate`")
	case signing == nil:
		return nil, fmt.Errorf("no %s block", signingKeyBlock)
	case hostKey == nil:
		return nil, errors.New("no SSH host key (an OPENSSH PRIVATE KEY block)")
	}
	return newSecrets(signing, hostKey)
}

// ReadSecretsFile reads the secrets file at path. A file that others than
// its owner may read is refused: it holds what signs every token.
func ReadSecretsFile(path string) (*Secrets, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--secrets-file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("--secrets-file %s: mode %04o lets others read it; chmod 600 it", path, perm)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--secrets-file: %w", err)
	}
	s, err := ParseSecretsFile(text)
	if err != nil {
		return nil, fmt.Errorf("--secrets-file %s: %w", path, err)
	}
	return s, nil
}

// WriteSecretsFile writes s to a new file at path, mode 0600. It never
// replaces a file: overwriting the keys of a running installation would
// sign everyone out and change the relay's identity.
func WriteSecretsFile(path string, s *Secrets) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists; it is never overwritten (remove it first, or choose another name)", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(EncodeSecretsFile(s)); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
