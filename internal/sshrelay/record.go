package sshrelay

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/internal/record"
)

// castWriter writes a session as an asciicast v2 recording: a header line,
// then one JSON array per event: [seconds, "o", output], [seconds, "i",
// input], [seconds, "r", "COLSxROWS"] and [seconds, "m", marker] for joins
// and leaves. The record.Writer under it compresses and stores it in chunks
// without ever blocking the session.
type castWriter struct {
	w     *record.Writer
	start time.Time
	log   func(msg string, args ...any)
	out   *closableQueue[[]byte] // host output, encoded by run beside the relaying
	done  chan struct{}          // run has returned

	mu      sync.Mutex
	closed  bool
	buf     []byte
	partial []byte // an output UTF-8 sequence split across chunks
	failed  bool
}

// castHeader is the first line of an asciicast v2 file.
type castHeader struct {
	Version   int               `json:"version"`
	Width     int               `json:"width"`
	Height    int               `json:"height"`
	Timestamp int64             `json:"timestamp"`
	Title     string            `json:"title,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
}

func (s *Server) newCast(se *session) *castWriter {
	c := s.castWriter(se, true) // a session id is new at every share
	term := se.req.Term
	if term == "" {
		term = "xterm-256color"
	}
	h, _ := json.Marshal(castHeader{
		Version: 2, Width: se.req.Cols, Height: se.req.Rows, Timestamp: se.created.Unix(),
		Title: se.req.HostName + ": " + se.req.Command,
		Env:   map[string]string{"TERM": term, "SHELL": se.req.Command},
	})
	c.write(append(h, '\n'))
	return c
}

// continueCast goes on with the recording of a session taken over from
// another node: its chunks follow the ones stored (nothing stored is
// rewritten), its times count from the session's start, and it begins
// with a marker and the host's window size, since the host redraws its
// screen next.
func (s *Server) continueCast(se *session) *castWriter {
	c := s.castWriter(se, false)
	c.marker("host reconnected; session taken over")
	c.resize(se.req.Cols, se.req.Rows)
	return c
}

// castWriter starts the writer of se's recording; fresh says that nothing
// of it is stored yet.
func (s *Server) castWriter(se *session, fresh bool) *castWriter {
	c := &castWriter{
		w: record.NewWriter(s.cfg.Blobs, se.id, record.WriterOptions{
			New:            fresh,
			MaxBufferBytes: s.cfg.RecordingBacklog,
			Spool:          s.cfg.Spool,
		}),
		start: se.created,
		log:   s.log.With("session", se.id).Error,
		out:   newClosableQueue[[]byte](64),
		done:  make(chan struct{}),
	}
	go c.run()
	return c
}

// defaultRecordingBacklog (Config.RecordingBacklog) bounds the recorded
// bytes a session may have waiting for compression and storage. Past it,
// the session waits for storage (so a flood of output slows the host
// instead of growing the server's memory without bound, and nothing goes
// unrecorded); only storage that stays failing for recordingWait loses
// data. With a Spool, chunks the store refuses, or does not take within
// its PutTimeout, go to local disk, so the backlog fills only while a
// hanging Put waits out that timeout, or when the spool is full too.
const (
	defaultRecordingBacklog = 64 << 20
	recordingWait           = 30 * time.Second
	// recordingCloseTimeout bounds how long a session's end waits for the
	// rest of its recording to be durable. It outlasts a chunk's
	// PutTimeout (10 s by default), after which the Spool takes the chunk
	// of a store that stopped answering: the end waits for that rather
	// than lose the end of the recording.
	recordingCloseTimeout = 30 * time.Second
)

// write appends b to the recording; c.mu is held.
func (c *castWriter) write(b []byte) {
	_, err := c.w.Write(b)
	if errors.Is(err, record.ErrBufferFull) {
		ctx, cancel := context.WithTimeout(context.Background(), recordingWait)
		if err = c.w.Flush(ctx); err == nil {
			_, err = c.w.Write(b)
		}
		cancel()
	}
	if err != nil && !c.failed {
		c.failed = true // said once; the writer keeps the reason
		c.log("recording failing", "err", err)
	}
}

// event appends one event line; data is text already valid UTF-8.
func (c *castWriter) event(kind string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return // e.g. helpers leaving as the session ends
	}
	b := c.buf[:0]
	b = append(b, '[')
	b = strconv.AppendFloat(b, time.Since(c.start).Seconds(), 'f', 6, 64)
	b = append(b, ",\""...)
	b = append(b, kind...)
	b = append(b, "\","...)
	b = appendJSONString(b, data)
	b = append(b, "]\n"...)
	c.write(b)
	c.buf = b
}

// output records a chunk of host output, which the caller no longer
// changes. Encoding happens on the writer's own goroutine, so that it runs
// beside the relaying; when it falls 64 chunks behind, output waits rather
// than going unrecorded.
func (c *castWriter) output(p []byte) { c.out.send(p) }

func (c *castWriter) run() {
	defer close(c.done)
	for p := range c.out.ch {
		c.encodeOutput(p)
	}
}

// encodeOutput writes an output event. A split UTF-8 sequence is held until
// whole, since each event is a JSON string.
func (c *castWriter) encodeOutput(p []byte) {
	c.mu.Lock()
	if len(c.partial) > 0 {
		p = append(c.partial, p...)
		c.partial = nil
	}
	tail := incompleteTail(p)
	if tail > 0 {
		c.partial = append([]byte(nil), p[len(p)-tail:]...)
		p = p[:len(p)-tail]
	}
	c.mu.Unlock()
	if len(p) > 0 {
		c.event("o", p)
	}
}

func (c *castWriter) input(p []byte) { c.event("i", p) }

func (c *castWriter) marker(text string) { c.event("m", []byte(text)) }

func (c *castWriter) resize(cols, rows int) {
	c.event("r", []byte(strconv.Itoa(cols)+"x"+strconv.Itoa(rows)))
}

// close stores everything; the recording is durable when it returns nil.
func (c *castWriter) close(ctx context.Context) error {
	c.out.close()
	<-c.done
	c.mu.Lock()
	rest := c.partial
	c.partial = nil
	c.mu.Unlock()
	if len(rest) > 0 {
		c.event("o", rest)
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.w.Close(ctx)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as asciicast players expect text. It is written by hand because
// encoding/json would allocate for every event of a busy terminal.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			// Plain text in one go: most of any terminal's output.
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\' {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// CastOutput copies the terminal output of an asciicast v2 recording
// (its "o" events, in order) to w, so that it can be replayed on a terminal.
func CastOutput(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false // the header
			continue
		}
		var ev []json.RawMessage
		if json.Unmarshal(sc.Bytes(), &ev) != nil || len(ev) != 3 {
			continue // a torn last line
		}
		var kind, data string
		if json.Unmarshal(ev[1], &kind) != nil || kind != "o" || json.Unmarshal(ev[2], &data) != nil {
			continue
		}
		if _, err := io.WriteString(w, data); err != nil {
			return err
		}
	}
	return sc.Err()
}

// incompleteTail returns how many bytes at the end of p are the start of a
// UTF-8 sequence that is not complete yet.
func incompleteTail(p []byte) int {
	for i := 1; i <= utf8.UTFMax && i <= len(p); i++ {
		c := p[len(p)-i]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(p[len(p)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}
