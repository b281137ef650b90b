package netx

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestProgressWriterOutlivesWriteTimeout: a server with a short
// WriteTimeout sends a body far larger than the socket buffers to a client
// that reads nothing for a while and then everything. Written plainly, the
// body is cut when the timeout passes; through ProgressWriter it arrives
// whole, since every chunk had its own time to go out.
func TestProgressWriterOutlivesWriteTimeout(t *testing.T) {
	const writeTimeout = 100 * time.Millisecond
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("progress") == "1" {
			w = ProgressWriter(w, 10*time.Second)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(body)
	}))
	srv.Config.WriteTimeout = writeTimeout
	srv.Start()
	defer srv.Close()

	// A client that reads nothing keeps its receive window small, so 16 MiB
	// are well past what the socket buffers hold: the server blocks writing.
	client := srv.Client()
	get := func(query string) (int, error) {
		resp, err := client.Get(srv.URL + "/?" + query)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		// The slow client: nothing read for three write timeouts.
		time.Sleep(3 * writeTimeout)
		n, err := io.Copy(io.Discard, resp.Body)
		return int(n), err
	}
	if n, err := get("progress=0"); err == nil && n == len(body) {
		t.Fatalf("a plain write of %d bytes outlived the WriteTimeout; the test shows nothing", n)
	}
	if n, err := get("progress=1"); err != nil || n != len(body) {
		t.Fatalf("through ProgressWriter: %d of %d bytes, %v", n, len(body), err)
	}
}

// TestProgressWriterWithoutDeadlines: where deadlines cannot be set (a
// recorder), it writes as the writer does.
func TestProgressWriterWithoutDeadlines(t *testing.T) {
	rec := httptest.NewRecorder()
	body := bytes.Repeat([]byte("x"), 3*progressChunk+5)
	n, err := ProgressWriter(rec, time.Second).Write(body)
	if err != nil || n != len(body) || !bytes.Equal(rec.Body.Bytes(), body) {
		t.Fatalf("Write = %d, %v; recorded %d bytes", n, err, rec.Body.Len())
	}
}
