package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/store"
)

// Owners says which node serves a live session (lease.Node).
type Owners interface {
	// Holds reports whether this node holds the lease of session id
	// (in memory, cheap).
	Holds(id string) bool
	// Owner returns the lease of session id when another live node holds
	// it; ok is false when none does.
	Owner(ctx context.Context, id string) (l store.Lease, ok bool, err error)
}

// Defaults of ForwarderConfig.
const (
	DefaultDialTimeout   = 2 * time.Second
	DefaultHeaderTimeout = 15 * time.Second
	DefaultRetryAfter    = time.Second
)

// maxDownLogged bounds the owners remembered as already logged unreachable:
// a dead node's id never comes back, so the set is cleared when it fills.
const maxDownLogged = 256

// ForwarderConfig configures a Forwarder. Zero durations get the defaults.
type ForwarderConfig struct {
	// Auth signs every forwarded request (required).
	Auth *Auth
	// Owners says which node serves a session (required).
	Owners Owners
	// DialTimeout bounds connecting to an owner: one that just died is
	// answered for within it, never waited on.
	DialTimeout time.Duration
	// HeaderTimeout bounds the wait for the owner's response headers (a
	// WebSocket's 101 comes at once; the body or the frames after it are
	// not bounded by it).
	HeaderTimeout time.Duration
	// RetryAfter is what a client is told to wait when the owner cannot be
	// reached.
	RetryAfter time.Duration
	Logger     *slog.Logger
}

// Forwarder passes the requests of a session another node owns to that
// node: over HTTP, WebSocket upgrades included, streamed both ways. The
// owner's address comes only from the session's lease in the store, never
// from the request; each forwarded request is signed (Auth.Sign) and
// carries the client's address in ClientAddrHeader, and keeps its Host,
// Origin, cookies and Sec-Fetch-* headers, so that the owner runs every
// check as if the client had reached it directly.
type Forwarder struct {
	auth       *Auth
	owners     Owners
	log        *slog.Logger
	retryAfter string
	transport  *http.Transport
	proxy      *httputil.ReverseProxy

	mu   sync.Mutex
	down map[string]bool // owners whose unreachability was logged
}

// NewForwarder returns a Forwarder.
func NewForwarder(cfg ForwarderConfig) (*Forwarder, error) {
	if cfg.Auth == nil || cfg.Owners == nil {
		return nil, errors.New("cluster: a forwarder needs the node's Auth and Owners")
	}
	if cfg.DialTimeout < 0 || cfg.HeaderTimeout < 0 || cfg.RetryAfter < 0 {
		return nil, errors.New("cluster: forwarder timeouts must not be negative")
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = DefaultHeaderTimeout
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// HTTP/1.1 only: WebSocket upgrades need it. No proxy from the
	// environment: nodes talk to each other directly.
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	t := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   cfg.DialTimeout,
		ResponseHeaderTimeout: cfg.HeaderTimeout,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		Protocols:             protocols,
	}
	f := &Forwarder{
		auth: cfg.Auth, owners: cfg.Owners, log: cfg.Logger, transport: t,
		retryAfter: strconv.Itoa(max(1, int((cfg.RetryAfter+time.Second-1)/time.Second))),
		down:       make(map[string]bool),
	}
	f.proxy = &httputil.ReverseProxy{
		Rewrite:        f.rewrite,
		Transport:      t,
		FlushInterval:  -1, // stream: flush every write at once
		ModifyResponse: f.answered,
		ErrorHandler:   f.unreachable,
		ErrorLog:       slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
	}
	return f, nil
}

// Close drops the idle connections to other nodes.
func (f *Forwarder) Close() { f.transport.CloseIdleConnections() }

// Owner returns the lease of the node that serves session id (of kind),
// when r is to be passed to it: ok is false when r is served here, because
// this node holds the lease, or no live node does (this node may take the
// session over), or the lease is of another kind, or r was forwarded by a
// node already (a request is forwarded once at most, so that nodes that
// disagree about an owner cannot pass it around).
func (f *Forwarder) Owner(r *http.Request, id string, kind store.LeaseKind) (store.Lease, bool) {
	if f.owners.Holds(id) {
		return store.Lease{}, false
	}
	if _, ok := ForwardedBy(r); ok {
		return store.Lease{}, false
	}
	// Trust verified it already when it is in front; checked here too
	// where it is not.
	if _, err := f.auth.Verify(r); err == nil {
		return store.Lease{}, false
	}
	l, ok, err := f.owners.Owner(r.Context(), id)
	if err != nil {
		// The store does not answer: serving here gives the client the
		// error it would get on one node.
		f.log.Warn("read a session's owner to forward its client", "session", id, "err", err)
		return store.Lease{}, false
	}
	if !ok || l.Kind != kind {
		return store.Lease{}, false
	}
	return l, true
}

// target is where one forwarded request goes, and what came back.
type target struct {
	owner  store.Lease
	url    *url.URL
	status int
}

type targetKey struct{}

// Forward passes r to the owner of its session and streams the answer to
// w; it returns the status the client got (101 for a WebSocket upgrade,
// 503 when the owner cannot be reached, 0 when the client went away
// first).
func (f *Forwarder) Forward(w http.ResponseWriter, r *http.Request, owner store.Lease) int {
	u, err := nodeURL(owner.NodeURL)
	if err != nil {
		// The store holds only checked URLs; a bad one is not followed.
		f.log.Error("a session's lease has a bad node URL", "session", owner.SessionID, "node", owner.Node, "err", err)
		httpjson.WriteError(w, tandem.Errorf(tandem.EInternal, "internal error"))
		return http.StatusInternalServerError
	}
	t := &target{owner: owner, url: u}
	// The owner's answer has the headers every response gets; those this
	// node set already would be sent twice.
	clear(w.Header())
	f.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), targetKey{}, t)))
	return t.status
}

// nodeURL parses a node's URL, as store.CheckAcquire admits it.
func nodeURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("node URL %q is not an http or https URL", s)
	}
	return u, nil
}

func targetOf(r *http.Request) *target {
	t, _ := r.Context().Value(targetKey{}).(*target)
	return t
}

// rewrite makes the request to the owner: the client's request with the
// owner's address, the client's Host, the client's address, signed. The
// stdlib proxy has already dropped hop-by-hop headers (but kept a
// WebSocket's Upgrade) and X-Forwarded-*: the owner believes only the
// signed client address.
func (f *Forwarder) rewrite(pr *httputil.ProxyRequest) {
	t := targetOf(pr.In)
	pr.SetURL(t.url)
	pr.Out.Host = pr.In.Host
	pr.Out.Header.Set(ClientAddrHeader, netx.ClientAddr(pr.In))
	f.auth.Sign(pr.Out)
}

// answered notes the owner's status, and that the owner is reachable again.
func (f *Forwarder) answered(res *http.Response) error {
	t := targetOf(res.Request)
	t.status = res.StatusCode
	f.mu.Lock()
	delete(f.down, t.owner.Node)
	f.mu.Unlock()
	return nil
}

// unreachable answers a client whose session's owner did not answer: 503
// with Retry-After (a WebSocket client reconnects with its backoff, and
// meanwhile the owner's lease lapses and another node takes the session
// over). Each owner is logged once, not once per client.
func (f *Forwarder) unreachable(w http.ResponseWriter, r *http.Request, err error) {
	t := targetOf(r)
	if t.status == http.StatusSwitchingProtocols || r.Context().Err() != nil {
		// The connection was handed over (or its client left): nothing
		// more can be written to it.
		return
	}
	f.mu.Lock()
	logged := f.down[t.owner.Node]
	if !logged {
		if len(f.down) >= maxDownLogged {
			clear(f.down)
		}
		f.down[t.owner.Node] = true
	}
	f.mu.Unlock()
	if !logged {
		f.log.Warn("the node that serves a session cannot be reached; its clients are told to retry",
			"node", t.owner.Node, "url", t.owner.NodeURL, "session", t.owner.SessionID, "err", err)
	}
	t.status = http.StatusServiceUnavailable
	w.Header().Set("Retry-After", f.retryAfter)
	httpjson.WriteError(w, tandem.Errorf(tandem.EUnavailable, "the server of this session cannot be reached; try again"))
}
