package app

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

// ListenError is a listener that could not open, with the `tandem serve`
// flag that sets its address, so that the message says what to change.
type ListenError struct {
	Flag string // "addr", "demo-addr", "ssh-addr", "turn-addr", "metrics-addr"
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	reason := e.Err
	// net's text repeats the address and the system call ("listen tcp
	// 127.0.0.1:8080: bind: address already in use"): keep the cause.
	var op *net.OpError
	if errors.As(reason, &op) {
		reason = op.Err
	}
	var sys *os.SyscallError
	if errors.As(reason, &sys) {
		reason = sys.Err
	}
	return fmt.Sprintf("listen on %s: %v (choose another with --%s)", e.Addr, reason, e.Flag)
}

func (e *ListenError) Unwrap() error { return e.Err }

// listenTCP listens on addr, naming flag when it cannot.
func listenTCP(flag, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ListenError{Flag: flag, Addr: addr, Err: err}
	}
	return ln, nil
}

// listenFailure is err as a ListenError naming flag when err is a failure
// to listen (the SSH relay and TURN server open their own sockets), or nil.
func listenFailure(flag, addr string, err error) *ListenError {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "listen" {
		return &ListenError{Flag: flag, Addr: addr, Err: op}
	}
	return nil
}

// off reports whether a listen address means "no listener".
func off(addr string) bool { return addr == "" || addr == "off" }

// minMetricsToken is the shortest metrics token accepted: it guards the
// server's internals on a public port.
const minMetricsToken = 16

// metricsHandler serves Prometheus metrics, behind token when one is set.
// Tokens are compared as SHA-256 digests in constant time, so that neither
// the content nor the length leaks through timing.
func metricsHandler(h http.Handler, token string) http.Handler {
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tandem metrics"`)
			http.Error(w, "metrics need the bearer token given with --metrics-token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// metricsMux is the metrics listener's whole site: /metrics and nothing
// else.
func metricsMux(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
}
