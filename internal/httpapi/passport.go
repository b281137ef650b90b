package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/passport"
	"github.com/tandemhq/tandem/internal/password"
)

// passportCookie is the passport's own browser session, on its origin
// only: what lets a person signed in for one site skip the form for the
// next.
const passportCookie = "tandem_passport"

// passportRoutes are the OpenID Connect provider (docs/passport.md).
func (s *Server) passportRoutes() []route {
	routes := []route{
		{"GET", "/.well-known/openid-configuration", s.handleDiscovery, public},
		{"GET", "/passport/jwks", s.handleJWKS, public},
		{"GET", "/passport/authorize", s.handleAuthorize, public},
		{"POST", "/passport/authorize", s.handleAuthorizeSignIn, signIn},
		{"POST", "/passport/token", s.handleToken, public},
		{"OPTIONS", "/passport/token", s.handlePassportPreflight, public},
		{"GET", "/passport/userinfo", s.handleUserinfo, public},
		{"POST", "/passport/userinfo", s.handleUserinfo, public},
		{"OPTIONS", "/passport/userinfo", s.handlePassportPreflight, public},
		{"GET", "/passport/events", s.handlePassportEvents, public},
		{"OPTIONS", "/passport/events", s.handlePassportPreflight, public},
		{"GET", "/passport/logout", s.handlePassportLogout, public},
		{"POST", "/passport/introspect", s.handleIntrospect, public},
		{"POST", "/passport/revoke", s.handleRevoke, public},
		{"OPTIONS", "/passport/revoke", s.handlePassportPreflight, public},
		{"POST", "/api/v1/passport/verify", s.handleVerify, public},
	}
	for i := range routes {
		routes[i].handler = s.needPassport(routes[i].handler)
	}
	return routes
}

// needPassport answers 404 for the passport's routes when the server runs
// without one.
func (s *Server) needPassport(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Passport == nil {
			http.NotFound(w, r)
			return
		}
		next(w, r)
	}
}

// passportCORS lets pages of any origin call the endpoints that take no
// cookies (token, userinfo, events, revoke): browser-based clients exchange codes
// and refresh from their own origin. Credentials are never allowed.
func passportCORS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP")
		h.Set("Access-Control-Max-Age", "600")
		// A page reads why its token stopped working (RFC 6750's header).
		h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
	}
}

func (s *Server) handlePassportPreflight(w http.ResponseWriter, r *http.Request) {
	passportCORS(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// oauthError answers an OAuth 2.0 error as JSON (RFC 6749 §5.2); other
// errors are a server_error, logged.
func (s *Server) oauthError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *passport.Error
	if !errors.As(err, &oe) {
		s.log.Error("passport request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		oe = &passport.Error{Code: "server_error", Description: "internal error"}
		if errors.Is(err, password.ErrBusy) {
			oe = &passport.Error{Code: "temporarily_unavailable", Description: "busy; try again"}
		}
	}
	if oe.Code == "invalid_client" && r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="passport"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpjson.Write(w, oe.Status(), map[string]string{"error": oe.Code, "error_description": oe.Description})
}

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	iss := s.deps.Passport.Issuer()
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpjson.Write(w, http.StatusOK, map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + "/passport/authorize",
		"token_endpoint":                                 iss + "/passport/token",
		"userinfo_endpoint":                              iss + "/passport/userinfo",
		"jwks_uri":                                       iss + "/passport/jwks",
		"end_session_endpoint":                           iss + "/passport/logout",
		"introspection_endpoint":                         iss + "/passport/introspect",
		"revocation_endpoint":                            iss + "/passport/revoke",
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token", passport.AuthkeyGrant, passport.VouchGrant},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{"RS256"},
		"scopes_supported":                               []string{"openid", "email", "profile", "offline_access"},
		"claims_supported":                               []string{"iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "sid", "email", "name"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_basic", "client_secret_post"},
		"introspection_endpoint_auth_methods_supported":  []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported":     []string{"none", "client_secret_basic", "client_secret_post"},
		"authorization_response_iss_parameter_supported": true,
		"prompt_values_supported":                        []string{"none", "login"},
	})
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	set, err := s.deps.Passport.JWKS(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Short: a new key is published an hour before it signs.
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpjson.Write(w, http.StatusOK, set)
}

// handleAuthorize starts a sign-in for a client: straight back with a code
// when the browser has a passport session (single sign-on), else the form.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ar := passport.AuthRequestFrom(r.URL.Query())
	c, ok := s.checkAuthRequest(w, r, ar)
	if !ok {
		return
	}
	prompt := strings.Fields(ar.Prompt)
	if sess := s.passportSession(r); sess != nil && !slices.Contains(prompt, "login") {
		s.issueCode(w, r, c, ar, sess)
		return
	}
	if slices.Contains(prompt, "none") {
		redirectError(w, r, ar, &passport.Error{Code: "login_required", Description: "the person is not signed in to the passport"}, s.deps.Passport.Issuer())
		return
	}
	s.writeSignIn(w, http.StatusOK, c, ar, "", "")
}

// handleAuthorizeSignIn is the form's post: the password checked under
// the sign-in limits, then a passport session and a code.
func (s *Server) handleAuthorizeSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writePassportPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	ar := passport.AuthRequestFrom(r.PostForm)
	c, ok := s.checkAuthRequest(w, r, ar)
	if !ok {
		return
	}
	email, pw := r.PostForm.Get("email"), r.PostForm.Get("password")
	client := netx.ClientAddr(r)
	log := s.log.With("email", auth.EmailKey(email), "client", client, "site", c.Site.ID)
	attempt, refused := s.signIn.Begin(email, client)
	if refused != nil {
		log.Warn("passport sign-in refused", "result", "limited", "limit", refused.Reason)
		secs := retryAfter(w, refused.Wait)
		s.writeSignIn(w, http.StatusTooManyRequests, c, ar, email, "Too many attempts; try again in "+strconv.Itoa(secs)+" seconds.")
		return
	}
	id, err := s.deps.Passport.CheckPassword(r.Context(), email, pw)
	switch {
	case err == nil:
		attempt.Done(auth.Succeeded)
	case tandem.ErrorCode(err) == tandem.EUnauthorized:
		attempt.Done(auth.Failed)
		log.Warn("passport sign-in failed", "result", "wrong")
		s.writeSignIn(w, http.StatusUnauthorized, c, ar, email, "Wrong email or password.")
		return
	default:
		attempt.Done(auth.NotChecked)
		log.Warn("passport sign-in failed", "result", "error", "err", err)
		retryAfter(w, time.Second)
		s.writeSignIn(w, http.StatusServiceUnavailable, c, ar, email, "The passport is busy; try again.")
		return
	}
	tok, err := s.deps.Passport.StartSession(r.Context(), id.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	log.Info("passport signed in", "identity", id.ID)
	http.SetCookie(w, &http.Cookie{
		Name: passportCookie, Value: tok, Path: "/passport/", HttpOnly: true, Secure: s.deps.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: s.deps.Passport.SessionTTL(),
	})
	sess, err := s.deps.Passport.LookupSession(r.Context(), tok)
	if err != nil || sess == nil {
		s.fail(w, r, tandem.Errorf(tandem.EInternal, "read the new passport session: %v", err))
		return
	}
	s.issueCode(w, r, c, ar, sess)
}

// checkAuthRequest validates an authorization request, answering the
// errors itself: on the passport when the client or redirect URI is wrong
// (never to an unverified address), else back to the redirect URI.
func (s *Server) checkAuthRequest(w http.ResponseWriter, r *http.Request, ar *passport.AuthRequest) (*passport.Client, bool) {
	c, err := s.deps.Passport.CheckAuthRequest(r.Context(), ar)
	if err == nil {
		return c, true
	}
	var oe *passport.Error
	switch {
	case errors.As(err, &oe) && oe.Redirect:
		redirectError(w, r, ar, oe, s.deps.Passport.Issuer())
	case errors.As(err, &oe):
		writePassportPage(w, http.StatusBadRequest, "This sign-in link is not valid", oe.Description)
	default:
		s.log.Error("passport authorize", "err", err)
		writePassportPage(w, http.StatusInternalServerError, "Something went wrong", "Try again later.")
	}
	return nil, false
}

func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, c *passport.Client, ar *passport.AuthRequest, sess *passport.Session) {
	code, err := s.deps.Passport.IssueSessionCode(r.Context(), c, ar, sess)
	if err != nil {
		s.log.Error("passport issue code", "err", err)
		redirectError(w, r, ar, &passport.Error{Code: "server_error", Description: "internal error"}, s.deps.Passport.Issuer())
		return
	}
	q := url.Values{"code": {code}, "iss": {s.deps.Passport.Issuer()}}
	if ar.State != "" {
		q.Set("state", ar.State)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, withQuery(ar.RedirectURI, q), http.StatusSeeOther)
}

// redirectError sends an authorization error back to the (verified)
// redirect URI (RFC 6749 §4.1.2.1).
func redirectError(w http.ResponseWriter, r *http.Request, ar *passport.AuthRequest, oe *passport.Error, iss string) {
	q := url.Values{"error": {oe.Code}, "error_description": {oe.Description}, "iss": {iss}}
	if ar.State != "" {
		q.Set("state", ar.State)
	}
	http.Redirect(w, r, withQuery(ar.RedirectURI, q), http.StatusSeeOther)
}

func withQuery(uri string, q url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + q.Encode()
}

// passportSession is the browser's live passport session, or nil.
func (s *Server) passportSession(r *http.Request) *passport.Session {
	c, err := r.Cookie(passportCookie)
	if err != nil {
		return nil
	}
	sess, err := s.deps.Passport.LookupSession(r.Context(), c.Value)
	if err != nil {
		s.log.Error("passport session lookup", "err", err)
		return nil
	}
	return sess
}

// clientCredentials reads client authentication: HTTP Basic
// (client_secret_basic, form-encoded id and secret as RFC 6749 §2.3.1
// says) or client_id and client_secret in the form.
func clientCredentials(r *http.Request) (id, secret string, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		u, p, ok := r.BasicAuth()
		if !ok {
			return "", "", &passport.Error{Code: "invalid_client", Description: "the Authorization header is not HTTP Basic"}
		}
		if id, err = url.QueryUnescape(u); err == nil {
			secret, err = url.QueryUnescape(p)
		}
		if err != nil {
			return "", "", &passport.Error{Code: "invalid_client", Description: "the client credentials are not form-encoded"}
		}
		if f := r.PostForm.Get("client_id"); f != "" && f != id {
			return "", "", &passport.Error{Code: "invalid_request", Description: "client_id differs from the authenticated client"}
		}
		return id, secret, nil
	}
	return r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), nil
}

// readPassportForm parses a form-encoded body of at most 16 KiB.
func readPassportForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return &passport.Error{Code: "invalid_request", Description: "the body must be application/x-www-form-urlencoded"}
	}
	if err := r.ParseForm(); err != nil {
		return &passport.Error{Code: "invalid_request", Description: "the form could not be read"}
	}
	return nil
}

// authenticateClient reads and checks the client of a back-channel request.
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request, requireSecret bool) (*passport.Client, bool) {
	id, secret, err := clientCredentials(r)
	if err == nil {
		var c *passport.Client
		if c, err = s.deps.Passport.AuthenticateClient(r.Context(), id, secret, requireSecret); err == nil {
			return c, true
		}
	}
	s.oauthError(w, r, err)
	return nil, false
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	passportCORS(w, r)
	if !s.tokenLimit.Allow(netx.LimitKey(netx.ClientAddr(r))) {
		retryAfter(w, time.Second)
		s.oauthError(w, r, &passport.Error{Code: "slow_down", Description: "too many token requests; slow down"})
		return
	}
	if err := readPassportForm(w, r); err != nil {
		s.oauthError(w, r, err)
		return
	}
	c, ok := s.authenticateClient(w, r, false)
	if !ok {
		return
	}
	f := r.PostForm
	var toks *passport.Tokens
	var err error
	switch f.Get("grant_type") {
	case "authorization_code":
		toks, err = s.deps.Passport.Exchange(r.Context(), c, f.Get("code"), f.Get("redirect_uri"), f.Get("code_verifier"))
	case "refresh_token":
		toks, err = s.deps.Passport.Refresh(r.Context(), c, f.Get("refresh_token"))
	case passport.AuthkeyGrant:
		toks, err = s.tokenFromAuthkey(r, c)
	case passport.VouchGrant:
		toks, err = s.tokenFromVouch(r, c)
	case "":
		err = &passport.Error{Code: "invalid_request", Description: "grant_type is missing"}
	default:
		err = &passport.Error{Code: "unsupported_grant_type", Description: "grant_type must be authorization_code, refresh_token, " + passport.AuthkeyGrant + " or " + passport.VouchGrant}
	}
	if err != nil {
		s.oauthError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	httpjson.Write(w, http.StatusOK, toks)
}

// bearerError answers a request whose access token is not active (RFC
// 6750 §3). The error description is the reason alone (a word such as
// "signed_in_elsewhere", never quoted text), in the header and in the body,
// so that a browser client learns why it was signed out: the header is
// exposed to CORS requests.
func bearerError(w http.ResponseWriter, reason string) {
	if reason == "" {
		reason = "unknown"
	}
	reason = strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, reason)
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+reason+`"`)
	w.Header().Set("Cache-Control", "no-store")
	httpjson.Write(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": reason, "reason": reason})
}

// bearerToken returns the request's Bearer access token, or answers 401
// as RFC 6750 says for a request without one.
func bearerToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, err := passport.BearerToken(r.Header.Get("Authorization"))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="passport"`)
		httpjson.Write(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return "", false
	}
	return tok, true
}

func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	passportCORS(w, r)
	tok, ok := bearerToken(w, r)
	if !ok {
		return
	}
	id, v, err := s.deps.Passport.Userinfo(r.Context(), tok)
	if err != nil {
		s.oauthError(w, r, err)
		return
	}
	if id == nil {
		bearerError(w, v.Reason)
		return
	}
	out := map[string]any{"sub": id.ID}
	scopes := strings.Fields(v.Scope)
	if slices.Contains(scopes, "email") {
		out["email"] = id.Email
	}
	if slices.Contains(scopes, "profile") {
		out["name"] = id.Name
	}
	w.Header().Set("Cache-Control", "no-store")
	httpjson.Write(w, http.StatusOK, out)
}

func (s *Server) handlePassportLogout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cookie := ""
	if c, err := r.Cookie(passportCookie); err == nil {
		cookie = c.Value
	}
	to, err := s.deps.Passport.Logout(r.Context(), q.Get("id_token_hint"), q.Get("post_logout_redirect_uri"), q.Get("state"), q.Get("client_id"), cookie)
	if err != nil {
		if tandem.ErrorCode(err) == tandem.EInvalid {
			writePassportPage(w, http.StatusBadRequest, "This sign-out link is not valid", tandem.ErrorMessage(err))
			return
		}
		s.log.Error("passport logout", "err", err)
		writePassportPage(w, http.StatusInternalServerError, "Something went wrong", "Try again later.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: passportCookie, Value: "", Path: "/passport/", HttpOnly: true, Secure: s.deps.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1,
	})
	if to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	writePassportPage(w, http.StatusOK, "Signed out", "You are signed out of the passport.")
}

// introspection is an RFC 7662 answer, with the reason an inactive token
// is inactive (an extension: "signed_in_elsewhere" tells the site to sign
// the person out with that message).
type introspection struct {
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

func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	if err := readPassportForm(w, r); err != nil {
		s.oauthError(w, r, err)
		return
	}
	c, ok := s.authenticateClient(w, r, true)
	if !ok {
		return
	}
	v, err := s.deps.Passport.VerifyFor(r.Context(), c, r.PostForm.Get("token"))
	if err != nil {
		s.oauthError(w, r, err)
		return
	}
	out := introspection{Active: v.Active, Reason: v.Reason}
	if v.Active {
		out = introspection{
			Active: true, Scope: v.Scope, ClientID: v.ClientID, Sub: v.IdentityID, Exp: v.ExpiresAt.Unix(),
			Iat: v.IssuedAt.Unix(), Iss: s.deps.Passport.Issuer(), TokenType: "Bearer", SID: v.GrantID,
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpjson.Write(w, http.StatusOK, out)
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	passportCORS(w, r)
	if err := readPassportForm(w, r); err != nil {
		s.oauthError(w, r, err)
		return
	}
	c, ok := s.authenticateClient(w, r, false)
	if !ok {
		return
	}
	if err := s.deps.Passport.Revoke(r.Context(), c, r.PostForm.Get("token")); err != nil {
		s.oauthError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// verifyJSON is the verify endpoint's answer for site back ends.
type verifyJSON struct {
	Active       bool       `json:"active"`
	IdentityID   string     `json:"identityId,omitempty"`
	SiteID       string     `json:"siteId,omitempty"`
	DeviceID     string     `json:"deviceId,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	RefreshAhead bool       `json:"refreshAhead,omitempty"`
	Reason       string     `json:"reason,omitempty"`
}

// handleVerify answers a site back end (by HTTP Basic: the site key and,
// for a confidential client, its secret) whether an access token is active
// and whose it is. A public client's back end (a site whose pages sign in
// through the SDK) sends its key alone: the token is the credential, as at
// userinfo, and a token of another site is unknown to it.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token string `json:"token"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="passport"`)
		s.fail(w, r, tandem.Errorf(tandem.EUnauthorized, "authenticate as the site: HTTP Basic with its key (and client secret, for a confidential client)"))
		return
	}
	c, err := s.deps.Passport.AuthenticateClient(r.Context(), id, secret, false)
	if err != nil {
		var oe *passport.Error
		if errors.As(err, &oe) {
			err = tandem.Errorf(tandem.EUnauthorized, "%s", oe.Description)
		}
		s.fail(w, r, err)
		return
	}
	v, err := s.deps.Passport.VerifyFor(r.Context(), c, body.Token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := verifyJSON{Active: v.Active, Reason: v.Reason}
	if v.Active {
		exp := v.ExpiresAt.UTC()
		out = verifyJSON{Active: true, IdentityID: v.IdentityID, SiteID: v.SiteID, DeviceID: v.DeviceID, ExpiresAt: &exp, RefreshAhead: v.RefreshAhead}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpjson.Write(w, http.StatusOK, out)
}
