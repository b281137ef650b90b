package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/internal/app"
)

// directives parses a Content-Security-Policy into its directives' sources.
func directives(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[strings.ToLower(f[0])] = f[1:]
		}
	}
	return out
}

// TestPagesSendStrictCSP checks that the console's and the terminal's pages
// carry a policy under which nothing but the server's own scripts can run
// (the mirror frame inherits it), and that the SDK for customers' pages does
// not (it runs under their policy).
func TestPagesSendStrictCSP(t *testing.T) {
	ts, _ := start(t, app.Config{})
	for _, path := range []string{"/console/", "/console/assists/a1", "/console/replay/a1", "/terminal/t1"} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get(ts.URL() + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s = %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			policy := resp.Header.Get("Content-Security-Policy")
			d := directives(policy)
			want := map[string][]string{
				"default-src":     {"'self'"},
				"script-src":      {"'self'"},
				"object-src":      {"'none'"},
				"base-uri":        {"'none'"},
				"form-action":     {"'none'"},
				"frame-ancestors": {"'none'"},
				"connect-src":     {"'self'"},
			}
			for name, sources := range want {
				if !slices.Equal(d[name], sources) {
					t.Errorf("%s = %q, want %q (policy %q)", name, d[name], sources, policy)
				}
			}
			for name, sources := range d {
				for _, s := range sources {
					if s == "'unsafe-eval'" || s == "'unsafe-hashes'" || (s == "'unsafe-inline'" && name != "style-src") {
						t.Errorf("%s allows %s", name, s)
					}
				}
			}
			if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" {
				t.Errorf("Referrer-Policy = %q", got)
			}
		})
	}
	resp, err := http.Get(ts.URL() + "/sdk.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Security-Policy") != "" {
		t.Error("the SDK script carries the console's policy")
	}
}

// TestAPIRefusesSubresourceRequests: a mirrored page's markup (a CSS url(),
// an <img>, a frame) can make the agent's browser ask the API for something
// with the agent's cookie; the API answers only fetches, WebSockets and
// navigations, and refuses the rest before any handler runs.
func TestAPIRefusesSubresourceRequests(t *testing.T) {
	ts, _ := start(t, app.Config{})
	for _, tt := range []struct {
		dest string
		want int
	}{
		{"", http.StatusUnauthorized}, // not a browser: on to the handler, which wants a session
		{"empty", http.StatusUnauthorized},
		{"document", http.StatusUnauthorized},
		{"image", http.StatusForbidden},
		{"style", http.StatusForbidden},
		{"font", http.StatusForbidden},
		{"iframe", http.StatusForbidden},
		{"object", http.StatusForbidden},
		{"script", http.StatusForbidden},
	} {
		t.Run("dest="+tt.dest, func(t *testing.T) {
			req, err := http.NewRequest("GET", ts.URL()+"/api/v1/me", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.dest != "" {
				req.Header.Set("Sec-Fetch-Dest", tt.dest)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("GET /api/v1/me with Sec-Fetch-Dest %q = %d, want %d", tt.dest, resp.StatusCode, tt.want)
			}
		})
	}
}
