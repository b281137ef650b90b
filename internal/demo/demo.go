// Package demo serves the demo site: a few pages of a made-up shop that
// embed the Tandem SDK. It runs on its own origin (a port other than
// Tandem's), as a customer's site would, and the browser tests drive it.
package demo

import (
	"encoding/json"
	"html"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tandemhq/tandem/web"
)

// slowDelay is how long /api/slow takes, so the network panel shows a
// request that is visibly slower than the others.
const slowDelay = 300 * time.Millisecond

type item struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

var items = []item{
	{1, "Canvas tote", 18},
	{2, "Blue mug", 12},
	{3, "Wool socks", 9},
	{4, "Notebook", 6.5},
}

// Handler serves the demo site. Its pages load the SDK from tandemURL (e.g.
// "http://127.0.0.1:8080") with data-site set to siteKey.
func Handler(tandemURL, siteKey string) http.Handler {
	files := web.Demo()
	// Every page but the app shares the site's header (brand, the demo
	// pages' menu, the SDK's state), kept once in partials/.
	header, err := fs.ReadFile(files, "partials/header.html")
	if err != nil {
		panic(err) // embedded at build time: always readable
	}
	r := strings.NewReplacer(
		"{{TANDEM_URL}}", html.EscapeString(strings.TrimRight(tandemURL, "/")),
		"{{SITE_KEY}}", html.EscapeString(siteKey),
		"{{SITE_HEADER}}", strings.TrimSpace(string(header)),
	)
	pages := make(map[string][]byte)
	names, err := fs.Glob(files, "*.html")
	if err != nil {
		panic(err) // the pattern is valid; Glob fails only on a bad pattern
	}
	for _, name := range names {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			panic(err) // embedded at build time: always readable
		}
		pages["/"+name] = []byte(r.Replace(string(b)))
	}
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			servePage(w, pages[name])
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", page("/index.html"))
	// The single-page app answers every route under /spa/ itself.
	mux.HandleFunc("GET /spa/", page("/spa.html"))
	// The apps of app.html (Preact) and react.html (React), built with the
	// other bundles.
	mux.HandleFunc("GET /app.js", bundle("demo-app.js"))
	mux.HandleFunc("GET /react.js", bundle("demo-react.js"))
	mux.HandleFunc("/api/items", readOnly(func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"items": items})
	}))
	mux.HandleFunc("/api/slow", readOnly(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-time.After(slowDelay):
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case <-req.Context().Done():
		}
	}))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{
			"error": map[string]string{"code": "not_found", "message": "no such API: " + req.URL.Path},
		})
	})
	static := http.FileServerFS(files)
	mux.HandleFunc("/", readOnly(func(w http.ResponseWriter, req *http.Request) {
		p := req.URL.Path
		if b, ok := pages[p]; ok {
			servePage(w, b)
			return
		}
		if strings.HasSuffix(p, "/") {
			http.NotFound(w, req) // no directory listings
			return
		}
		if path.Ext(p) == ".woff2" {
			w.Header().Set("Content-Type", "font/woff2")
		}
		if strings.HasPrefix(p, "/fonts/") {
			// The agent's mirror of a page runs on Tandem's origin and loads
			// the page's fonts from here; font loads need CORS.
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		static.ServeHTTP(w, req)
	}))
	return mux
}

// readOnly answers 405 to anything but GET and HEAD: the demo site has
// nothing to change.
func readOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, req)
	}
}

// bundle serves a script of web's dist/.
func bundle(name string) http.HandlerFunc {
	b, err := fs.ReadFile(web.Dist(), name)
	if err != nil {
		panic(err) // embedded at build time; a test checks dist/ is complete
	}
	return func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}

func servePage(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// writeJSON answers with v as JSON. It is the shop's own, not
// internal/httpjson: the demo site stands for a customer's site, whose API
// has nothing to do with Tandem's and must not change when Tandem's does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
