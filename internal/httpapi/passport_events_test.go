package httpapi

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/internal/passport"
)

// fakeFollower is a passport whose one token's validity the test sets, and
// whose grant events the test sends.
type fakeFollower struct {
	mu      sync.Mutex
	active  bool
	expires time.Time
	// refreshAhead: the monitor asked for a refresh before the stream began.
	refreshAhead bool
	events       chan passport.GrantEvent
}

func (f *fakeFollower) Verify(ctx context.Context, token string) (*passport.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if token != "tpa_good" {
		return &passport.Verification{Reason: "unknown"}, nil
	}
	if !f.active {
		return &passport.Verification{Reason: "expired"}, nil
	}
	return &passport.Verification{Active: true, GrantID: "g1", ExpiresAt: f.expires, RefreshAhead: f.refreshAhead}, nil
}

func (f *fakeFollower) Follow(ctx context.Context, grantID string) (<-chan passport.GrantEvent, error) {
	return f.events, nil
}

func (f *fakeFollower) setActive(a bool) {
	f.mu.Lock()
	f.active = a
	f.mu.Unlock()
}

// stream opens the events stream with token and returns its status and a
// reader of its lines.
func stream(t *testing.T, url, token string) (*http.Response, *bufio.Scanner) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Origin", "http://localhost:9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, bufio.NewScanner(resp.Body)
}

// readUntil reads lines until one equals want, failing at the stream's end.
func readUntil(t *testing.T, sc *bufio.Scanner, want string) {
	t.Helper()
	for sc.Scan() {
		if sc.Text() == want {
			return
		}
	}
	t.Fatalf("the stream ended before %q", want)
}

func TestPassportEventsStream(t *testing.T) {
	cases := []struct {
		name string
		// act makes something happen on an open stream; the stream must
		// then show last and end.
		act  func(f *fakeFollower)
		last string
	}{
		{"ended", func(f *fakeFollower) {
			f.events <- passport.GrantEvent{Type: "refresh", GrantID: "g1"}
			f.events <- passport.GrantEvent{Type: "ended", GrantID: "g1", Reason: "signed_in_elsewhere"}
		}, `data: {"type":"ended","grantId":"g1","reason":"signed_in_elsewhere"}`},
		{"token refreshed away", func(f *fakeFollower) {
			f.setActive(false)
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeFollower{active: true, expires: time.Now().Add(time.Hour), events: make(chan passport.GrantEvent, 4)}
			p := &passportEvents{svc: f, stopping: t.Context(), keepAlive: 20 * time.Millisecond,
				fail: func(w http.ResponseWriter, r *http.Request, err error) { t.Errorf("failed: %v", err) }}
			srv := httptest.NewServer(p)
			t.Cleanup(srv.Close)
			resp, sc := stream(t, srv.URL, "tpa_good")
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
			}
			readUntil(t, sc, ": keep-alive")
			c.act(f)
			if c.last != "" {
				readUntil(t, sc, "event: refresh")
				readUntil(t, sc, c.last)
			}
			for sc.Scan() {
				if sc.Text() != "" && sc.Text() != ": keep-alive" {
					t.Fatalf("after the end, the stream said %q", sc.Text())
				}
			}
		})
	}
}

// TestPassportEventsEndsAtExpiry: a stream lasts no longer than its token.
func TestPassportEventsEndsAtExpiry(t *testing.T) {
	f := &fakeFollower{active: true, expires: time.Now().Add(200 * time.Millisecond), events: make(chan passport.GrantEvent)}
	p := &passportEvents{svc: f, stopping: t.Context(), keepAlive: time.Hour}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	_, sc := stream(t, srv.URL, "tpa_good")
	readUntil(t, sc, ": following the sign-in")
	for sc.Scan() {
	}
	if time.Now().Before(f.expires) {
		t.Fatal("the stream ended before its token expired")
	}
}

// TestPassportEventsRefusesBadTokens: no stream without a live token; the
// reason is in RFC 6750's header.
func TestPassportEventsRefusesBadTokens(t *testing.T) {
	f := &fakeFollower{active: true, expires: time.Now().Add(time.Hour), events: make(chan passport.GrantEvent)}
	p := &passportEvents{svc: f, stopping: t.Context(), keepAlive: time.Hour}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	for _, c := range []struct{ auth, header string }{
		{"", `Bearer realm="passport"`},
		{"Basic eDp5", `Bearer realm="passport"`},
		{"Bearer tpa_other", `Bearer error="invalid_token", error_description="unknown"`},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != c.header || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("%q: %d %v", c.auth, resp.StatusCode, resp.Header)
		}
	}
}

// TestPassportEventsRefreshAsked: a refresh the monitor asked for before
// the stream began is the stream's first event.
func TestPassportEventsRefreshAsked(t *testing.T) {
	f := &fakeFollower{active: true, refreshAhead: true, expires: time.Now().Add(time.Hour), events: make(chan passport.GrantEvent)}
	p := &passportEvents{svc: f, stopping: t.Context(), keepAlive: time.Hour}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	_, sc := stream(t, srv.URL, "tpa_good")
	var lines []string
	for len(lines) < 4 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if got := strings.Join(lines, "\n"); got != ": following the sign-in\n\nevent: refresh\ndata: {\"type\":\"refresh\",\"grantId\":\"g1\"}" {
		t.Fatalf("the stream began with %q", got)
	}
}
