package demo

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/web"
)

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return res, string(b)
}

func TestSubstitution(t *testing.T) {
	tests := []struct {
		name, url, key string
		want           []string
		absent         []string
	}{
		{
			name: "plain",
			url:  "http://127.0.0.1:8080",
			key:  "site_abc",
			want: []string{`<script src="http://127.0.0.1:8080/sdk.js" data-site="site_abc" async></script>`},
		},
		{
			name: "trailing slash dropped",
			url:  "https://tandem.example.com/",
			key:  "k1",
			want: []string{`src="https://tandem.example.com/sdk.js"`},
		},
		{
			name:   "escaped",
			url:    `http://x/"><script>alert(1)</script>`,
			key:    `a"b<c&d`,
			want:   []string{`data-site="a&#34;b&lt;c&amp;d"`, `src="http://x/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/sdk.js"`},
			absent: []string{`<script>alert(1)`, `a"b<c`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(Handler(tt.url, tt.key))
			defer srv.Close()
			for _, path := range []string{"/", "/form.html", "/spa/products/2"} {
				res, body := get(t, srv, path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: status %d", path, res.StatusCode)
				}
				if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("GET %s: Content-Type %q", path, ct)
				}
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("GET %s: body lacks %q", path, w)
					}
				}
				for _, a := range append(tt.absent, "{{TANDEM_URL}}", "{{SITE_KEY}}") {
					if strings.Contains(body, a) {
						t.Errorf("GET %s: body contains %q", path, a)
					}
				}
			}
		})
	}
}

// Every page of the demo site embeds the SDK, except the document that is
// only ever shown inside iframe.html (the parent page's SDK records it).
func TestEveryPageEmbedsTheSDK(t *testing.T) {
	srv := httptest.NewServer(Handler("http://tandem.test:9000", "demo-key"))
	defer srv.Close()
	names, err := fs.Glob(web.Demo(), "*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 9 {
		t.Fatalf("found %d pages, want at least 9: %v", len(names), names)
	}
	tag := `<script src="http://tandem.test:9000/sdk.js" data-site="demo-key" async></script>`
	for _, name := range names {
		_, body := get(t, srv, "/"+name)
		has := strings.Contains(body, tag)
		if want := name != "frame-child.html"; has != want {
			t.Errorf("%s: embeds the SDK = %v, want %v", name, has, want)
		}
		if i := strings.Index(body, "{{"); i >= 0 {
			t.Errorf("%s: a placeholder is left at byte %d", name, i)
		}
	}
}

// The pages that show the site's header get it whole from the one partial,
// with the element the demo script reports the SDK's state in.
func TestSharedHeader(t *testing.T) {
	srv := httptest.NewServer(Handler("http://tandem.test:9000", "demo-key"))
	defer srv.Close()
	for _, path := range []string{"/", "/form.html", "/spa/", "/iframe.html", "/shadow.html", "/canvas.html", "/native.html", "/fonts.html", "/big.html"} {
		_, body := get(t, srv, path)
		for _, want := range []string{`<header class="top">`, `<a href="/big.html">Big page</a>`, `<span id="tandem-state">`} {
			if strings.Count(body, want) != 1 {
				t.Errorf("GET %s: %q appears %d times, want once", path, want, strings.Count(body, want))
			}
		}
	}
}

func TestRoutes(t *testing.T) {
	srv := httptest.NewServer(Handler("http://tandem.test", "k"))
	defer srv.Close()
	tests := []struct {
		path     string
		status   int
		ctype    string
		contains string
	}{
		{"/", 200, "text/html; charset=utf-8", "<title>Acme Shop — Home</title>"},
		{"/index.html", 200, "text/html; charset=utf-8", "<title>Acme Shop — Home</title>"},
		{"/spa/", 200, "text/html; charset=utf-8", "Single-page app"},
		{"/spa/about", 200, "text/html; charset=utf-8", "Single-page app"},
		{"/frame-child.html", 200, "text/html; charset=utf-8", `id="child-input"`},
		{"/demo.css", 200, "text/css; charset=utf-8", ".card"},
		{"/demo.js", 200, "text/javascript; charset=utf-8", "whenTandem"},
		{"/app.js", 200, "text/javascript; charset=utf-8", "app-form"},
		{"/react.js", 200, "text/javascript; charset=utf-8", "react-root"},
		{"/react.html", 200, "text/html; charset=utf-8", `<script src="/react.js">`},
		{"/api/items", 200, "application/json", `"Blue mug"`},
		{"/api/missing", 404, "application/json", `"code":"not_found"`},
		{"/api/items/7", 404, "application/json", `"not_found"`},
		{"/nope.html", 404, "text/plain; charset=utf-8", "404"},
		{"/fonts/", 404, "text/plain; charset=utf-8", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := get(t, srv, tt.path)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			if ct := res.Header.Get("Content-Type"); ct != tt.ctype {
				t.Errorf("Content-Type %q, want %q", ct, tt.ctype)
			}
			if !strings.Contains(body, tt.contains) {
				t.Errorf("body lacks %q: %.200s", tt.contains, body)
			}
		})
	}
}

func TestItems(t *testing.T) {
	srv := httptest.NewServer(Handler("http://tandem.test", "k"))
	defer srv.Close()
	_, body := get(t, srv, "/api/items")
	var got struct {
		Items []item `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	if len(got.Items) != len(items) || got.Items[1].Name != "Blue mug" {
		t.Errorf("items = %+v", got.Items)
	}
}

func TestFontsAllowAnyOrigin(t *testing.T) {
	srv := httptest.NewServer(Handler("http://tandem.test", "k"))
	defer srv.Close()
	want, err := fs.ReadFile(web.Demo(), "fonts/inter-latin-400-normal.woff2")
	if err != nil {
		t.Fatal(err)
	}
	res, body := get(t, srv, "/fonts/inter-latin-400-normal.woff2")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin %q, want *", got)
	}
	if got := res.Header.Get("Content-Type"); got != "font/woff2" {
		t.Errorf("Content-Type %q, want font/woff2", got)
	}
	if body != string(want) || !strings.HasPrefix(body, "wOF2") {
		t.Errorf("served %d bytes, want the %d-byte woff2 file", len(body), len(want))
	}
	// Pages are not meant to be loaded cross-origin.
	res, _ = get(t, srv, "/form.html")
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("form.html: Access-Control-Allow-Origin %q, want none", got)
	}
}

func TestSlowTakesItsTime(t *testing.T) {
	srv := httptest.NewServer(Handler("http://tandem.test", "k"))
	defer srv.Close()
	start := time.Now()
	res, body := get(t, srv, "/api/slow")
	if took := time.Since(start); took < slowDelay {
		t.Errorf("answered after %v, want at least %v", took, slowDelay)
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("status %d body %q", res.StatusCode, body)
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	srv := httptest.NewServer(Handler("http://tandem.test", "k"))
	defer srv.Close()
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodHead, "/form.html", http.StatusOK},
		{http.MethodPost, "/form.html", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/demo.css", http.StatusMethodNotAllowed},
		{http.MethodPost, "/api/items", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, res.StatusCode, tt.status)
		}
	}
}
