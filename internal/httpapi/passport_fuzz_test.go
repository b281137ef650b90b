package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzClientCredentials feeds the client authentication parser every
// shape of Authorization header and form: it must not panic, and what it
// accepts from a Basic header must be what the header says.
func FuzzClientCredentials(f *testing.F) {
	f.Add("Basic c2l0ZV9hYmM6c2VjcmV0", "")
	f.Add("Basic "+"%%%", "client_id=x")
	f.Add("Bearer tpa_x", "client_id=site_a&client_secret=s")
	f.Add("", "client_id=site_a")
	f.Fuzz(func(t *testing.T, header, form string) {
		r := httptest.NewRequest("POST", "/passport/token", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		_ = r.ParseForm()
		id, secret, err := clientCredentials(r)
		if err != nil {
			return
		}
		if r.Header.Get("Authorization") == "" {
			if id != r.PostForm.Get("client_id") || secret != r.PostForm.Get("client_secret") {
				t.Fatalf("form credentials %q %q from %q", id, secret, form)
			}
			return
		}
		if _, _, ok := r.BasicAuth(); !ok {
			t.Fatalf("accepted a non-Basic Authorization header %q", header)
		}
	})
}
