package conversation

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Tokens are derived, not stored: an HMAC of the thing's id under the
// installation's signing key, with a label per use, so that any node can
// check one and a token of one use is never valid for another (an assist's
// person token is HMAC(key, "person:"+assistID), see internal/assist).

// PersonToken is the credential of the person of a support conversation.
func PersonToken(key []byte, conversationID string) string {
	return derive(key, "conversation-person:"+conversationID)
}

// CheckPersonToken reports whether token is the person token of
// conversationID, in constant time.
func CheckPersonToken(key []byte, conversationID, token string) bool {
	if conversationID == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(PersonToken(key, conversationID)))
}

// HookToken is the secret part of the incoming webhook URL of the hook
// hookID (/hooks/TOKEN). The store keeps only HashToken of it, yet its
// owner can be shown the URL again: it is derived from the hook's id.
func HookToken(key []byte, hookID string) string {
	return derive(key, "hook:"+hookID)
}

func derive(key []byte, label string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newID returns a random id of 26 lowercase base32 characters (130 bits),
// as the store makes them: unguessable, and valid in a bus subject.
func newID() string {
	return strings.ToLower(rand.Text())
}
