package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type recordedRequest struct {
	route  string
	status int
}

type fakeObserver struct {
	mu   sync.Mutex
	reqs []recordedRequest
}

func (o *fakeObserver) Request(route string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reqs = append(o.reqs, recordedRequest{route, status})
}

func (o *fakeObserver) Channel(string, int) {}

// A response cut short (a forwarded one whose owner went away mid-body:
// the stdlib proxy panics with http.ErrAbortHandler) is counted, not
// logged as a handler's panic, and still aborts the client's connection so
// that it does not look complete; a real panic is answered with 500.
func TestObserveAbortAndPanic(t *testing.T) {
	for _, c := range []struct {
		name       string
		panicWith  any
		wantStatus int // what the client gets; 0: the connection is cut
		wantLogged bool
	}{
		{"abort", http.ErrAbortHandler, 0, false},
		{"panic", "boom", http.StatusInternalServerError, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			obs := &fakeObserver{}
			s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), deps: Deps{Observer: obs}}
			h := s.observe("/x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(c.panicWith) }))
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
			srv.Start()
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/x")
			status := 0
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			if status != c.wantStatus {
				t.Errorf("client got %d (%v), want %d", status, err, c.wantStatus)
			}
			if got := strings.Contains(logs.String(), "handler panic"); got != c.wantLogged {
				t.Errorf("logged a panic: %v, want %v: %s", got, c.wantLogged, logs.String())
			}
			obs.mu.Lock()
			defer obs.mu.Unlock()
			if len(obs.reqs) != 1 || obs.reqs[0].route != "GET /x" {
				t.Errorf("counted %+v, want one GET /x", obs.reqs)
			}
		})
	}
}
