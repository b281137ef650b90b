package store

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem"
)

func TestCheckRedirectURI(t *testing.T) {
	for _, c := range []struct {
		uri string
		ok  bool
	}{
		{"https://shop.example/cb", true},
		{"https://shop.example:8443/cb?x=1", true},
		{"http://localhost:3000/cb", true},
		{"http://127.0.0.1/cb", true},
		{"com.example.shop:/oauth2redirect", true}, // a native app (RFC 8252)
		{"", false},
		{"/cb", false},
		{"shop.example/cb", false},
		{"https://shop.example/cb#frag", false},
		{"https://shop.example/cb#", false},
		{"https://user:pw@shop.example/cb", false},
		{"https:///cb", false},
		{"https://shop.example/c b", false},
		{"https://shop.example/cb\r\nX: y", false},
		{"https://shop.example\\@evil.example/", false},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,hi", false},
		{"file:///etc/passwd", false},
		{"https://shop.example/" + strings.Repeat("a", MaxURL), false},
	} {
		err := CheckRedirectURI(c.uri)
		if c.ok && err != nil {
			t.Errorf("CheckRedirectURI(%q) = %v, want it accepted", c.uri, err)
		}
		if !c.ok && tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("CheckRedirectURI(%q) = %v, want %s", c.uri, err, tandem.EInvalid)
		}
	}
}
