package videoexport

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/assist"
	"github.com/tandemhq/tandem/internal/blobs"
	"github.com/tandemhq/tandem/internal/record"
	"github.com/tandemhq/tandem/internal/store"
)

// StoredRecordings opens recordings where a server keeps them: an
// assist's through the assist service (which checks it ended and was not
// deleted), a terminal session's from the blob store.
type StoredRecordings struct {
	Assists *assist.Service
	Blobs   blobs.Store
}

// Open returns the recording of v: an assist's as NDJSON (the replay's
// line format, written as it is read), a terminal's asciicast as stored.
func (r StoredRecordings) Open(ctx context.Context, v *store.VideoExport) (io.ReadCloser, error) {
	if v.Kind == store.VideoTerminal {
		rc, err := record.Open(ctx, r.Blobs, v.RecordingID)
		if err != nil {
			return nil, fmt.Errorf("opening the terminal recording: %w", err)
		}
		return rc, nil
	}
	a, rr, err := r.Assists.Recording(ctx, v.SubjectID, nil)
	if err != nil {
		return nil, fmt.Errorf("opening the assist's recording: %w", err)
	}
	pr, pw := io.Pipe()
	go func() {
		defer rr.Close()
		pw.CloseWithError(writeNDJSON(pw, a, rr))
	}()
	return pr, nil
}

// writeNDJSON writes a recording as GET /api/v1/assists/{id}/recording
// does with Accept: application/x-ndjson: the assist, the frames, the end.
func writeNDJSON(w io.Writer, a *tandem.Assist, rr *assist.RecordingReader) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	head := map[string]any{"assist": map[string]any{"id": a.ID, "siteId": a.SiteID, "state": a.State}}
	if err := assist.WriteRecording(bw, enc, head, rr, true, &n); err != nil {
		return err
	}
	return bw.Flush()
}
