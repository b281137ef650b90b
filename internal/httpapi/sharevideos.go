package httpapi

import (
	"net/http"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/store"
)

// sharedVideoJSON is what a video link's page learns of the video from
// GET /s/{token}/recording: enough to size its player, nothing of who
// the person is or who exported it.
type sharedVideoJSON struct {
	Kind       store.VideoKind `json:"kind"`
	DurationMS int64           `json:"durationMs"`
	Width      int             `json:"width"`
	Height     int             `json:"height"`
	Bytes      int64           `json:"bytes"`
}

// sharedVideoInfo answers a video link's /recording: the video's shape,
// as JSON, for the page to play /s/{token}/video.
func (s *Server) sharedVideoInfo(w http.ResponseWriter, r *http.Request, l *store.ShareLink) {
	vs, err := s.videos()
	if err != nil {
		s.failShared(w, err)
		return
	}
	v, err := vs.Job(r.Context(), l.SubjectID)
	if err != nil {
		s.failShared(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"video": sharedVideoJSON{Kind: v.Kind, DurationMS: v.Duration.Milliseconds(),
		Width: v.Width, Height: v.Height, Bytes: v.Bytes}})
}

// handleSharedVideo serves a video link's MP4 to whoever holds the link,
// with ranges, so that its page's player seeks. Opening the page was the
// audited view; the player's requests are not more of them.
func (s *Server) handleSharedVideo(w http.ResponseWriter, r *http.Request) {
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
	if l.Kind != store.ShareVideo {
		s.failShared(w, tandem.Errorf(tandem.ENotFound, "this link shares a replay, not a video"))
		return
	}
	vs, err := s.videos()
	if err != nil {
		s.failShared(w, err)
		return
	}
	v, rc, err := vs.Open(r.Context(), l.SubjectID, "")
	if err != nil {
		s.failShared(w, err)
		return
	}
	defer rc.Close()
	s.serveVideo(w, r, v, rc)
}
