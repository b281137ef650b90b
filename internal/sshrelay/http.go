package sshrelay

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store"
)

// TerminalJSON is a terminal session as the console's API shows it.
type TerminalJSON struct {
	ID          string       `json:"id"`
	HostName    string       `json:"hostName"`
	Command     string       `json:"command"`
	ReadOnly    bool         `json:"readOnly"`
	Approve     bool         `json:"approve"`
	Live        bool         `json:"live"`
	Cols        int          `json:"cols,omitempty"`
	Rows        int          `json:"rows,omitempty"`
	JoinCommand string       `json:"joinCommand,omitempty"`
	CreatedAt   time.Time    `json:"createdAt"`
	EndedAt     time.Time    `json:"endedAt,omitzero"`
	EndReason   string       `json:"endReason,omitempty"`
	Helpers     []helperInfo `json:"helpers"`
}

// HTTPHandler serves the console's terminal API:
//
//	GET /api/v1/terminals              sessions, newest first (?live=1, ?limit=N)
//	GET /api/v1/terminals/{id}         one session
//	GET /api/v1/terminals/{id}/recording   its asciicast v2 recording
//	GET /api/v1/terminals/{id}/ws      the web terminal (WebSocket)
//
// auth returns the signed-in agent; when it fails the answer is 401. An
// agent joins with the rights of an SSH helper.
func (s *Server) HTTPHandler(auth func(*http.Request) (*tandem.User, error)) http.Handler {
	mux := http.NewServeMux()
	authed := func(f func(http.ResponseWriter, *http.Request, *tandem.User)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			u, err := auth(r)
			if err != nil || u == nil {
				writeError(w, tandem.Errorf(tandem.EUnauthorized, "sign in first"))
				return
			}
			f(w, r, u)
		}
	}
	mux.HandleFunc("GET /api/v1/terminals", authed(s.listTerminals))
	mux.HandleFunc("GET /api/v1/terminals/{id}", authed(s.getTerminal))
	mux.HandleFunc("GET /api/v1/terminals/{id}/recording", authed(s.getRecording))
	mux.HandleFunc("GET /api/v1/terminals/{id}/ws", authed(s.serveWeb))
	return mux
}

func (s *Server) listTerminals(w http.ResponseWriter, r *http.Request, _ *tandem.User) {
	q := r.URL.Query()
	live := q.Get("live") == "1" || q.Get("live") == "true"
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, tandem.Errorf(tandem.EInvalid, "limit must be 1..1000"))
			return
		}
		limit = n
	}
	ts, err := s.cfg.Store.ListTerminals(r.Context(), live, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]TerminalJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, s.terminalJSON(r.Context(), t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"terminals": out})
}

func (s *Server) getTerminal(w http.ResponseWriter, r *http.Request, _ *tandem.User) {
	t, err := s.terminalByPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"terminal": s.terminalJSON(r.Context(), t)})
}

func (s *Server) terminalByPath(r *http.Request) (*store.Terminal, error) {
	id, err := ParseSessionID(r.PathValue("id"))
	if err != nil {
		return nil, tandem.Errorf(tandem.ENotFound, "no terminal session %q", clip(r.PathValue("id"), 40))
	}
	return s.cfg.Store.TerminalByID(r.Context(), id)
}

// terminalJSON describes t: a live session from memory, an ended one (or
// one on another node) from the audit log.
func (s *Server) terminalJSON(ctx context.Context, t *store.Terminal) TerminalJSON {
	j := TerminalJSON{
		ID: t.ID, HostName: t.HostName, Command: t.Command, ReadOnly: t.ReadOnly, Approve: t.Approve,
		CreatedAt: t.CreatedAt, EndedAt: t.EndedAt, EndReason: t.EndReason, Helpers: []helperInfo{},
	}
	if se := s.session(t.ID); se != nil {
		se.mu.Lock()
		j.Live = !se.ended
		j.Cols, j.Rows = se.cols, se.rows
		for _, h := range se.joined {
			if h.LeftAt.IsZero() {
				j.Helpers = append(j.Helpers, h)
			}
		}
		se.mu.Unlock()
		j.JoinCommand = s.joinCommand(t.ID)
		return j
	}
	entries, err := s.cfg.Store.AuditFor(ctx, t.ID)
	if err != nil {
		s.log.Error("audit for terminal", "id", t.ID, "err", err)
		return j
	}
	for _, e := range entries {
		if e.Action != "join" {
			continue
		}
		var h helperInfo
		if json.Unmarshal([]byte(e.Detail), &h) == nil {
			h.JoinedAt = e.At
			j.Helpers = append(j.Helpers, h)
		}
	}
	return j
}

func (s *Server) getRecording(w http.ResponseWriter, r *http.Request, _ *tandem.User) {
	t, err := s.terminalByPath(r)
	if err != nil {
		writeError(w, err)
		return
	}
	rc, err := record.Open(r.Context(), s.cfg.Blobs, t.RecordingID)
	if err != nil {
		writeError(w, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/x-asciicast")
	w.Header().Set("Content-Disposition", `inline; filename="`+t.ID+`.cast"`)
	w.WriteHeader(http.StatusOK)
	io.Copy(w, rc)
}

// writeError answers with the API's error shape and the status of its code.
func writeError(w http.ResponseWriter, err error) {
	code := tandem.ErrorCode(err)
	status := map[string]int{
		tandem.EInvalid:      http.StatusBadRequest,
		tandem.ENotFound:     http.StatusNotFound,
		tandem.EConflict:     http.StatusConflict,
		tandem.EUnauthorized: http.StatusUnauthorized,
		tandem.EForbidden:    http.StatusForbidden,
		tandem.EExpired:      http.StatusGone,
		tandem.EUnavailable:  http.StatusServiceUnavailable,
		tandem.ERateLimited:  http.StatusTooManyRequests,
	}[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": tandem.ErrorMessage(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
