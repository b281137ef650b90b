package assist

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestHelpRequestValidate(t *testing.T) {
	ok := HelpRequest{SiteKey: "site_x", PageID: "p1", URL: "https://shop.example.com/cart", Viewport: tandem.Viewport{Width: 1280, Height: 800, DPR: 2}}
	tests := []struct {
		name   string
		change func(r *HelpRequest)
		valid  bool
	}{
		{"complete", func(r *HelpRequest) {}, true},
		{"no site key", func(r *HelpRequest) { r.SiteKey = "" }, false},
		{"no page id", func(r *HelpRequest) { r.PageID = "" }, false},
		{"page id too long", func(r *HelpRequest) { r.PageID = strings.Repeat("p", 300) }, false},
		{"not http", func(r *HelpRequest) { r.URL = "javascript:alert(1)" }, false},
		{"relative url", func(r *HelpRequest) { r.URL = "/cart" }, false},
		{"negative viewport", func(r *HelpRequest) { r.Viewport.Width = -1 }, false},
		{"absurd dpr", func(r *HelpRequest) { r.Viewport.DPR = 100 }, false},
		{"not utf-8", func(r *HelpRequest) { r.Title = "\xff\xfe" }, false},
		{"user agent too long", func(r *HelpRequest) { r.UserAgent = strings.Repeat("a", 2000) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.change(&r)
			err := r.validate()
			if (err == nil) != tt.valid {
				t.Fatalf("validate() = %v, want valid=%v", err, tt.valid)
			}
			if err != nil && tandem.ErrorCode(err) != tandem.EInvalid {
				t.Fatalf("error code = %s, want invalid", tandem.ErrorCode(err))
			}
		})
	}
}

func TestInviteCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := randomCode(8)
		if len(c) != 8 || strings.Trim(c, codeAlphabet) != "" {
			t.Fatalf("code %q has characters outside the alphabet", c)
		}
		seen[c] = true
	}
	if len(seen) < 199 {
		t.Fatalf("only %d distinct codes in 200", len(seen))
	}
	tests := []struct{ typed, want string }{
		{"K7PQ-4XM9", "K7PQ4XM9"},
		{"k7pq 4xm9", "K7PQ4XM9"},
		{" k7pq4xm9", "K7PQ4XM9"},
	}
	for _, tt := range tests {
		if got := normalizeCode(strings.TrimSpace(tt.typed)); got != tt.want {
			t.Errorf("normalizeCode(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestInviteTarget(t *testing.T) {
	site := &tandem.Site{AllowedOrigins: []string{"https://shop.example.com"}}
	tests := []struct {
		url, want string
		ok        bool
	}{
		{"", "https://shop.example.com/", true},
		{"https://shop.example.com/checkout#old", "https://shop.example.com/checkout", true},
		{"https://evil.example/", "", false},
		{"shop.example.com/checkout", "", false},
		{"ftp://shop.example.com/", "", false},
	}
	for _, tt := range tests {
		got, err := inviteTarget(site, tt.url)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("inviteTarget(%q) = %q, %v; want %q ok=%v", tt.url, got, err, tt.want, tt.ok)
		}
	}
}

func TestPersonTokens(t *testing.T) {
	s := &Service{cfg: Config{Secret: []byte("0123456789abcdef0123456789abcdef")}}
	other := &Service{cfg: Config{Secret: []byte("another secret of thirty-two b..")}}
	tok := s.personToken("assist-1")
	tests := []struct {
		name     string
		svc      *Service
		id, tok  string
		accepted bool
	}{
		{"its own assist", s, "assist-1", tok, true},
		{"another assist", s, "assist-2", tok, false},
		{"another server's secret", other, "assist-1", tok, false},
		{"empty", s, "assist-1", "", false},
	}
	for _, tt := range tests {
		if got := tt.svc.validPersonToken(tt.id, tt.tok); got != tt.accepted {
			t.Errorf("%s: valid = %v, want %v", tt.name, got, tt.accepted)
		}
	}
}
