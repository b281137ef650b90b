package s3blobs

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/s3test"
)

// slack is what a loaded test machine may add to a timeout.
const slack = 3 * time.Second

// within fails the test if fn took longer than d plus slack or succeeded.
func within(t *testing.T, what string, d time.Duration, fn func() error) error {
	t.Helper()
	start := time.Now()
	err := fn()
	if took := time.Since(start); took > d+slack {
		t.Errorf("%s took %s, want at most the %s timeout", what, took.Round(time.Millisecond), d)
	}
	if err == nil {
		t.Errorf("%s succeeded with the server down", what)
	}
	return err
}

// A stopped server makes every method fail within the timeout, and the
// same store works again once the server is back.
func TestServerDownAndBack(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	u := srv.URL() + "&timeout=2s"
	const timeout = 2 * time.Second
	s := open(t, u)
	if err := s.Put(t.Context(), "rec/1", strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	ctx := t.Context()
	within(t, "Put", timeout, func() error { return s.Put(ctx, "rec/2", strings.NewReader("x")) })
	within(t, "Put of an unsized blob", timeout, func() error { return s.Put(ctx, "rec/3", unsized{strings.NewReader("x")}) })
	within(t, "Get", timeout, func() error {
		rc, err := s.Get(ctx, "rec/1")
		if err == nil {
			rc.Close()
		}
		return err
	})
	within(t, "List", timeout, func() error { _, err := s.List(ctx, ""); return err })
	within(t, "Delete", timeout, func() error { return s.Delete(ctx, "rec/1") })
	err := within(t, "Open", timeout, func() error {
		s2, err := Open(ctx, u)
		if err == nil {
			s2.Close()
		}
		return err
	})
	if err != nil && (!strings.Contains(err.Error(), s.bucket) || !strings.Contains(err.Error(), srv.Endpoint())) {
		t.Errorf("Open error %q does not name the bucket and the endpoint", err)
	}

	srv.Start()
	if err := s.Put(ctx, "rec/2", strings.NewReader("after")); err != nil {
		t.Fatalf("Put after restart: %v", err)
	}
	if got := getAll(t, s, "rec/1"); string(got) != "kept" {
		t.Errorf("Get after restart = %q, want %q", got, "kept")
	}
	if keys, err := s.List(ctx, "rec/"); err != nil || len(keys) != 2 {
		t.Errorf("List after restart = %q, %v; want rec/1 and rec/2", keys, err)
	}
	if err := s.Delete(ctx, "rec/2"); err != nil {
		t.Errorf("Delete after restart: %v", err)
	}
}

// blackhole accepts connections and never answers, like a host whose
// service hangs.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return "http://" + ln.Addr().String()
}

// An endpoint that accepts and never answers fails Open within the
// timeout, naming the bucket and the endpoint.
func TestHangingEndpointFailsOpen(t *testing.T) {
	t.Parallel()
	ep := blackhole(t)
	const timeout = 500 * time.Millisecond
	err := within(t, "Open", timeout, func() error {
		s, err := Open(t.Context(), "s3://key:secret@bucket?timeout=500ms&endpoint="+ep)
		if err == nil {
			s.Close()
		}
		return err
	})
	if err == nil {
		return
	}
	for _, want := range []string{`"bucket"`, ep, "no answer within 500ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q does not say %q", err, want)
		}
	}
}

// A Get whose body stops coming fails the read within the timeout instead
// of blocking its reader for ever; a List that gets no answer fails rather
// than return the keys it has.
func TestStalledServerFailsGetAndList(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" {
			// A listing whose answer never comes.
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		if r.Method != http.MethodGet || r.URL.Path != "/bucket/slow" {
			return // the bucket check: 200
		}
		w.Header().Set("Content-Length", "100")
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
		w.Write([]byte("0123456789"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	s := open(t, "s3://key:secret@bucket?timeout=500ms&endpoint="+srv.URL)
	rc, err := s.Get(t.Context(), "slow")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	err = within(t, "reading a stalled body", 500*time.Millisecond, func() error {
		_, err := io.ReadAll(rc)
		return err
	})
	if err != nil && !strings.Contains(err.Error(), "no answer within 500ms") {
		t.Errorf("read error %q does not say it timed out", err)
	}
	within(t, "List on a stalled server", 500*time.Millisecond, func() error {
		keys, err := s.List(t.Context(), "")
		if err == nil && keys != nil {
			t.Errorf("List on a stalled server gave keys %q", keys)
		}
		return err
	})
}
