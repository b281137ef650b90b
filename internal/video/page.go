package video

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"net/http"

	"github.com/tandemhq/tandem/web"
)

// The two kinds of recording, as the render page names them.
const (
	kindAssist   = "assist"
	kindTerminal = "terminal"
)

// pageServer serves the render page and one recording on a listener of
// 127.0.0.1. The recording is at a path with a random token, the page's
// #fragment, so that another local process cannot guess it.
type pageServer struct {
	ln    net.Listener
	srv   *http.Server
	token string
}

func servePage(kind string, recording []byte) (*pageServer, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("video: a token: %w", err)
	}
	token := hex.EncodeToString(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("video: listening for the render page: %w", err)
	}
	mux := http.NewServeMux()
	dist := web.Dist()
	asset := func(name, ctype string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, err := fs.ReadFile(dist, name)
			if err != nil {
				http.Error(w, "missing", http.StatusNotFound)
				return
			}
			h := w.Header()
			h.Set("Content-Type", ctype)
			h.Set("Cache-Control", "no-store")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Content-Security-Policy", web.PagePolicy) // the mirror inherits it: nothing of the recorded page runs script here either
			w.Write(body)
		}
	}
	mux.HandleFunc("GET /render.html", asset("render.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET /render.js", asset("render.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /render.css", asset("render.css", "text/css; charset=utf-8"))
	ctype := "application/x-ndjson"
	path := "/api/v1/assists/" + token + "/recording"
	if kind == kindTerminal {
		ctype = "application/x-asciicast"
		path = "/api/v1/terminals/" + token + "/recording"
	}
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(recording)
	})
	ps := &pageServer{ln: ln, token: token, srv: &http.Server{Handler: mux}}
	go ps.srv.Serve(ln)
	return ps, nil
}

// url is the render page's address.
func (ps *pageServer) url() string {
	return "http://" + ps.ln.Addr().String() + "/render.html#" + ps.token
}

func (ps *pageServer) close() {
	ps.srv.Close()
}
