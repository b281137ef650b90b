package httpapi

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/passport"
)

// ConsoleSignIn is how agents may sign in to the console.
type ConsoleSignIn string

// The ways agents sign in (`tandem serve --console-signin`).
const (
	ConsoleSignInBoth     ConsoleSignIn = "both"
	ConsoleSignInPassword ConsoleSignIn = "password"
	ConsoleSignInPassport ConsoleSignIn = "passport"
)

// ParseConsoleSignIn reads the --console-signin flag ("" is both).
func ParseConsoleSignIn(v string) (ConsoleSignIn, error) {
	switch c := ConsoleSignIn(v); c {
	case "":
		return ConsoleSignInBoth, nil
	case ConsoleSignInBoth, ConsoleSignInPassword, ConsoleSignInPassport:
		return c, nil
	}
	return "", tandem.Errorf(tandem.EInvalid, "--console-signin is password, passport or both, not %q", v)
}

// Password reports whether agents may sign in with a password.
func (c ConsoleSignIn) Password() bool { return c != ConsoleSignInPassport }

// Passport reports whether agents may sign in through the passport.
func (c ConsoleSignIn) Passport() bool { return c != ConsoleSignInPassword }

// consoleSignInCookie keeps a console sign-in under way between the start
// and the passport's callback: state, nonce and the PKCE verifier, on the
// server's side of the browser only (HttpOnly, for the callback's path).
const consoleSignInCookie = "tandem_console_signin"

const consolePassportPath = "/console/passport/"

// consolePassportRoutes are the console's side of signing agents in
// through the passport.
func (s *Server) consolePassportRoutes() []route {
	return []route{
		{"GET", "/api/v1/console/signin", s.handleConsoleSignInMethods, public},
		{"GET", "/console/passport/start", s.handleConsolePassportStart, public},
		{"GET", passport.ConsoleCallbackPath, s.handleConsolePassportCallback, public},
	}
}

// consolePassport reports whether agents can sign in through the passport.
func (s *Server) consolePassport() bool {
	return s.deps.Passport != nil && s.deps.ConsoleSignIn.Passport()
}

// handleConsoleSignInMethods tells the console's sign-in page which ways
// in to show.
func (s *Server) handleConsoleSignInMethods(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, map[string]bool{"password": s.deps.ConsoleSignIn.Password(), "passport": s.consolePassport()})
}

// handleConsolePassportStart sends the browser (a top-level navigation) to
// the passport with a fresh authorization request of the console's client.
func (s *Server) handleConsolePassportStart(w http.ResponseWriter, r *http.Request) {
	if !s.consolePassport() {
		writePassportPage(w, http.StatusNotFound, "Not available", "Agents do not sign in through the passport on this server.")
		return
	}
	st := s.deps.Passport.StartConsole()
	http.SetCookie(w, &http.Cookie{
		Name: consoleSignInCookie, Value: st.Request.State + "." + st.Request.Nonce + "." + st.Verifier, Path: consolePassportPath,
		HttpOnly: true, Secure: s.deps.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600,
	})
	seeOther(w, s.deps.Passport.Issuer()+"/passport/authorize?"+st.Request.Values().Encode())
}

// handleConsolePassportCallback is where the passport sends the agent
// back: the state must be this browser's, the code is exchanged in process
// (single use, PKCE, exact redirect URI), the nonce must be the one sent,
// and the identity must be linked to a console account that still exists.
// Then the console's ordinary session starts.
func (s *Server) handleConsolePassportCallback(w http.ResponseWriter, r *http.Request) {
	if !s.consolePassport() {
		writePassportPage(w, http.StatusNotFound, "Not available", "Agents do not sign in through the passport on this server.")
		return
	}
	if !s.tokenLimit.Allow("console:" + netx.LimitKey(netx.ClientAddr(r))) {
		retryAfter(w, 0)
		writePassportPage(w, http.StatusTooManyRequests, "Too many attempts", "Wait a moment and sign in again.")
		return
	}
	log := s.log.With("client", netx.ClientAddr(r))
	q := r.URL.Query()
	// The cookie is for one sign-in: gone whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: consoleSignInCookie, Value: "", Path: consolePassportPath, HttpOnly: true,
		Secure: s.deps.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	var state, nonce, verifier string
	if c, err := r.Cookie(consoleSignInCookie); err == nil {
		parts := strings.Split(c.Value, ".")
		if len(parts) == 3 {
			state, nonce, verifier = parts[0], parts[1], parts[2]
		}
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(q.Get("state"))) != 1 {
		log.Warn("console passport sign-in refused", "result", "state")
		writePassportPage(w, http.StatusBadRequest, "This sign-in was not started here",
			"The sign-in expired or was started in another browser or tab. Go back to the console and sign in again.")
		return
	}
	if iss := q.Get("iss"); iss != "" && iss != s.deps.Passport.Issuer() {
		log.Warn("console passport sign-in refused", "result", "issuer")
		writePassportPage(w, http.StatusBadRequest, "Sign-in failed", "The answer came from another issuer.")
		return
	}
	if e := q.Get("error"); e != "" {
		log.Info("console passport sign-in not completed", "result", e)
		writePassportPage(w, http.StatusForbidden, "Not signed in", "The passport did not sign you in ("+e+"). Go back to the console and try again.")
		return
	}
	id, gotNonce, err := s.deps.Passport.ExchangeConsole(r.Context(), q.Get("code"), verifier)
	var oe *passport.Error
	switch {
	case errors.As(err, &oe):
		log.Warn("console passport sign-in refused", "result", "code", "err", oe.Description)
		writePassportPage(w, http.StatusBadRequest, "Sign-in failed", "The sign-in code is not valid: "+oe.Description+". Go back to the console and sign in again.")
		return
	case err != nil:
		log.Error("console passport sign-in", "err", err)
		writePassportPage(w, http.StatusInternalServerError, "Something went wrong", "Try again later.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(gotNonce), []byte(nonce)) != 1 {
		log.Warn("console passport sign-in refused", "result", "nonce", "identity", id.ID)
		writePassportPage(w, http.StatusBadRequest, "Sign-in failed", "The sign-in does not belong to this browser. Go back to the console and sign in again.")
		return
	}
	u, err := s.consoleAgent(r, id)
	if err != nil {
		if tandem.ErrorCode(err) != tandem.ENotFound {
			log.Error("console passport sign-in", "err", err)
			writePassportPage(w, http.StatusInternalServerError, "Something went wrong", "Try again later.")
			return
		}
		log.Warn("console passport sign-in refused", "result", "no account", "identity", id.ID)
		s.deps.Passport.AuditConsole(r.Context(), id.ID, "passport.console_refused", "no console account")
		writePassportPage(w, http.StatusForbidden, "No console account",
			"The passport account "+id.Email+" has no console account. An administrator can link it to an agent (tandem identity link).")
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	s.deps.Passport.AuditConsole(r.Context(), id.ID, "passport.console_signin", "agent "+u.ID)
	log.Info("signed in", "result", "ok", "user", u.ID, "identity", id.ID, "with", "passport")
	seeOther(w, "/console/")
}

// seeOther redirects a navigation without a body (http.Redirect writes
// one for GET); the answer is the browser's step, never cached.
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// consoleAgent is the console account of an identity: only the one it is
// linked to (Identity.UserID), never one found by email (an identity's
// email is whatever its creator or a vouching site said it is). ENotFound
// when it is linked to none, or to an agent since removed.
func (s *Server) consoleAgent(r *http.Request, id *tandem.Identity) (*tandem.User, error) {
	if id.UserID == "" {
		return nil, tandem.Errorf(tandem.ENotFound, "the identity is linked to no agent")
	}
	return s.deps.Sessions.Users.UserByID(r.Context(), id.UserID)
}
