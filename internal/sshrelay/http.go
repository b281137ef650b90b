package sshrelay

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/httpjson"
	"github.com/tandemhq/tandem/internal/netx"
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
	RecordInput bool         `json:"recordInput"`
	Live        bool         `json:"live"`
	Cols        int          `json:"cols,omitempty"`
	Rows        int          `json:"rows,omitempty"`
	JoinCommand string       `json:"joinCommand,omitempty"`
	CreatedAt   time.Time    `json:"createdAt"`
	EndedAt     time.Time    `json:"endedAt,omitzero"`
	EndReason   string       `json:"endReason,omitempty"`
	Helpers     []helperInfo `json:"helpers"`
}

// The console's terminal API is served by the methods below, which the web
// API (internal/httpapi) lists in its route table, behind its sign-in,
// request metrics and panic recovery:
//
//	GET /api/v1/terminals                  ServeList: sessions, newest first (?live=1, ?limit=N)
//	GET /api/v1/terminals/{id}             ServeTerminal: one session
//	GET /api/v1/terminals/{id}/recording   ServeRecording: its asciicast v2 recording
//	GET /api/v1/terminals/{id}/ws          ServeWebTerminal: the web terminal (WebSocket)
//
// u is the signed-in agent. An agent joins with the rights of an SSH helper.

// ServeList lists terminal sessions, newest first.
func (s *Server) ServeList(w http.ResponseWriter, r *http.Request, _ *tandem.User) {
	q := r.URL.Query()
	live := q.Get("live") == "1" || q.Get("live") == "true"
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.fail(w, r, tandem.Errorf(tandem.EInvalid, "limit must be 1..1000"))
			return
		}
		limit = n
	}
	ts, err := s.cfg.Store.ListTerminals(r.Context(), live, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"terminals": s.terminalsJSON(r.Context(), ts)})
}

// ServeTerminal describes one terminal session.
func (s *Server) ServeTerminal(w http.ResponseWriter, r *http.Request, _ *tandem.User) {
	t, err := s.terminalByPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"terminal": s.terminalsJSON(r.Context(), []*store.Terminal{t})[0]})
}

func (s *Server) terminalByPath(r *http.Request) (*store.Terminal, error) {
	id, err := ParseSessionID(r.PathValue("id"))
	if err != nil {
		return nil, tandem.Errorf(tandem.ENotFound, "no terminal session %q", clip(r.PathValue("id"), 40))
	}
	return s.cfg.Store.TerminalByID(r.Context(), id)
}

// terminalsJSON describes ts: live sessions from memory, ended ones (and
// ones on another node) with their helpers from the audit log's joins, read
// in one query for all of them.
func (s *Server) terminalsJSON(ctx context.Context, ts []*store.Terminal) []TerminalJSON {
	out := make([]TerminalJSON, len(ts))
	var past []string
	for i, t := range ts {
		var here bool
		if out[i], here = s.terminalJSON(t); !here {
			past = append(past, t.ID)
		}
	}
	helpers := make(map[string][]helperInfo, len(past))
	for ids := range slices.Chunk(past, store.MaxAuditSessions) {
		joins, err := s.cfg.Store.AuditForSessions(ctx, ids, auditJoin)
		if err != nil {
			s.log.Error("helpers of ended terminals", "sessions", len(ids), "err", err)
			break
		}
		for id, entries := range joins {
			for _, e := range entries {
				var h helperInfo
				if json.Unmarshal([]byte(e.Detail), &h) == nil {
					h.JoinedAt = e.At
					helpers[id] = append(helpers[id], h)
				}
			}
		}
	}
	for i := range out {
		if hs, ok := helpers[out[i].ID]; ok {
			out[i].Helpers = hs
		}
	}
	return out
}

// terminalJSON describes t as the store has it (live until its end is
// stored, whichever node serves it, or while its host comes back) and,
// when the session runs on this node, with its size, join command and the
// helpers attached now; here says whether it does.
func (s *Server) terminalJSON(t *store.Terminal) (j TerminalJSON, here bool) {
	j = TerminalJSON{
		ID: t.ID, HostName: t.HostName, Command: t.Command, ReadOnly: t.ReadOnly, Approve: t.Approve, RecordInput: t.RecordInput,
		CreatedAt: t.CreatedAt, EndedAt: t.EndedAt, EndReason: t.EndReason, Helpers: []helperInfo{},
		Live: t.EndedAt.IsZero(),
	}
	se := s.session(t.ID)
	if se == nil {
		return j, false
	}
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
	return j, true
}

// ServeRecording sends a session's asciicast v2 recording as it reads it
// from storage, a chunk at a time: what was read is sent before the next
// chunk is fetched, so that a replay can start while the rest is on its
// way, and the server never holds a whole recording. A recording that
// fails to read after the answer began is cut off, the connection closed
// before the answer's end, so that no client takes it for a whole one.
func (s *Server) ServeRecording(w http.ResponseWriter, r *http.Request, _ *tandem.User) {
	t, err := s.terminalByPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pw := netx.ProgressWriter(w, netx.DownloadChunkTimeout)
	rc := http.NewResponseController(pw)
	rec, err := record.OpenWith(r.Context(), s.cfg.Blobs, t.RecordingID, record.ReadOptions{
		// The fetch may take a while; the client plays what it has.
		BeforeChunk: func() { rc.Flush() },
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rec.Close()
	w.Header().Set("Content-Type", "application/x-asciicast")
	w.Header().Set("Content-Disposition", `inline; filename="`+t.ID+`.cast"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	out := &stickyWriter{w: pw}
	if _, err := io.Copy(out, rec); err != nil {
		if out.err != nil || r.Context().Err() != nil {
			s.log.Info("recording answer cut short: the client went away", "session", t.ID, "err", err)
			return
		}
		s.log.Error("recording answer failed", "session", t.ID, "err", err)
		// The status went out with the first bytes. Closing the
		// connection before the answer's end is how HTTP/1.1 says it is
		// incomplete (an HTTP/2 answer just ends).
		rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			conn.Close()
		}
	}
}

// stickyWriter remembers the first error writing to w: the client went
// away.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

// fail answers as the web API that routes here does
// (internal/httpjson); an internal error is logged first and shown only as
// "internal error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if tandem.ErrorCode(err) == tandem.EInternal {
		s.log.Error("request failed", "method", r.Method, "path", logSafe(r.URL.Path), "err", err)
	}
	httpjson.WriteError(w, err)
}
