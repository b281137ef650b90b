package sshrelay

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
)

// A session id is 128 random bits in lowercase base32 without padding:
// 26 characters that survive being typed as an SSH user name.
const (
	sessionIDBytes = 16
	sessionIDLen   = 26
)

var sessionIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewSessionID returns a fresh session id.
func NewSessionID() string {
	b := make([]byte, sessionIDBytes)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return sessionIDEncoding.EncodeToString(b)
}

// ParseSessionID checks that s is a well-formed session id (any case) and
// returns it in canonical lowercase form. It never looks anything up.
func ParseSessionID(s string) (string, error) {
	if len(s) != sessionIDLen {
		return "", fmt.Errorf("a session id has %d characters", sessionIDLen)
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '2' && c <= '7':
		default:
			return "", fmt.Errorf("a session id has only letters and digits 2-7")
		}
	}
	id := string(b)
	raw, err := sessionIDEncoding.DecodeString(id)
	// Re-encoding rejects ids whose unused low bits are set, so that each
	// session has exactly one spelling.
	if err != nil || len(raw) != sessionIDBytes || sessionIDEncoding.EncodeToString(raw) != id {
		return "", fmt.Errorf("not a session id")
	}
	return id, nil
}
