package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/store"
	"github.com/tandemhq/tandem/internal/videoexport"
)

// videoRoutes are the video exports of ended assists and terminal
// sessions (docs/video.md, "Exports").
func (s *Server) videoRoutes() []route {
	return []route{
		{"POST", "/api/v1/assists/{id}/videos", s.videoRequest(store.VideoAssist), signedIn},
		{"POST", "/api/v1/terminals/{id}/videos", s.videoRequest(store.VideoTerminal), signedIn},
		{"GET", "/api/v1/videos", s.handleListVideos, signedIn},
		{"GET", "/api/v1/videos/{id}", s.handleGetVideo, signedIn},
		{"GET", "/api/v1/videos/{id}/file", s.handleVideoFile, signedIn},
		{"DELETE", "/api/v1/videos/{id}", s.handleDeleteVideo, signedIn},
	}
}

// videoJSON is an export job as the API shows it.
type videoJSON struct {
	ID          string              `json:"id"`
	Kind        store.VideoKind     `json:"kind"`
	SubjectID   string              `json:"subjectId"`
	SiteID      string              `json:"siteId,omitempty"`
	Options     videoexport.Options `json:"options"`
	State       store.VideoState    `json:"state"`
	Done        int                 `json:"framesDone"`
	Total       int                 `json:"framesTotal"`
	Error       string              `json:"error,omitempty"`
	Bytes       int64               `json:"bytes,omitempty"`
	DurationMS  int64               `json:"durationMs,omitempty"`
	Width       int                 `json:"width,omitempty"`
	Height      int                 `json:"height,omitempty"`
	Attempts    int                 `json:"attempts"`
	RequestedBy string              `json:"requestedBy"`
	CreatedAt   time.Time           `json:"createdAt"`
	StartedAt   *time.Time          `json:"startedAt,omitempty"`
	FinishedAt  *time.Time          `json:"finishedAt,omitempty"`
	FileURL     string              `json:"fileUrl,omitempty"`
}

func toVideoJSON(v *store.VideoExport) videoJSON {
	out := videoJSON{ID: v.ID, Kind: v.Kind, SubjectID: v.SubjectID, SiteID: v.SiteID, State: v.State, Done: v.Done, Total: v.Total,
		Error: v.Error, Attempts: v.Attempts, RequestedBy: v.RequestedBy, CreatedAt: v.CreatedAt}
	// Options were checked when the job was made; a row that does not
	// decode shows the defaults rather than fail the listing.
	_ = json.Unmarshal(v.Options, &out.Options)
	if !v.StartedAt.IsZero() {
		out.StartedAt = &v.StartedAt
	}
	if !v.FinishedAt.IsZero() {
		out.FinishedAt = &v.FinishedAt
	}
	if v.State == store.VideoDone {
		out.Bytes, out.DurationMS, out.Width, out.Height = v.Bytes, v.Duration.Milliseconds(), v.Width, v.Height
		out.FileURL = "/api/v1/videos/" + v.ID + "/file"
	}
	return out
}

// videos returns the export service, or why there is none.
func (s *Server) videos() (*videoexport.Service, error) {
	if s.deps.Videos == nil {
		return nil, tandem.Errorf(tandem.EUnavailable, "video export is off on this server")
	}
	return s.deps.Videos, nil
}

// videoRequest queues an export of an assist or terminal session.
func (s *Server) videoRequest(kind store.VideoKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vs, err := s.videos()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var o videoexport.Options
		if err := httpjson.Read(w, r, &o); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := vs.Request(r.Context(), videoexport.Request{Kind: kind, SubjectID: r.PathValue("id"), Options: o,
			Actor: "agent:" + userOf(r).ID})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/videos/"+v.ID)
		httpjson.Write(w, http.StatusAccepted, map[string]any{"video": toVideoJSON(v)})
	}
}

func (s *Server) handleListVideos(w http.ResponseWriter, r *http.Request) {
	vs, err := s.videos()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	assistID, terminalID := q.Get("assist"), q.Get("terminal")
	if (assistID == "") == (terminalID == "") {
		s.fail(w, r, tandem.Errorf(tandem.EInvalid, "give one of assist or terminal"))
		return
	}
	kind, subject := store.VideoAssist, assistID
	if terminalID != "" {
		kind, subject = store.VideoTerminal, terminalID
	}
	jobs, err := vs.Jobs(r.Context(), subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []videoJSON{}
	for _, v := range jobs {
		if v.Kind == kind {
			out = append(out, toVideoJSON(v))
		}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"videos": out})
}

func (s *Server) handleGetVideo(w http.ResponseWriter, r *http.Request) {
	vs, err := s.videos()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := vs.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"video": toVideoJSON(v)})
}

// handleVideoFile serves a done export's MP4 to a download or to the
// console's <video> player (server.go lets exactly this route answer a
// "video" destination).
func (s *Server) handleVideoFile(w http.ResponseWriter, r *http.Request) {
	vs, err := s.videos()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := ""
	if firstRange(r) {
		actor = "agent:" + userOf(r).ID
	}
	v, rc, err := vs.Open(r.Context(), r.PathValue("id"), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Disposition", `attachment; filename="`+v.SubjectID+"-"+v.ID+`.mp4"`)
	s.serveVideo(w, r, v, rc)
}

// firstRange reports whether r starts reading a video: no Range, or one
// from byte 0. A player seeking asks again from elsewhere; only the first
// request of a play or a download is audited, not each of its ranges.
func firstRange(r *http.Request) bool {
	rg := r.Header.Get("Range")
	return rg == "" || strings.HasPrefix(rg, "bytes=0-")
}

// serveVideo answers rc, the MP4 of v. A blob store that opens blobs as
// files serves ranges (http.ServeContent: seeking in a player, 206 and
// 416 answers); another streams the whole video, which a player plays
// without seeking.
func (s *Server) serveVideo(w http.ResponseWriter, r *http.Request, v *store.VideoExport, rc io.Reader) {
	h := w.Header()
	h.Set("Content-Type", "video/mp4")
	h.Set("Cache-Control", "private, no-store")
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", v.FinishedAt, rs)
		return
	}
	h.Set("Content-Length", strconv.FormatInt(v.Bytes, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil && !errors.Is(err, r.Context().Err()) {
		s.log.Info("video answer cut short", "video", v.ID, "err", err)
	}
}

func (s *Server) handleDeleteVideo(w http.ResponseWriter, r *http.Request) {
	vs, err := s.videos()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, deleted, err := vs.Remove(r.Context(), r.PathValue("id"), "agent:"+userOf(r).ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !deleted {
		httpjson.Write(w, http.StatusOK, map[string]any{"video": toVideoJSON(v)})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
