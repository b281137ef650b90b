package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/httpjson"
)

// Who is there to take a request (docs/api.md, "Availability"): agents set
// themselves available or away, admins set how long a site's people wait
// for an agent, and a person whose request waits may leave a message.
func (s *Server) availabilityRoutes() []route {
	return []route{
		{"GET", "/api/v1/me/availability", s.handleGetAvailability, signedIn},
		{"PUT", "/api/v1/me/availability", s.handlePutAvailability, signedIn},
		{"GET", "/api/v1/sites/{id}/pickup-timeout", s.handleGetPickupTimeout, signedIn},
		{"PUT", "/api/v1/sites/{id}/pickup-timeout", s.handlePutPickupTimeout, signedIn},
		{"POST", "/api/v1/public/assists/{id}/message", s.handleLeaveMessage, public},
		{"OPTIONS", "/api/v1/public/assists/{id}/message", s.handleConversationPreflight, public},
	}
}

// availabilityBody is an agent's availability as the API sends and takes
// it; AgentsAvailable (sent only) counts every available agent.
type availabilityBody struct {
	Available       *bool `json:"available"`
	AgentsAvailable int   `json:"agentsAvailable"`
}

func (s *Server) writeAvailability(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mine, err := s.deps.Assists.Available(ctx, userOf(r).ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.deps.Assists.AgentsAvailable(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, availabilityBody{Available: &mine, AgentsAvailable: n})
}

func (s *Server) handleGetAvailability(w http.ResponseWriter, r *http.Request) {
	s.writeAvailability(w, r)
}

func (s *Server) handlePutAvailability(w http.ResponseWriter, r *http.Request) {
	var body availabilityBody
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Available == nil {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "available (true or false) is required"))
		return
	}
	if err := s.deps.Assists.SetAvailable(r.Context(), userOf(r), *body.Available); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeAvailability(w, r)
}

// pickupBody is a site's pick-up time in seconds; 0: its people are never
// told that no one picked up.
type pickupBody struct {
	Seconds *int64 `json:"seconds"`
}

func (s *Server) handleGetPickupTimeout(w http.ResponseWriter, r *http.Request) {
	d, err := s.deps.Assists.PickupTimeout(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secs := int64(d / time.Second)
	httpjson.Write(w, http.StatusOK, pickupBody{Seconds: &secs})
}

func (s *Server) handlePutPickupTimeout(w http.ResponseWriter, r *http.Request) {
	if u := userOf(r); u == nil || u.Role != tandem.RoleAdmin {
		s.fail(w, r, tandem.Errorf(tandem.EForbidden, "only admins change a site's pick-up time"))
		return
	}
	var body pickupBody
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Seconds == nil {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "seconds is required (0: never)"))
		return
	}
	// Bounded before multiplying, so that a huge number cannot wrap around
	// into a valid duration.
	if *body.Seconds < 0 || *body.Seconds > int64(24*time.Hour/time.Second) {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "seconds must be 0 (never) to %d", int64(24*time.Hour/time.Second)))
		return
	}
	if err := s.deps.Assists.SetPickupTimeout(r.Context(), r.PathValue("id"), time.Duration(*body.Seconds)*time.Second); err != nil {
		s.fail(w, r, err)
		return
	}
	s.handleGetPickupTimeout(w, r)
}

// leftMessageClientID is the client id of the message a person leaves
// while their request waits (one per request's conversation).
const leftMessageClientID = "left-message"

// handleLeaveMessage takes the message of a person whose request waits
// (Authorization: Bearer <the assist's person token>): it goes into the
// assist's conversation, and the queue marks the request.
func (s *Server) handleLeaveMessage(w http.ResponseWriter, r *http.Request) {
	allowConversationCORS(w, r)
	if !s.requestLimit.Allow("ip:" + clientIP(r)) {
		s.fail(w, r, tandem.Errorf(tandem.ERateLimited, "too many requests; wait a moment"))
		return
	}
	token, ok := bearer(r)
	if !ok {
		s.fail(w, r, tandem.Errorf(tandem.EUnauthorized, "a person token is required (Authorization: Bearer …)"))
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := httpjson.Read(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	cs := s.deps.Conversations
	if cs == nil {
		s.fail(w, r, tandem.Errorf(tandem.EUnavailable, "conversations are not served here"))
		return
	}
	m := assist.LeftMessage{AssistID: r.PathValue("id"), Token: token, Origin: r.Header.Get("Origin"), Text: body.Text}
	err := s.deps.Assists.LeaveMessage(r.Context(), m, func(ctx context.Context, a *tandem.Assist) (bool, error) {
		c, err := cs.ForAssist(ctx, a.ID)
		if err != nil {
			return false, err
		}
		// One client id for the request's left message: the store keeps
		// one message under it, so a replay (a retry, or the same post
		// twice at once) gets the first one back instead of a second.
		msg, created, err := cs.Post(ctx, tandem.Account{Kind: tandem.AccountPerson, ID: c.ID}, c.ID, body.Text, leftMessageClientID, nil)
		if err != nil {
			return false, err
		}
		if !created && msg.Text != body.Text {
			return false, tandem.Errorf(tandem.EConflict, "a message was left for this request already; an agent will answer it")
		}
		return created, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// queueAvailability adds to v how many agents are available and which of
// its waiting requests' people left a message.
func (s *Server) queueAvailability(ctx context.Context, v *queueView) error {
	n, err := s.deps.Assists.AgentsAvailable(ctx)
	if err != nil {
		return err
	}
	var waiting []string
	for _, a := range v.Assists {
		if a.State == tandem.AssistWaiting {
			waiting = append(waiting, a.ID)
		}
	}
	left, err := s.deps.Assists.LeftMessages(ctx, waiting)
	if err != nil {
		return err
	}
	v.AgentsAvailable, v.LeftMessages = n, left
	return nil
}
