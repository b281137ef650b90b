package httpapi

import (
	"bufio"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/netx"
)

// ndjsonType is the media type of the replay read line by line.
const ndjsonType = "application/x-ndjson"

// recordingBuffer is how much of a replay answer is gathered before it is
// written out: large enough to make few writes, small next to a recording.
const recordingBuffer = 32 << 10

// handleRecording streams an ended assist's recording: the frames are read
// from storage a chunk at a time and written as they are read, so the
// server never holds a whole recording, and the client can start playing
// before the last chunk was fetched. The answer is the JSON document
// {"assist":…,"frames":[…]}, written incrementally, or with
// Accept: application/x-ndjson one JSON object a line (docs/api.md).
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request) {
	rw := netx.ProgressWriter(w, netx.DownloadChunkTimeout)
	out := &sticky{w: rw}
	bw := bufio.NewWriterSize(out, recordingBuffer)
	rc := http.NewResponseController(rw)
	// flush sends what was written so far, before the reader waits for
	// the next chunk of the recording.
	flush := func() {
		if bw.Flush() == nil {
			rc.Flush()
		}
	}
	a, rec, err := s.deps.Assists.Recording(r.Context(), r.PathValue("id"), flush)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rec.Close()
	lines := wantsNDJSON(r)
	if lines {
		w.Header().Set("Content-Type", ndjsonType)
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	aj := s.names(r.Context()).assist(a)
	if sharedView(r.Context()) {
		aj = aj.shared()
	}
	head := map[string]any{"assist": aj}
	n := 0
	err = assist.WriteRecording(bw, enc, head, rec, lines, &n)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		return
	}
	if out.err != nil || r.Context().Err() != nil {
		s.log.Info("recording answer cut short: the client went away", "assist", a.ID, "frames", n, "err", err)
		return
	}
	// The status went out with the first bytes: what failed later can only
	// be said in the body. A JSON answer is left without its closing
	// brackets, which no client can take for a whole one.
	s.log.Error("recording answer failed", "assist", a.ID, "frames", n, "err", err)
	if lines {
		enc.Encode(map[string]any{"error": map[string]string{"code": "internal", "message": "reading the recording failed"}})
		bw.Flush()
	}
}

// sticky remembers the first error writing to w: the client went away.
type sticky struct {
	w   io.Writer
	err error
}

func (s *sticky) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

// wantsNDJSON reports whether the client asked for the replay a line at a
// time.
func wantsNDJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if t, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && t == ndjsonType {
			return true
		}
	}
	return false
}
