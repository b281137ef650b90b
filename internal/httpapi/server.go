// Package httpapi is Tandem's HTTP surface: the JSON API under /api/v1/
// (described by the OpenAPI document it serves), the WebSocket channels of
// web assistance, the SDK and console bundles, health and metrics.
//
// Handlers only translate between HTTP and the capability packages; the
// rules live in those packages.
package httpapi

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/admin"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/bot"
	"github.com/tandemhq/tandem/internal/cluster"
	"github.com/tandemhq/tandem/internal/conversation"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/ratelimit"
	"github.com/tandemhq/tandem/internal/sharelink"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/videoexport"
)

// Sites is what the API needs of sites: listing them for invites, and
// reading and writing one's screen mapping.
type Sites interface {
	ListSites(ctx context.Context) ([]*tandem.Site, error)
	SiteByID(ctx context.Context, id string) (*tandem.Site, error)
	UpdateSite(ctx context.Context, s *tandem.Site) error
}

// Deps are the things the API talks to.
type Deps struct {
	Assists *assist.Service
	// Conversations serves /api/v1/conversations… and the people's
	// /api/v1/public/conversations….
	Conversations *conversation.Service
	Login         auth.Authenticator
	Sessions      *auth.Manager
	Sites         Sites
	// Users lists the console's users for /api/v1/users (nil: 503).
	Users Users
	// Web holds the built bundles (web.Dist()).
	Web fs.FS
	// Terminals, when set, serves /api/v1/terminals... (terminal assistance).
	Terminals Terminals
	// Metrics serves /metrics; Ready reports whether the server can take
	// traffic, for /readyz (nil: always).
	Metrics http.Handler
	Ready   func(ctx context.Context) error
	Logger  *slog.Logger
	// SecureCookies marks cookies Secure (set when served over HTTPS).
	SecureCookies bool
	// Proxies are the reverse proxies whose X-Forwarded-For names the
	// client (netx.ClientAddr), for limits and logs; none by default.
	Proxies netx.Proxies
	// SignIn limits password guessing (auth.NewThrottle's defaults when nil).
	SignIn *auth.Throttle
	// MaxFrameBytes bounds one WebSocket frame from a person (8 MiB).
	MaxFrameBytes int64
	Observer      Observer
	// Stopping, when set, ends when the server stops: WebSocket channels,
	// which outlive the requests that opened them, close then.
	Stopping context.Context
	// NodeAuth and Node make this server one node of several: requests
	// other nodes forward (signed with NodeAuth) are served with the client
	// address they carry, and the clients of a live session that another
	// node owns (Node.Owner) are forwarded to it (see forward.go). Both nil:
	// a single server.
	NodeAuth *cluster.Auth
	Node     cluster.Owners
	// Bots, when set, serves bots: their management, the bot API and the
	// buttons and commands of conversations.
	Bots *bot.Service
	// Hooks receives the posts to bots' incoming webhooks (/hooks/TOKEN);
	// nil answers every one no_service.
	Hooks HookReceiver
	// Passport, when set, serves the OpenID Connect provider (/passport/…,
	// /.well-known/openid-configuration, /api/v1/passport/verify).
	Passport *passport.Service
	// ConsoleSignIn is how agents sign in to the console: with a
	// password, through the passport, or both (the default).
	ConsoleSignIn ConsoleSignIn
	// ShareLinks, when set, serves the share links of replays
	// (/api/v1/…/share-links and the links, /s/{token}); nil answers 503.
	ShareLinks *sharelink.Service
	// Videos, when set, serves the video exports (/api/v1/videos…);
	// nil answers them unavailable.
	Videos *videoexport.Service
	// Admin, when set, serves the administration of agents, sites and the
	// audit log (/api/v1/admin/…); nil answers them unavailable.
	Admin *admin.Service
	// SessionRecheck is how often the session of an open console
	// WebSocket is checked again: one signed out, expired or disabled
	// closes it (5 s when zero).
	SessionRecheck time.Duration
}

// Observer counts requests for metrics; nil is allowed.
type Observer interface {
	Request(route string, status int, d time.Duration)
	Channel(kind string, delta int)
}

// Server is the HTTP handler for everything Tandem serves.
type Server struct {
	deps         Deps
	log          *slog.Logger
	mux          *http.ServeMux
	root         http.Handler // mux behind the client address resolution
	signIn       *auth.Throttle
	redeemLimit  *ratelimit.Limiter
	requestLimit *ratelimit.Limiter
	tokenLimit   *ratelimit.Limiter // the passport's token endpoint, per client address
	routes       []route
	frameBufs    sync.Pool // *bytes.Buffer for reading frames
	channels     channels  // the running WebSocket channels
	// forwarder passes clients of other nodes' sessions to their owners;
	// nil on a single server.
	forwarder *cluster.Forwarder
}

// route is one entry of the API: the OpenAPI test checks that every route is
// documented and every documented path is routed.
type route struct {
	method, path string // path in OpenAPI form, e.g. /api/v1/assists/{id}
	handler      http.HandlerFunc
	access       access
}

type access int

const (
	public    access = iota // anyone; CORS for site origins where it matters
	signIn                  // anyone, but cross-origin requests refused (login CSRF)
	signedIn                // a console session; cross-origin requests refused
	wsPublic                // a WebSocket whose credential is in the query
	wsSession               // a WebSocket of a console session
)

// New returns the handler.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxFrameBytes == 0 {
		d.MaxFrameBytes = 8 << 20
	}
	if d.Stopping == nil {
		d.Stopping = context.Background()
	}
	if d.SignIn == nil {
		d.SignIn = auth.NewThrottle(auth.ThrottleConfig{})
	}
	s := &Server{
		deps:         d,
		log:          d.Logger,
		mux:          http.NewServeMux(),
		signIn:       d.SignIn,
		redeemLimit:  ratelimit.New(6*time.Second, 10),
		requestLimit: ratelimit.New(time.Second, 30),
		tokenLimit:   ratelimit.New(100*time.Millisecond, 60),
		frameBufs:    sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
	if d.NodeAuth != nil && d.Node != nil {
		f, err := cluster.NewForwarder(cluster.ForwarderConfig{Auth: d.NodeAuth, Owners: d.Node, Logger: d.Logger})
		if err != nil {
			panic(err) // NewForwarder fails only without Auth or Owners, checked above
		}
		s.forwarder = f
		context.AfterFunc(d.Stopping, f.Close) // no idle connections to other nodes outlive the server
	}
	s.routes = s.apiRoutes()
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(refuseCrossOrigin))
	for _, r := range s.routes {
		h := http.Handler(r.handler)
		switch r.access {
		case signIn:
			h = csrf.Handler(h)
		case signedIn:
			h = csrf.Handler(s.requireSession(h))
		case wsSession:
			h = s.requireSameOrigin(s.requireSession(s.watchSession(h)))
		}
		// OpenAPI paths ({id}) are ServeMux patterns as they are.
		s.mux.Handle(r.method+" "+r.path, s.observe(r.path, h))
	}
	for _, r := range s.nodeRoutes() {
		s.mux.Handle(r.method+" "+r.path, s.observe(r.path, r.handler))
	}
	s.staticRoutes()
	var h http.Handler = s.mux
	if d.NodeAuth != nil {
		h = d.NodeAuth.Trust(h, d.Logger)
	}
	s.root = d.Proxies.Handler(h)
	return s
}

func (s *Server) apiRoutes() []route {
	routes := []route{
		{"GET", "/api/v1/openapi.json", s.handleOpenAPI, public},
		{"POST", "/api/v1/login", s.handleLogin, signIn},
		{"POST", "/api/v1/logout", s.handleLogout, signedIn},
		{"GET", "/api/v1/me", s.handleMe, signedIn},
		{"GET", "/api/v1/sites", s.handleListSites, signedIn},
		{"GET", "/api/v1/assists", s.handleListAssists, signedIn},
		{"GET", "/api/v1/assists/{id}", s.handleGetAssist, signedIn},
		{"POST", "/api/v1/assists/{id}/accept", s.toOwner(store.LeaseAssist, s.handleAccept), signedIn},
		{"POST", "/api/v1/assists/{id}/end", s.toOwner(store.LeaseAssist, s.handleEnd), signedIn},
		{"GET", "/api/v1/assists/{id}/recording", s.handleRecording, signedIn},
		{"GET", "/api/v1/assists/{id}/ws", s.toOwner(store.LeaseAssist, s.handleAgentChannel), wsSession},
		{"GET", "/api/v1/queue/ws", s.handleQueueChannel, wsSession},
		{"POST", "/api/v1/invites", s.handleCreateInvite, signedIn},
		{"GET", "/api/v1/public/sites/{key}/config", s.handleSiteConfig, public},
		{"OPTIONS", "/api/v1/public/sites/{key}/config", s.handlePreflight, public},
		{"POST", "/api/v1/public/help-requests", s.handleHelpRequest, public},
		{"OPTIONS", "/api/v1/public/help-requests", s.handlePreflight, public},
		{"POST", "/api/v1/public/invites/redeem", s.handleRedeem, public},
		{"OPTIONS", "/api/v1/public/invites/redeem", s.handlePreflight, public},
		{"GET", "/api/v1/public/assists/{id}/ws", s.toOwner(store.LeaseAssist, s.handlePersonChannel), wsPublic},
		{"GET", "/api/v1/terminals", s.terminalRoute(Terminals.ServeList), signedIn},
		{"GET", "/api/v1/terminals/{id}", s.toOwner(store.LeaseTerminal, s.terminalRoute(Terminals.ServeTerminal)), signedIn},
		{"GET", "/api/v1/terminals/{id}/recording", s.terminalRoute(Terminals.ServeRecording), signedIn},
		{"GET", "/api/v1/terminals/{id}/ws", s.toOwner(store.LeaseTerminal, s.terminalRoute(Terminals.ServeWebTerminal)), wsSession},
		{"GET", "/healthz", s.handleHealth, public},
		{"GET", "/readyz", s.handleReady, public},
	}
	routes = append(routes, s.conversationRoutes()...)
	routes = append(routes, s.botRoutes()...)
	routes = append(routes, s.hookRoutes()...)
	routes = append(routes, s.passportRoutes()...)
	routes = append(routes, s.passportMonitorRoutes()...)
	routes = append(routes, s.consolePassportRoutes()...)
	routes = append(routes, s.userRoutes()...)
	routes = append(routes, s.shareLinkRoutes()...)
	routes = append(routes, s.screenMappingRoutes()...)
	routes = append(routes, s.availabilityRoutes()...)
	routes = append(routes, s.videoRoutes()...)
	routes = append(routes, s.adminRoutes()...)
	return routes
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/sdk") {
		h.Set("X-Frame-Options", "DENY")
	}
	if strings.HasPrefix(r.URL.Path, "/api/") && !apiDestination(r.Method, r.URL.Path, r.Header.Get("Sec-Fetch-Dest")) {
		httpjson.WriteError(w, tandem.Errorf(tandem.EForbidden, "the API answers fetch, WebSocket and navigation requests only"))
		return
	}
	s.root.ServeHTTP(w, r)
}

// apiDestination reports whether a browser request for dest may reach the
// API. Browsers name what a request is for (Sec-Fetch-Dest): the console and
// the SDK use fetch ("empty") and WebSockets, and a person may open an API
// address in a tab ("document"). An image, stylesheet, font, frame or the
// like aimed at the API comes from markup no one wrote for it (a mirrored
// page's CSS url(), say) and, carrying the agent's cookie, is refused before
// any handler runs. Clients that send no such header are not browsers.
//
// One exception: the console's <video> player loads a done export from
// GET /api/v1/videos/{id}/file, a "video" destination. Markup aimed there
// (a mirrored page's <video>) would need the export's random id, could
// only read (GET and HEAD), and would get a video the agent may download
// anyway, shown where no script runs; no other route takes "video", so
// everything that changes state still answers fetches only.
func apiDestination(method, path, dest string) bool {
	switch dest {
	case "", "empty", "websocket", "document":
		return true
	case "video":
		return (method == http.MethodGet || method == http.MethodHead) && videoFilePath(path)
	}
	return false
}

// videoFilePath reports whether path is /api/v1/videos/{id}/file.
func videoFilePath(path string) bool {
	id, ok := strings.CutPrefix(path, "/api/v1/videos/")
	if !ok {
		return false
	}
	id, ok = strings.CutSuffix(id, "/file")
	return ok && id != "" && !strings.Contains(id, "/")
}

// statusWriter remembers the status code for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	status int
	// forwarded is set when the request was passed to another node: it is
	// counted as such, with the status the owner answered.
	forwarded bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) observe(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v != nil && v != http.ErrAbortHandler {
				s.log.Error("handler panic", "route", route, "panic", v)
				if sw.status == 0 {
					httpjson.WriteError(sw, tandem.Errorf(tandem.EInternal, "internal error"))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			name := r.Method + " " + route
			if sw.forwarded {
				name = "forwarded " + name
			}
			if s.deps.Observer != nil {
				s.deps.Observer.Request(name, status, time.Since(start))
			}
			if v == http.ErrAbortHandler {
				// A forwarded response cut short: net/http aborts the
				// client's connection, so that it does not look complete.
				panic(v)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// handleHealth is liveness: the process serves HTTP.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady is readiness: whether a load balancer should send this
// server new clients. An anonymous caller learns only the kind of reason
// (a tandem error's message, never the cause's text, which may name hosts);
// the log has the rest.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.deps.Ready != nil {
		if err := s.deps.Ready(r.Context()); err != nil {
			s.log.Warn("not ready", "err", err)
			msg := "not ready"
			if tandem.ErrorCode(err) != tandem.EInternal {
				msg = tandem.ErrorMessage(err)
			}
			httpjson.WriteError(w, tandem.Errorf(tandem.EUnavailable, "%s", msg))
			return
		}
	}
	httpjson.Write(w, http.StatusOK, map[string]string{"status": "ready"})
}
