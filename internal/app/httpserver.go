package app

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
)

// HTTPTimeouts bound how long a client may hold a connection without
// progress. Zero fields get the defaults in parentheses.
type HTTPTimeouts struct {
	// ReadHeader is the time to send a request's headers (10s).
	ReadHeader time.Duration
	// Read is the time to send a whole request, body included (30s):
	// request bodies are JSON of at most 64 KiB.
	Read time.Duration
	// Write is the time to take a response, from the end of the request's
	// headers (60s). WebSocket channels lift it once upgraded, and
	// recording downloads give each 32 KiB its own time instead.
	Write time.Duration
	// Idle is how long a keep-alive connection may wait for its next
	// request (30s).
	Idle time.Duration
}

func (t HTTPTimeouts) withDefaults() HTTPTimeouts {
	return HTTPTimeouts{
		ReadHeader: cmp.Or(t.ReadHeader, 10*time.Second),
		Read:       cmp.Or(t.Read, 30*time.Second),
		Write:      cmp.Or(t.Write, 60*time.Second),
		Idle:       cmp.Or(t.Idle, 30*time.Second),
	}
}

// newHTTPServer is an http.Server for h with the timeouts of t, logging
// its own errors (bad handshakes, timeouts) as warnings.
func newHTTPServer(h http.Handler, t HTTPTimeouts, log *slog.Logger, base context.Context) *http.Server {
	t = t.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
}

// secureURL reports whether people reach Tandem over HTTPS (directly or
// through a proxy that terminates TLS): then cookies are marked Secure.
func secureURL(publicURL string) bool {
	u, err := url.Parse(publicURL)
	return err == nil && u.Scheme == "https"
}

// Addr is the HTTP listener's address (host:port), which PublicURL may
// hide behind a proxy.
func (s *Server) Addr() string { return s.ln.Addr().String() }
