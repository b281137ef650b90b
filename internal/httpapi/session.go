package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
)

const sessionCookie = "tandem_session"

type userKey struct{}

// userOf returns the signed-in user of a request that passed requireSession.
func userOf(r *http.Request) *tandem.User {
	u, _ := r.Context().Value(userKey{}).(*tandem.User)
	return u
}

// Authenticate returns the console user of a request; other handlers
// (terminal assistance) use it to share the console's sessions.
func (s *Server) Authenticate(r *http.Request) (*tandem.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, tandem.Errorf(tandem.EUnauthorized, "sign in first")
	}
	return s.deps.Sessions.Lookup(r.Context(), c.Value)
}

func (s *Server) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.Authenticate(r)
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

// clientIP is the remote address without port, for rate limits.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.loginLimit.Allow("ip:"+clientIP(r)) || !s.loginLimit.Allow("email:"+body.Email) {
		s.fail(w, r, tandem.Errorf(tandem.ERateLimited, "too many sign-in attempts; wait a minute and try again"))
		return
	}
	u, err := s.deps.Login.Authenticate(r.Context(), body.Email, body.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	token, sess, err := s.deps.Sessions.Start(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.deps.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt,
	})
	httpjson.Write(w, http.StatusOK, map[string]any{"user": userJSON(u)})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.deps.Sessions.End(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0)})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]any{"user": userJSON(userOf(r))})
}

func userJSON(u *tandem.User) map[string]string {
	return map[string]string{"id": u.ID, "email": u.Email, "name": u.Name, "role": string(u.Role)}
}
