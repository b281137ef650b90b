package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/auth"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/password"
)

const sessionCookie = "tandem_session"

type userKey struct{}

// userOf returns the signed-in user of a request that passed requireSession.
func userOf(r *http.Request) *tandem.User {
	u, _ := r.Context().Value(userKey{}).(*tandem.User)
	return u
}

// authenticate returns the console user of a request from its session
// cookie; every signed-in route, terminal assistance's included, goes
// through it (requireSession).
func (s *Server) authenticate(r *http.Request) (*tandem.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, tandem.Errorf(tandem.EUnauthorized, "sign in first")
	}
	return s.deps.Sessions.Lookup(r.Context(), c.Value)
}

func (s *Server) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// refuseCrossOrigin answers a request that CrossOriginProtection refused,
// in the API's error shape.
func refuseCrossOrigin(w http.ResponseWriter, _ *http.Request) {
	httpjson.WriteError(w, tandem.Errorf(tandem.EForbidden, "cross-origin request refused"))
}

// requireSameOrigin guards console WebSockets: browsers send cookies on
// cross-site WebSocket handshakes, so the Origin must be our own.
func (s *Server) requireSameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || u.Host != r.Host {
				refuseCrossOrigin(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// clientIP is the key of a request's client for rate limits: its address
// as netx.ClientAddr resolves it behind trusted proxies, or the /64 of an
// IPv6 address.
func clientIP(r *http.Request) string {
	return netx.LimitKey(netx.ClientAddr(r))
}

// handleLogin checks a password under the sign-in limits (auth.Throttle,
// before any hashing) and the hashing bound (password.Gate), and logs
// every outcome with the normalised email and the client address, never
// the password.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.deps.ConsoleSignIn.Password() {
		s.fail(w, r, tandem.Errorf(tandem.EForbidden, "agents sign in through the passport here; passwords are not accepted"))
		return
	}
	var body struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	client := netx.ClientAddr(r)
	log := s.log.With("email", auth.EmailKey(body.Email), "client", client)
	attempt, refused := s.signIn.Begin(body.Email, client)
	if refused != nil {
		log.Warn("sign-in refused", "result", "limited", "limit", refused.Reason, "wait", refused.Wait.Round(time.Second))
		secs := retryAfter(w, refused.Wait)
		s.fail(w, r, tandem.Errorf(tandem.ERateLimited, "too many sign-in attempts; try again in %d seconds", secs))
		return
	}
	u, err := s.deps.Login.Authenticate(r.Context(), body.Email, body.Password)
	switch {
	case err == nil:
		attempt.Done(auth.Succeeded)
	case tandem.ErrorCode(err) == tandem.EUnauthorized:
		attempt.Done(auth.Failed)
		log.Warn("sign-in failed", "result", "wrong")
		s.fail(w, r, err)
		return
	case errors.Is(err, password.ErrBusy):
		attempt.Done(auth.NotChecked)
		log.Warn("sign-in refused", "result", "busy")
		retryAfter(w, time.Second)
		s.fail(w, r, err)
		return
	default:
		attempt.Done(auth.NotChecked)
		log.Warn("sign-in failed", "result", "error", "err", err)
		s.fail(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	log.Info("signed in", "result", "ok", "user", u.ID)
	httpjson.Write(w, http.StatusOK, map[string]any{"user": userJSON(u)})
}

// startSession starts u's console session and sets its cookie: the one
// way in, whether the agent signed in with a password or the passport.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *tandem.User) error {
	token, sess, err := s.deps.Sessions.Start(r.Context(), u)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.deps.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt,
	})
	return nil
}

// retryAfter sets Retry-After to d in whole seconds (at least 1) and
// returns them.
func retryAfter(w http.ResponseWriter, d time.Duration) int {
	secs := max(1, int((d+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.deps.Sessions.End(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.deps.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1, Expires: time.Unix(0, 0),
	})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]any{"user": userJSON(userOf(r))})
}

func userJSON(u *tandem.User) map[string]string {
	return map[string]string{"id": u.ID, "email": u.Email, "name": u.Name, "role": string(u.Role)}
}
