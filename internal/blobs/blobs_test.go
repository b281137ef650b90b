package blobs

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestValidKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"recordings/abc/00000001.gz", true},
		{"a..b/c", true},
		{"", false},
		{"/etc/passwd", false},
		{"a//b", false},
		{"a/", false},
		{"../a", false},
		{"a/../b", false},
		{"a/./b", false},
		{"a/.hidden", false},
		{".", false},
		{"a\\b", false},
		{"a\x00b", false},
		{"a/\xff", false},
		{strings.Repeat("x", MaxSegmentBytes), true},
		{strings.Repeat("x", MaxSegmentBytes+1), false},
		{strings.Repeat("x/", MaxKeyBytes/2) + "x", false},
	}
	for _, tt := range tests {
		err := ValidKey(tt.key)
		if tt.ok && err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", tt.key, err)
		}
		if !tt.ok && tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("ValidKey(%q) = %v, want code %s", tt.key, err, tandem.EInvalid)
		}
	}
}

func TestValidPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"", true},
		{"recordings/", true},
		{"recordings/ab", true},
		{"/", false},
		{"a//", false},
		{"../", false},
		{"/abs/", false},
	}
	for _, tt := range tests {
		err := ValidPrefix(tt.prefix)
		if tt.ok != (err == nil) {
			t.Errorf("ValidPrefix(%q) = %v, want ok=%v", tt.prefix, err, tt.ok)
		}
		if err != nil && tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("ValidPrefix(%q) code = %s, want %s", tt.prefix, tandem.ErrorCode(err), tandem.EInvalid)
		}
	}
}
