package httpapi

import (
	"bytes"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// asset is one built file, read once at start, with a strong ETag, and the
// precompressed forms the build wrote beside it (NAME.br, NAME.gz).
type asset struct {
	body        []byte
	hash        string // the hash in the asset's hashed URL (assetHash)
	etag        string
	contentType string
	encoded     []encodedBody // most preferred first
}

func loadAsset(fsys fs.FS, name string) (*asset, bool) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, false
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := assetHash(b)
	return &asset{body: b, hash: h, etag: `"` + h + `"`, contentType: ct, encoded: loadEncoded(fsys, name, h)}, true
}

// serve writes the asset, compressed if the client accepts one of its
// encodings; cacheFor is how long browsers may keep it without asking (the
// ETag makes asking cheap), and immutableFor marks a hashed URL.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheFor time.Duration, cors bool) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	body, etag := a.negotiate(w, r)
	h.Set("ETag", etag)
	switch {
	case cacheFor >= immutableFor:
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(immutableFor.Seconds()))+", immutable")
	case cacheFor > 0:
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(cacheFor.Seconds())))
	default:
		h.Set("Cache-Control", "no-cache")
	}
	if cors {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// staticRoutes serves the SDK and its bundles (to any origin), the console and the web
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
		if isEncodedName(name) {
			continue // loaded with the file it is a form of
		}
		if a, ok := loadAsset(dist, name); ok {
			assets[name] = a
		}
	}
	get := func(name string) *asset {
		if a, ok := assets[name]; ok {
			return a
		}
		s.log.Warn("built asset missing; run npm run build in web/", "file", name)
		b := []byte("/* missing " + name + " */")
		return &asset{body: b, hash: assetHash(b), etag: `"` + assetHash(b) + `"`, contentType: "text/plain; charset=utf-8"}
	}
	sdk := get("sdk.js")
	// The bundles the loader loads when needed (the recorder after consent,
	// the chat panel, the passport's sign-in, following tabs, Tandem.screen's
	// tree, the waiting notices), each only under its hashed URL: a loader
	// gets the bundle it was built with, or a 404, never another build's.
	lazy := map[string]*asset{}
	for _, name := range []string{"recorder", "chat", "passport", "tabs", "screen", "waiting"} {
		a := get(name + ".js")
		p := "/sdk/" + name + "." + a.hash + ".js"
		if !bytes.Contains(sdk.body, []byte(`"`+p+`"`)) {
			s.log.Warn("sdk.js does not name this bundle; run npm run build in web/", "want", p)
		}
		lazy[p] = a
	}
	// The console and the terminal load their bundles by hashed URL.
	consoleHTML, terminalHTML := hashedRefs(get("console.html"), assets), hashedRefs(get("terminal.html"), assets)
	hashed := hashedNames(assets)

	s.mux.HandleFunc("GET /sdk.js", func(w http.ResponseWriter, r *http.Request) {
		sdk.serve(w, r, 5*time.Minute, true)
	})
	for p, a := range lazy {
		s.mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			a.serve(w, r, immutableFor, true)
		})
	}
	s.mux.HandleFunc("GET /assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if a, ok := hashed[name]; ok {
			a.serve(w, r, immutableFor, false)
			return
		}
		a, ok := assets[name]
		if !ok || strings.HasSuffix(name, ".html") {
			http.NotFound(w, r)
			return
		}
		a.serve(w, r, 0, false)
	})
	s.mux.HandleFunc("GET /console/", func(w http.ResponseWriter, r *http.Request) {
		setPageSecurity(w.Header())
		consoleHTML.serve(w, r, 0, false)
	})
	s.shareStaticRoutes(consoleHTML, terminalHTML)
	s.mux.HandleFunc("GET /terminal/{id}", func(w http.ResponseWriter, r *http.Request) {
		setPageSecurity(w.Header())
		terminalHTML.serve(w, r, 0, false)
	})
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	if s.deps.Metrics != nil {
		s.mux.Handle("GET /metrics", s.deps.Metrics)
	}
}
