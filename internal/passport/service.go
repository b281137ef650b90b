// Package passport is Tandem's OpenID Connect provider: people sign in once
// on the passport's origin and every registered site (a client whose id is
// its site key) gets an authorization code, exchanged with PKCE for access,
// refresh and ID tokens.
//
// Access and refresh tokens are opaque and derived from the grant and its
// generation (see grantTokens), so the store keeps only their hashes; ID
// tokens are JWTs signed with keys that rotate (keys.go).
package passport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/password"
	"github.com/tandemhq/tandem/internal/store"
)

// Store is what the passport keeps its state in.
type Store interface {
	store.Passport
	SiteByKey(ctx context.Context, key string) (*tandem.Site, error)
	SiteByID(ctx context.Context, id string) (*tandem.Site, error)
	AppendAudit(ctx context.Context, e *tandem.AuditEntry) error
}

// Config is how a Service runs. Zero durations get the defaults named.
type Config struct {
	// Secret is the installation's signing key (DeriveKey makes the token
	// key from it).
	Secret []byte
	// Issuer is the server's public URL, the iss of ID tokens.
	Issuer string
	Now    func() time.Time
	// Grace is how long a refresh token just rotated still gets the
	// current tokens (two tabs refreshing at once): 30 s.
	Grace time.Duration
	// CodeTTL is an authorization code's lifetime: 60 s.
	CodeTTL time.Duration
	// SessionTTL is how long the passport's own browser session lasts: 30 days.
	SessionTTL time.Duration
	// IDTokenTTL caps an ID token's lifetime: 1 h.
	IDTokenTTL time.Duration
	// Keys is when signing keys rotate (1 h lead, 30 days; Linger is
	// IDTokenTTL).
	Keys KeyPolicy
	// VerifyTTL is how long a verification is cached in memory (1 s).
	VerifyTTL time.Duration
	// Passwords bounds concurrent password checks (a default Gate when nil).
	Passwords *password.Gate
	// Bus carries grant changes between nodes (RunEvents); nil for one
	// process alone.
	Bus    bus.Bus
	Logger *slog.Logger
}

// The defaults of a site's token lifetimes.
const (
	DefaultAccessTTL  = time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// Service is the passport.
type Service struct {
	cfg   Config
	st    Store
	key   []byte
	ring  keyRing
	cache verifyCache
	// followers are the event streams of grants on this node (Follow).
	followers followers
	// clients caches registrations briefly (LookupClient).
	clients clientCache
	// rotating serialises key rotation on this node (another node doing
	// the same at once only publishes one key more).
	rotating sync.Mutex

	dummyOnce sync.Once
	dummy     string
}

// New returns the passport over st.
func New(cfg Config, st Store) (*Service, error) {
	if len(cfg.Secret) < 16 {
		return nil, errors.New("passport: the signing key is too short")
	}
	if cfg.Issuer == "" {
		return nil, errors.New("passport: no issuer URL")
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Grace = cmp.Or(cfg.Grace, 30*time.Second)
	cfg.CodeTTL = cmp.Or(cfg.CodeTTL, 60*time.Second)
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, 30*24*time.Hour)
	cfg.IDTokenTTL = cmp.Or(cfg.IDTokenTTL, time.Hour)
	cfg.Keys.PublishLead = cmp.Or(cfg.Keys.PublishLead, time.Hour)
	cfg.Keys.Rotation = cmp.Or(cfg.Keys.Rotation, 30*24*time.Hour)
	cfg.Keys.Linger = cmp.Or(cfg.Keys.Linger, cfg.IDTokenTTL)
	cfg.VerifyTTL = cmp.Or(cfg.VerifyTTL, time.Second)
	if cfg.Passwords == nil {
		cfg.Passwords = password.NewGate(password.GateConfig{})
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, st: st, key: DeriveKey(cfg.Secret), cache: verifyCache{ttl: cfg.VerifyTTL}, clients: clientCache{ttl: cfg.VerifyTTL}}, nil
}

// Issuer is the iss of the passport's ID tokens.
func (s *Service) Issuer() string { return s.cfg.Issuer }

// Error is an OAuth 2.0 error (RFC 6749 §5.2): Code is one of its names
// (invalid_request, invalid_client, invalid_grant, …).
type Error struct {
	Code        string
	Description string
	// Redirect says whether the error may be sent to the redirect URI:
	// not before the client and its redirect URI are known to be right.
	Redirect bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Status is the HTTP status of the error at the token endpoint.
func (e *Error) Status() int {
	switch e.Code {
	case "invalid_client":
		return http.StatusUnauthorized
	case "slow_down", "temporarily_unavailable":
		return http.StatusTooManyRequests
	case "server_error":
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func oauthErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// Client is an authenticated (or, for a public client, identified) site.
type Client struct {
	Site *tandem.Site
	Line *tandem.ServiceLine
}

// ID is the client id: the site's key.
func (c *Client) ID() string { return c.Site.Key }

// Confidential reports whether the client has a secret.
func (c *Client) Confidential() bool { return c.Line.ClientSecretHash != "" }

// LookupClient finds the registered client clientID (a site key) without
// authenticating it: invalid_client when there is none. Clients are cached
// for VerifyTTL: site back ends authenticate on every verification, and a
// changed registration is seen that late at most.
func (s *Service) LookupClient(ctx context.Context, clientID string) (*Client, error) {
	if clientID == "" || len(clientID) > 200 {
		return nil, oauthErr("invalid_client", "unknown client")
	}
	now := s.cfg.Now()
	if c := s.clients.get(clientID, now); c != nil {
		return c, nil
	}
	c, err := s.lookupClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	s.clients.put(clientID, c, now)
	return c, nil
}

func (s *Service) lookupClient(ctx context.Context, clientID string) (*Client, error) {
	site, err := s.st.SiteByKey(ctx, clientID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, oauthErr("invalid_client", "unknown client")
	}
	if err != nil {
		return nil, fmt.Errorf("look up client: %w", err)
	}
	line, err := s.st.ServiceLine(ctx, site.ID)
	if tandem.ErrorCode(err) == tandem.ENotFound {
		return nil, oauthErr("invalid_client", "the site is not registered with the passport")
	}
	if err != nil {
		return nil, fmt.Errorf("look up service line: %w", err)
	}
	return &Client{Site: site, Line: line}, nil
}

// AuthenticateClient authenticates a client at the token, introspection
// and revocation endpoints: a confidential client by its secret, a public
// one by its id alone (its codes are bound by PKCE). When requireSecret,
// a public client is refused too (endpoints for site back ends).
func (s *Service) AuthenticateClient(ctx context.Context, clientID, secret string, requireSecret bool) (*Client, error) {
	c, err := s.LookupClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Confidential():
		if secret == "" || !equalHash(auth.HashToken(secret), c.Line.ClientSecretHash) {
			return nil, oauthErr("invalid_client", "client authentication failed")
		}
	case secret != "":
		return nil, oauthErr("invalid_client", "the client is public: it has no secret")
	case requireSecret:
		return nil, oauthErr("invalid_client", "this endpoint is for confidential clients (site back ends)")
	}
	return c, nil
}

// NewClientSecret returns a client secret and the hash the service line keeps.
func NewClientSecret() (secret, hash string) {
	secret = randomToken("tps_secret_")
	return secret, auth.HashToken(secret)
}

// audit records a passport event; a failure is logged, not returned: the
// event happened.
func (s *Service) audit(ctx context.Context, grantID, actor, action, detail string) {
	e := &tandem.AuditEntry{SessionID: grantID, Actor: actor, Action: action, Detail: detail, At: s.cfg.Now()}
	if err := s.st.AppendAudit(ctx, e); err != nil {
		s.cfg.Logger.Error("passport audit", "action", action, "grant", grantID, "err", err)
	}
}

func identityActor(id string) string { return "identity:" + id }

// clientCache keeps clients by id for a short while.
type clientCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedClient
}

type cachedClient struct {
	c  *Client
	at time.Time
}

func (cc *clientCache) get(id string, now time.Time) *Client {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e, ok := cc.m[id]
	if !ok || now.Sub(e.at) >= cc.ttl || now.Before(e.at) {
		return nil
	}
	return e.c
}

func (cc *clientCache) put(id string, c *Client, now time.Time) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil || len(cc.m) >= 10_000 {
		cc.m = map[string]cachedClient{}
	}
	cc.m[id] = cachedClient{c: c, at: now}
}
