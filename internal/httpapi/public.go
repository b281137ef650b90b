package httpapi

import (
	"net/http"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/httpjson"
)

// The public routes are called by the SDK from customers' pages: another
// origin, no cookies. CORS allows any origin at the HTTP level; the site's
// allowed origins are checked by the assist service against the Origin
// header, which browsers set and pages cannot forge.

func allowCORS(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", o)
		h.Set("Vary", "Origin")
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "600")
	}
}

func (s *Server) handlePreflight(w http.ResponseWriter, r *http.Request) {
	allowCORS(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleSiteConfig(w http.ResponseWriter, r *http.Request) {
	allowCORS(w, r)
	site, err := s.deps.Assists.SiteForOrigin(r.Context(), r.PathValue("key"), r.Header.Get("Origin"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"name": site.Name, "strictMasking": site.StrictMasking, "captureBodies": site.CaptureBodies,
		"screenMapping": mappingJSON(site.ScreenMapping),
	})
}

func (s *Server) handleHelpRequest(w http.ResponseWriter, r *http.Request) {
	allowCORS(w, r)
	if !s.requestLimit.Allow("ip:" + clientIP(r)) {
		s.fail(w, r, tandem.Errorf(tandem.ERateLimited, "too many requests; wait a moment"))
		return
	}
	var body struct {
		assist.HelpRequest
		// PassportToken, when the person is signed in to the site through
		// the passport, is their access token: verified here, never
		// stored.
		PassportToken string `json:"passportToken"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	req := body.HelpRequest
	req.Origin = r.Header.Get("Origin")
	req.Verified = s.verifiedPerson(r, req.SiteKey, body.PassportToken)
	started, err := s.deps.Assists.RequestHelp(r.Context(), req)
	if err != nil {
		if tandem.ErrorCode(err) == tandem.EUnavailable {
			// The site's queue is full: people are taken in minutes.
			w.Header().Set("Retry-After", "60")
		}
		s.fail(w, r, err)
		return
	}
	writeStarted(w, started)
}

func (s *Server) handleRedeem(w http.ResponseWriter, r *http.Request) {
	allowCORS(w, r)
	if !s.redeemLimit.Allow("ip:" + clientIP(r)) {
		s.fail(w, r, tandem.Errorf(tandem.ERateLimited, "too many invite attempts; wait a minute and try again"))
		return
	}
	var req assist.RedeemRequest
	if err := httpjson.Read(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	req.Origin = r.Header.Get("Origin")
	started, err := s.deps.Assists.RedeemInvite(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeStarted(w, started)
}

func writeStarted(w http.ResponseWriter, st *assist.Started) {
	out := map[string]any{"assistId": st.Assist.ID, "personToken": st.PersonToken, "state": st.Assist.State}
	if st.Pickup != nil {
		// What the person is told about the wait: "no agent available" at
		// once with none, "no one picked up" after the site's time.
		out["agentsAvailable"], out["pickupTimeoutMs"] = st.Pickup.AgentsAvailable, st.Pickup.Timeout.Milliseconds()
	}
	if st.ConversationID != "" {
		out["conversationId"], out["conversationToken"] = st.ConversationID, st.ConversationToken
	}
	httpjson.Write(w, http.StatusCreated, out)
}

// verifiedPerson is who the passport says the person asking for help is:
// their identity when token is an active access token of the site whose
// key is siteKey, else nobody. A token that does not verify never refuses
// the request (the person still gets help, unverified); why is logged.
func (s *Server) verifiedPerson(r *http.Request, siteKey, token string) tandem.VerifiedPerson {
	if token == "" {
		return tandem.VerifiedPerson{}
	}
	log := s.log.With("site", siteKey, "client", clientIP(r))
	if s.deps.Passport == nil {
		log.Info("help request: passport token ignored", "reason", "no passport")
		return tandem.VerifiedPerson{}
	}
	c, err := s.deps.Passport.LookupClient(r.Context(), siteKey)
	if err != nil {
		log.Info("help request unverified", "reason", "site not registered with the passport", "err", err)
		return tandem.VerifiedPerson{}
	}
	if c.IsConsole() {
		return tandem.VerifiedPerson{}
	}
	v, err := s.deps.Passport.VerifyFor(r.Context(), c, token)
	if err != nil {
		log.Warn("help request unverified", "reason", "verify failed", "err", err)
		return tandem.VerifiedPerson{}
	}
	if !v.Active {
		log.Info("help request unverified", "reason", v.Reason)
		return tandem.VerifiedPerson{}
	}
	id, err := s.deps.Passport.Identity(r.Context(), v.IdentityID)
	if err != nil {
		log.Warn("help request unverified", "reason", "identity lookup failed", "err", err)
		return tandem.VerifiedPerson{}
	}
	return tandem.VerifiedPerson{IdentityID: id.ID, Email: id.Email, Name: id.Name}
}
