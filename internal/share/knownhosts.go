package share

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// trustOnFirstUse returns a host key callback that accepts a server's key
// the first time and remembers it in path, like OpenSSH's
// StrictHostKeyChecking=accept-new; a changed key is refused.
func trustOnFirstUse(path string) (ssh.HostKeyCallback, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("known hosts: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("known hosts: %w", err)
	}
	f.Close()
	check, err := knownhosts.New(path)
	if err != nil {
		return nil, fmt.Errorf("known hosts %s: %w", path, err)
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := check(hostname, remote, key)
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) && len(ke.Want) == 0 {
			line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key)
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
			if err != nil {
				return fmt.Errorf("known hosts: %w", err)
			}
			defer f.Close()
			_, err = fmt.Fprintln(f, line)
			return err
		}
		if errors.As(err, &ke) {
			return fmt.Errorf("the server's host key changed (%s); if that is expected, remove its line from %s", ssh.FingerprintSHA256(key), path)
		}
		return err
	}, nil
}
