package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/netx"
	"github.com/tandemhq/tandem/internal/sharelink"
	"github.com/tandemhq/tandem/internal/store"
)

// shareLinkRoutes manage the share links of replays (docs/sharing-replays.md);
// the links themselves (/s/{token}) are served by shareStaticRoutes.
func (s *Server) shareLinkRoutes() []route {
	return []route{
		{"POST", "/api/v1/assists/{id}/share-links", s.shareCreate(store.ShareAssist), signedIn},
		{"POST", "/api/v1/terminals/{id}/share-links", s.shareCreate(store.ShareTerminal), signedIn},
		{"POST", "/api/v1/videos/{id}/share-links", s.shareCreate(store.ShareVideo), signedIn},
		{"GET", "/api/v1/share-links", s.handleListShareLinks, signedIn},
		{"DELETE", "/api/v1/share-links/{id}", s.handleRevokeShareLink, signedIn},
	}
}

// Who may open a link (shareRequest.Audience).
const (
	audienceAnyone  = "anyone"  // anyone who holds the link
	audienceConsole = "console" // signed-in console users only
)

// shareRequest is the body of POST …/share-links.
type shareRequest struct {
	// TTLSeconds is how long the link works: 3600 to 2592000; 0 or absent
	// is 7 days.
	TTLSeconds int64  `json:"ttlSeconds"`
	Audience   string `json:"audience"`
}

// shareLinkJSON is a link as the API shows it: never its token hash.
type shareLinkJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	SubjectID  string     `json:"subjectId"`
	CreatedBy  string     `json:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	Audience   string     `json:"audience"`
	State      string     `json:"state"` // active, expired or revoked
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	Uses       int64      `json:"uses"`
}

func shareLinkOut(l *store.ShareLink, now time.Time) shareLinkJSON {
	out := shareLinkJSON{ID: l.ID, Kind: l.Kind, SubjectID: l.SubjectID, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt,
		ExpiresAt: l.ExpiresAt, Audience: audienceAnyone, State: "active", Uses: l.Uses}
	if l.NeedsAccount {
		out.Audience = audienceConsole
	}
	if !l.LastUsedAt.IsZero() {
		out.LastUsedAt = &l.LastUsedAt
	}
	switch {
	case !l.RevokedAt.IsZero():
		out.RevokedAt = &l.RevokedAt
		out.State = "revoked"
	case !now.Before(l.ExpiresAt):
		out.State = "expired"
	}
	return out
}

// shareLinks returns the service, or answers 503 and false.
func (s *Server) shareLinks(w http.ResponseWriter, r *http.Request) (*sharelink.Service, bool) {
	if s.deps.ShareLinks == nil {
		s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "share links are not served here"))
		return nil, false
	}
	return s.deps.ShareLinks, true
}

func (s *Server) shareCreate(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		svc, ok := s.shareLinks(w, r)
		if !ok {
			return
		}
		var req shareRequest
		if err := httpjson.Read(w, r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
		needsAccount := false
		switch req.Audience {
		case audienceAnyone:
		case audienceConsole:
			needsAccount = true
		default:
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, `audience must be "anyone" or "console"`))
			return
		}
		if req.TTLSeconds < 0 || req.TTLSeconds > int64(sharelink.MaxTTL/time.Second) {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "ttlSeconds must be 3600 to 2592000"))
			return
		}
		l, token, err := svc.Create(r.Context(), userOf(r), sharelink.CreateRequest{Kind: kind, SubjectID: r.PathValue("id"),
			TTL: time.Duration(req.TTLSeconds) * time.Second, NeedsAccount: needsAccount})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// The token is shown this once: the store keeps only its hash.
		w.Header().Set("Cache-Control", "no-store")
		httpjson.Write(w, http.StatusCreated, map[string]any{
			"link": shareLinkOut(l, svc.Now()), "token": token, "path": "/s/" + token,
		})
	}
}

func (s *Server) handleListShareLinks(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.shareLinks(w, r)
	if !ok {
		return
	}
	ls, err := svc.List(r.Context(), userOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := svc.Now()
	out := make([]shareLinkJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, shareLinkOut(l, now))
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"links": out})
}

func (s *Server) handleRevokeShareLink(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.shareLinks(w, r)
	if !ok {
		return
	}
	l, err := svc.Revoke(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"link": shareLinkOut(l, svc.Now())})
}

// visitor is who opens a link: the console user if the request carries a
// live session, else nobody known, from the address netx resolved.
func (s *Server) visitor(r *http.Request) sharelink.Visitor {
	v := sharelink.Visitor{Addr: netx.ClientAddr(r)}
	if _, err := r.Cookie(sessionCookie); err == nil && s.deps.Sessions != nil {
		if u, err := s.authenticate(r); err == nil {
			v.User = u
		}
	}
	return v
}

// failShared answers an error under /s/ as fail does, but logs no path:
// the path holds the link's token.
func (s *Server) failShared(w http.ResponseWriter, err error) {
	if tandem.ErrorCode(err) == tandem.EInternal {
		s.log.Error("share link request failed", "err", err)
	}
	httpjson.WriteError(w, err)
}

// setSharePage sets what every answer under /s/ carries: the token is in
// the address, so no referrer may carry it away, and nothing is kept in a
// cache that could outlive a revoke.
func setSharePage(h http.Header) {
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
}

// handleSharedRecording serves the recording a link shares, to whoever
// holds the link (a console users' link: to a signed-in user): the assist's
// replay as GET /api/v1/assists/{id}/recording answers it, or the terminal
// session's asciicast.
func (s *Server) handleSharedRecording(w http.ResponseWriter, r *http.Request) {
	setSharePage(w.Header())
	svc, ok := s.shareLinks(w, r)
	if !ok {
		return
	}
	l, err := svc.Resolve(r.Context(), r.PathValue("token"), s.visitor(r), false)
	if err != nil {
		s.failShared(w, err)
		return
	}
	r2 := r.Clone(r.Context())
	r2.SetPathValue("id", l.SubjectID)
	// What the recording's handlers log names the link, not its token.
	r2.URL.Path, r2.URL.RawPath = "/s/link:"+l.ID+"/recording", ""
	switch l.Kind {
	case store.ShareAssist:
		s.handleRecording(w, r2.WithContext(context.WithValue(r2.Context(), sharedViewKey{}, true)))
	case store.ShareTerminal:
		if s.deps.Terminals == nil {
			s.fail(w, r, tandem.Errorf(tandem.ENotFound, "terminal assistance is off on this server"))
			return
		}
		s.deps.Terminals.ServeRecording(w, r2, nil)
	case store.ShareVideo:
		s.sharedVideoInfo(w, r2, l)
	default:
		s.fail(w, r, tandem.Errorf(tandem.ENotFound, "this link's %s is not served here", l.Kind))
	}
}

// shareStaticRoutes serve the links: GET /s/{token} is a replay page in
// its read-only mode (each bundle sees the /s/ address): the console's for
// an assist, the web terminal's for a terminal session; and
// GET /s/{token}/recording is the recording the token authorizes. Opening
// the page is a view, audited. A link that is not valid or needs a sign-in
// still gets the console's page, with 404 or 401, so that it can say so
// (and offer the sign-in, after which it opens the link again).
func (s *Server) shareStaticRoutes(consolePage, terminalPage *asset) {
	s.mux.Handle("GET /s/{token}", s.observe("/s/{token}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		setPageSecurity(h)
		setSharePage(h)
		svc, ok := s.shareLinks(w, r)
		if !ok {
			return
		}
		page, status := consolePage, http.StatusOK
		l, err := svc.Resolve(r.Context(), r.PathValue("token"), s.visitor(r), true)
		switch {
		case err != nil:
			status = httpjson.Status(tandem.ErrorCode(err))
			if status >= 500 {
				s.failShared(w, err)
				return
			}
		case l.Kind == store.ShareTerminal:
			page = terminalPage
		}
		h.Set("Content-Type", page.contentType)
		w.WriteHeader(status)
		w.Write(page.body)
	})))
	s.mux.Handle("GET /s/{token}/recording", s.observe("/s/{token}/recording", http.HandlerFunc(s.handleSharedRecording)))
	s.mux.Handle("GET /s/{token}/video", s.observe("/s/{token}/video", http.HandlerFunc(s.handleSharedVideo)))
}

// sharedViewKey marks a request for a recording through a share link: its
// visitor gets the replay, not who the person is (sharedView).
type sharedViewKey struct{}

func sharedView(ctx context.Context) bool {
	v, _ := ctx.Value(sharedViewKey{}).(bool)
	return v
}

// shared is the assist as a share link's visitor sees it: what the replay
// needs (the page, the viewport, the times, the site, the agent), without
// the person's id, passport identity, browser or conversation, which the
// link was not made to hand out.
func (a assistJSON) shared() assistJSON {
	a.PersonID, a.UserAgent, a.ConversationID, a.Verified = "", "", "", nil
	return a
}
