// Package passportclient is the Go client of Tandem's passport for a
// site's back end: it verifies the access tokens people's browsers and
// apps send (with a local cache, so that verifying every request costs a
// map lookup), introspects them (RFC 7662) and refreshes tokens.
//
//	pc := passportclient.New(passportclient.Config{
//		URL: "https://tandem.example.com", ClientID: siteKey, ClientSecret: secret,
//	})
//	r, err := pc.Verify(ctx, token)
//	if err == nil && r.Active { /* r.IdentityID is the person */ }
package passportclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config is how a Client reaches the passport.
type Config struct {
	// URL is the Tandem server's public URL (the passport's issuer).
	URL string
	// ClientID is the site's key; ClientSecret its client secret (printed
	// once by tandem site add --confidential).
	ClientID, ClientSecret string
	// HTTP is the client requests go through (http.DefaultClient when nil).
	HTTP *http.Client
	// CacheTTL is how long a verification is kept: an active one at most
	// until its token expires. 0 means 5 s; negative turns the cache off.
	// A sign-in ended elsewhere is seen at most this late.
	CacheTTL time.Duration
	// MaxCached bounds the cache (10000 tokens); past it, it starts again.
	MaxCached int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Result is what the passport says of an access token.
type Result struct {
	Active     bool      `json:"active"`
	IdentityID string    `json:"identityId,omitempty"`
	SiteID     string    `json:"siteId,omitempty"`
	DeviceID   string    `json:"deviceId,omitempty"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"`
	// RefreshAhead asks the client to refresh before the token expires.
	RefreshAhead bool `json:"refreshAhead,omitempty"`
	// Reason says why a token is inactive: malformed, unknown, expired,
	// signed_in_elsewhere (sign the person out with that message),
	// revoked, reused, logged_out.
	Reason string `json:"reason,omitempty"`
}

// Client talks to the passport. It is safe for concurrent use.
type Client struct {
	cfg   Config
	mu    sync.Mutex
	cache map[[32]byte]entry
}

type entry struct {
	r     *Result
	until time.Time
}

// New returns a Client.
func New(cfg Config) *Client {
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 5 * time.Second
	}
	if cfg.MaxCached <= 0 {
		cfg.MaxCached = 10000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, cache: map[[32]byte]entry{}}
}

// Error is an error answer of the passport.
type Error struct {
	Status      int
	Code        string
	Description string
}

func (e *Error) Error() string {
	return fmt.Sprintf("passport: %d %s: %s", e.Status, e.Code, e.Description)
}

// Verify asks whether token is an active access token of this site, from
// the cache when it can.
func (c *Client) Verify(ctx context.Context, token string) (*Result, error) {
	if token == "" || len(token) > 512 {
		return &Result{Reason: "malformed"}, nil
	}
	key := sha256.Sum256([]byte(token))
	now := c.cfg.Now()
	if c.cfg.CacheTTL > 0 {
		c.mu.Lock()
		e, ok := c.cache[key]
		c.mu.Unlock()
		if ok && now.Before(e.until) {
			if e.r.Active && !now.Before(e.r.ExpiresAt) {
				return &Result{Reason: "expired"}, nil
			}
			return e.r, nil
		}
	}
	body, _ := json.Marshal(map[string]string{"token": token})
	req, err := http.NewRequestWithContext(ctx, "POST", c.cfg.URL+"/api/v1/passport/verify", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("passport verify: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.cfg.ClientID, c.cfg.ClientSecret)
	var r Result
	if err := c.do(req, &r); err != nil {
		return nil, err
	}
	if c.cfg.CacheTTL > 0 {
		until := now.Add(c.cfg.CacheTTL)
		if r.Active && r.ExpiresAt.Before(until) {
			until = r.ExpiresAt
		}
		c.mu.Lock()
		if len(c.cache) >= c.cfg.MaxCached {
			clear(c.cache)
		}
		c.cache[key] = entry{r: &r, until: until}
		c.mu.Unlock()
	}
	return &r, nil
}

// Forget drops token from the cache (after the site signed the person out, say).
func (c *Client) Forget(token string) {
	c.mu.Lock()
	delete(c.cache, sha256.Sum256([]byte(token)))
	c.mu.Unlock()
}

// Introspection is an RFC 7662 answer.
type Introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Sub       string `json:"sub,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	Iss       string `json:"iss,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	SID       string `json:"sid,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Introspect asks the passport's introspection endpoint (never cached).
func (c *Client) Introspect(ctx context.Context, token string) (*Introspection, error) {
	var out Introspection
	if err := c.postForm(ctx, "/passport/introspect", url.Values{"token": {token}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Tokens is a token response.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// Refresh trades a refresh token for new tokens. Two refreshes of the same
// token at once get the same new tokens; a refresh token replayed after
// that ends the sign-in (an *Error with Code invalid_grant).
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	var out Tokens
	if err := c.postForm(ctx, "/passport/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) postForm(ctx context.Context, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.cfg.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("passport %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	return c.do(req, out)
}

func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("passport %s: %w", req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("passport %s: read: %w", req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error       any    `json:"error"`
			Description string `json:"error_description"`
		}
		perr := &Error{Status: resp.StatusCode}
		if json.Unmarshal(b, &e) == nil {
			switch v := e.Error.(type) {
			case string: // OAuth 2.0
				perr.Code, perr.Description = v, e.Description
			case map[string]any: // the API's {error: {code, message}}
				perr.Code, _ = v["code"].(string)
				perr.Description, _ = v["message"].(string)
			}
		}
		return perr
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("passport %s: decode: %w", req.URL.Path, err)
	}
	return nil
}
