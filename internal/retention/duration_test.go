package retention

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem"
)

func TestParse(t *testing.T) {
	ok := []struct {
		in   string
		want time.Duration
	}{
		{"30d", 30 * Day},
		{" 90D ", 90 * Day},
		{"36h", 36 * time.Hour},
		{"1h", time.Hour},
		{"0", 0},
		{"forever", 0},
		{"Forever", 0},
		{"36500d", MaxRetention},
	}
	for _, tt := range ok {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.want != 0 {
			if back, err := Parse(Format(got)); err != nil || back != got {
				t.Errorf("Parse(Format(%v)) = %v, %v", got, back, err)
			}
		}
	}
	for _, in := range []string{"", "d", "30", "6m", "30s", "1y", "1.5d", "-1d", "+3d", "0d", "0h", "36501d", "99999999999999999999d", "30 d", "d30", "never"} {
		if got, err := Parse(in); tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Parse(%q) = %v, %v; want %s", in, got, err, tandem.EInvalid)
		}
	}
}

func TestFormatAndDescribe(t *testing.T) {
	tests := []struct {
		d             time.Duration
		format, prose string
	}{
		{0, "forever", ""},
		{Day, "1d", "1 day"},
		{30 * Day, "30d", "30 days"},
		{time.Hour, "1h", "1 hour"},
		{36 * time.Hour, "36h", "36 hours"},
		{90 * time.Minute, "1h30m0s", "1h30m0s"},
	}
	for _, tt := range tests {
		if got := Format(tt.d); got != tt.format {
			t.Errorf("Format(%v) = %q, want %q", tt.d, got, tt.format)
		}
		if got := Describe(tt.d); got != tt.prose {
			t.Errorf("Describe(%v) = %q, want %q", tt.d, got, tt.prose)
		}
	}
}
