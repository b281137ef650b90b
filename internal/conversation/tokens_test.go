package conversation

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/auth"
)

// Tokens are derived per use: a person token is not valid for another
// conversation, nor as a hook token, nor under another key; the store
// keeps only a hash.
func TestTokens(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	p := PersonToken(key, "c1")
	for _, tt := range []struct {
		name  string
		conv  string
		token string
		want  bool
	}{
		{"its own", "c1", p, true},
		{"another conversation's", "c2", p, false},
		{"empty", "c1", "", false},
		{"no conversation", "", p, false},
		{"a hook token", "c1", HookToken(key, "c1"), false},
		{"another key's", "c1", PersonToken([]byte("another key"), "c1"), false},
		{"cut short", "c1", p[:len(p)-1], false},
	} {
		if got := CheckPersonToken(key, tt.conv, tt.token); got != tt.want {
			t.Errorf("%s: CheckPersonToken = %v, want %v", tt.name, got, tt.want)
		}
	}
	h1 := HookToken(key, "h1")
	if h1 == HookToken(key, "h2") || h1 != HookToken(append([]byte(nil), key...), "h1") || h1 == PersonToken(key, "h1") {
		t.Error("hook tokens are not derived from the hook's id alone")
	}
	h := auth.HashToken(p)
	if len(h) != 64 || strings.Contains(h, p) || auth.HashToken(p) != h {
		t.Errorf("HashToken = %q", h)
	}
}
