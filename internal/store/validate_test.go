package store

import (
	"slices"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestNormalizeOrigin(t *testing.T) {
	tests := []struct {
		in, want string // want "" means rejected
	}{
		{"https://shop.example.com", "https://shop.example.com"},
		{"  https://shop.example.com  ", "https://shop.example.com"},
		{"https://shop.example.com/", "https://shop.example.com"},
		{"HTTPS://Shop.Example.COM", "https://shop.example.com"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"https://shop.example.com:443", "https://shop.example.com"},
		{"http://shop.example.com:80", "http://shop.example.com"},
		{"https://shop.example.com:80", "https://shop.example.com:80"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://[::1]", "http://[::1]"},
		{"*", "*"},
		{"", ""},
		{"shop.example.com", ""},
		{"//shop.example.com", ""},
		{"ftp://shop.example.com", ""},
		{"ws://shop.example.com", ""},
		{"https://", ""},
		{"https://:443", ""},
		{"https://shop.example.com:", ""},
		{"https://shop.example.com:0", ""},
		{"https://shop.example.com:70000", ""},
		{"https://shop.example.com/app", ""},
		{"https://shop.example.com?x=1", ""},
		{"https://shop.example.com?", ""},
		{"https://shop.example.com#x", ""},
		{"https://user:pw@shop.example.com", ""},
		{"mailto:alex@example.com", ""},
		{"https://shop example.com", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeOrigin(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalizeOrigin(%q) = %q, want an error", tt.in, got)
			} else if tandem.ErrorCode(err) != tandem.EInvalid {
				t.Errorf("NormalizeOrigin(%q) error %v, want code %s", tt.in, err, tandem.EInvalid)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string // want "" means rejected
	}{
		{"alex@example.com", "alex@example.com"},
		{" Alex@Example.COM ", "alex@example.com"},
		{"alex+support@example.com", "alex+support@example.com"},
		{"", ""},
		{"alex", ""},
		{"@example.com", ""},
		{"Alex <alex@example.com>", ""},
		{"alex@example.com, sam@example.com", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if tt.want == "" {
			if tandem.ErrorCode(err) != tandem.EInvalid {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want an %s error", tt.in, got, err, tandem.EInvalid)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCheckSiteDropsRepeats(t *testing.T) {
	s := &tandem.Site{Name: " Shop ", AllowedOrigins: []string{"https://a.example", "HTTPS://A.example/", "https://b.example"}}
	if err := CheckSite(s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "Shop" || len(s.AllowedOrigins) != 2 || s.AllowedOrigins[0] != "https://a.example" || s.AllowedOrigins[1] != "https://b.example" {
		t.Errorf("CheckSite gave %q %q", s.Name, s.AllowedOrigins)
	}
}

func TestCheckAuditForSessions(t *testing.T) {
	ids := func(n int) []string { return slices.Repeat([]string{"s"}, n) }
	tests := []struct {
		name   string
		ids    []string
		action string
		ok     bool
	}{
		{"some", []string{"a", "b"}, "join", true},
		{"none", nil, "join", true},
		{"repeated", []string{"a", "a"}, "join", true},
		{"at the limit", ids(MaxAuditSessions), "join", true},
		{"too many", ids(MaxAuditSessions + 1), "join", false},
		{"no action", []string{"a"}, "", false},
		{"empty id", []string{"a", ""}, "join", false},
	}
	for _, tt := range tests {
		err := CheckAuditForSessions(tt.ids, tt.action)
		if tt.ok && err != nil {
			t.Errorf("%s: %v, want nil", tt.name, err)
		}
		if !tt.ok && tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("%s: %v, want an %s error", tt.name, err, tandem.EInvalid)
		}
	}
}
