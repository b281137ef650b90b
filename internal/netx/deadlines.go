package netx

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ClearDeadlines lifts the server's read and write timeouts from the
// connection under w. A WebSocket handler calls it once the upgrade is
// done: the server's deadlines were set for one request, and a channel
// lives for hours, guarded by its own per-message timeouts and pings.
// net/http clears them when a connection is hijacked, but documents that
// as the handler's job, and an upgrade that does not hijack would keep them.
func ClearDeadlines(w http.ResponseWriter) error {
	rc := http.NewResponseController(w)
	return errors.Join(rc.SetReadDeadline(time.Time{}), rc.SetWriteDeadline(time.Time{}))
}

// DownloadChunkTimeout is the time each chunk of a recording download has
// to go out (see ProgressWriter): a client that takes no 32 KiB in it has
// stopped reading.
const DownloadChunkTimeout = 30 * time.Second

// progressChunk is how much of a long body goes out under one deadline.
const progressChunk = 32 << 10

// ProgressWriter wraps w for a long response body (a recording): it writes
// in chunks of 32 KiB and gives each chunk perChunk to go out. A download
// that keeps moving is never cut by the server's WriteTimeout, however long
// it takes; a client that stops reading still is, perChunk after it
// stopped. Where w cannot set deadlines (a recorder in tests) it writes as
// w does.
func ProgressWriter(w http.ResponseWriter, perChunk time.Duration) http.ResponseWriter {
	return &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), perChunk: perChunk}
}

type progressWriter struct {
	http.ResponseWriter
	rc       *http.ResponseController
	perChunk time.Duration
}

func (p *progressWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		chunk := b[:min(len(b), progressChunk)]
		if err := p.rc.SetWriteDeadline(time.Now().Add(p.perChunk)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return written, fmt.Errorf("extend the write deadline: %w", err)
		}
		n, err := p.ResponseWriter.Write(chunk)
		written += n
		if err != nil {
			return written, err
		}
		b = b[n:]
	}
	return written, nil
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (p *progressWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }
