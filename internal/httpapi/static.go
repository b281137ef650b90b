package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// asset is one built file, read once at start, with a strong ETag.
type asset struct {
	body        []byte
	etag        string
	contentType string
}

func loadAsset(fsys fs.FS, name string) (*asset, bool) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, false
	}
	sum := sha256.Sum256(b)
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &asset{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: ct}, true
}

// serve writes the asset; cacheFor is how long browsers may keep it
// without asking (the ETag makes asking cheap).
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheFor time.Duration, cors bool) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	if cacheFor > 0 {
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(cacheFor.Seconds())))
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if cors {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// staticRoutes serves the SDK (to any origin), the console and the web
// terminal (same origin only), and the built assets. Every built file is
// read and hashed once, here, not per request.
func (s *Server) staticRoutes() {
	dist := s.deps.Web
	if dist == nil {
		return
	}
	assets := map[string]*asset{}
	names, _ := fs.Glob(dist, "*")
	for _, name := range names {
		if a, ok := loadAsset(dist, name); ok {
			assets[name] = a
		}
	}
	get := func(name string) *asset {
		if a, ok := assets[name]; ok {
			return a
		}
		s.log.Warn("built asset missing; run npm run build in web/", "file", name)
		return &asset{body: []byte("/* missing " + name + " */"), contentType: "text/plain; charset=utf-8"}
	}
	sdk, recorder := get("sdk.js"), get("recorder.js")
	consoleHTML, terminalHTML := get("console.html"), get("terminal.html")

	s.mux.HandleFunc("GET /sdk.js", func(w http.ResponseWriter, r *http.Request) {
		sdk.serve(w, r, 5*time.Minute, true)
	})
	s.mux.HandleFunc("GET /sdk/recorder.js", func(w http.ResponseWriter, r *http.Request) {
		recorder.serve(w, r, time.Hour, true)
	})
	s.mux.HandleFunc("GET /assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		a, ok := assets[name]
		if !ok || strings.HasSuffix(name, ".html") {
			http.NotFound(w, r)
			return
		}
		a.serve(w, r, 0, false)
	})
	s.mux.HandleFunc("GET /console/", func(w http.ResponseWriter, r *http.Request) {
		consoleHTML.serve(w, r, 0, false)
	})
	s.mux.HandleFunc("GET /terminal/{id}", func(w http.ResponseWriter, r *http.Request) {
		terminalHTML.serve(w, r, 0, false)
	})
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	if s.deps.Metrics != nil {
		s.mux.Handle("GET /metrics", s.deps.Metrics)
	}
}
