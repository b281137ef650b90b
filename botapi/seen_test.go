package botapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBot counts the events its function is called with.
type fakeBot struct {
	mu    sync.Mutex
	calls map[string]int
	fail  bool
	empty bool
}

func (b *fakeBot) answer(_ context.Context, ev *Event) (*Answer, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls[ev.ID]++
	if b.fail {
		return nil, errors.New("database down")
	}
	if b.empty {
		return nil, nil
	}
	return &Answer{Instructions: []Instruction{{Type: Post, Message: &Message{Text: "answer " + strings.Repeat("x", b.calls[ev.ID])}}}}, nil
}

func (b *fakeBot) count(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[id]
}

// deliver sends a signed delivery of id to h (sig "" signs it).
func deliver(t *testing.T, h http.Handler, id, sig string) *httptest.ResponseRecorder {
	t.Helper()
	body := `{"id":"` + id + `","type":"mention"}`
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	now := time.Now().Unix()
	if sig == "" {
		sig = signWith(t, specSecret, id, now, body)
	}
	req.Header = specHeader(sig, now)
	req.Header.Set("webhook-id", id)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// A delivery sent again (same webhook-id) is answered as the first time,
// without calling the bot's function again, within the memory's bounds.
func TestHandlerDropsRepeats(t *testing.T) {
	type step struct {
		id        string
		advance   time.Duration
		wantCalls int    // calls of the function for id after this step
		wantCode  int    // 0: as the first answer
		wantBody  string // "=": as the first answer
	}
	tests := []struct {
		name  string
		bot   func() *fakeBot
		mem   func() *seen
		steps []step
	}{
		{"repeat answered again", func() *fakeBot { return &fakeBot{} }, nil, []step{{"d1", 0, 1, 200, ""}, {"d1", time.Hour, 1, 0, "="}}},
		{"repeat of nothing to do", func() *fakeBot { return &fakeBot{empty: true} }, nil, []step{{"d1", 0, 1, 204, ""}, {"d1", 0, 1, 204, ""}}},
		{"failure forgotten", func() *fakeBot { return &fakeBot{fail: true} }, nil, []step{{"d1", 0, 1, 500, "-"}, {"d1", 0, 2, 500, "-"}}},
		{"other ids called", func() *fakeBot { return &fakeBot{} }, nil, []step{{"d1", 0, 1, 200, ""}, {"d2", 0, 1, 200, ""}, {"d1", 0, 1, 0, "="}}},
		{"at most so many ids", func() *fakeBot { return &fakeBot{} }, func() *seen { return newSeen(2, time.Hour, 1<<20) }, []step{
			{"d1", 0, 1, 200, ""}, {"d2", 0, 1, 200, ""}, {"d3", 0, 1, 200, ""}, {"d3", 0, 1, 0, "="}, {"d1", 0, 2, 200, ""},
		}},
		{"for so long", func() *fakeBot { return &fakeBot{} }, func() *seen { return newSeen(10, time.Hour, 1<<20) }, []step{
			{"d1", 0, 1, 200, ""}, {"d1", 59 * time.Minute, 1, 0, "="}, {"d1", 2 * time.Minute, 2, 200, ""},
		}},
		{"answers beyond the bytes kept: 200 empty", func() *fakeBot { return &fakeBot{} }, func() *seen { return newSeen(10, time.Hour, 100) }, []step{
			{"d1", 0, 1, 200, ""}, {"d2", 0, 1, 200, ""}, {"d1", 0, 1, 200, "<empty>"}, {"d2", 0, 1, 0, "="},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.bot()
			b.calls = map[string]int{}
			mem := newSeen(RememberIDs, RememberFor, rememberBytes)
			if tt.mem != nil {
				mem = tt.mem()
			}
			clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			h := newHandler(specSecret, b.answer, mem, func() time.Time { return clock })
			first := map[string]*httptest.ResponseRecorder{}
			for i, st := range tt.steps {
				clock = clock.Add(st.advance)
				w := deliver(t, h, st.id, "")
				if got := b.count(st.id); got != st.wantCalls {
					t.Fatalf("step %d (%s): the function was called %d times, want %d", i, st.id, got, st.wantCalls)
				}
				f := first[st.id]
				if f == nil {
					first[st.id] = w
				}
				code := st.wantCode
				if code == 0 {
					code = f.Code
				}
				if w.Code != code {
					t.Fatalf("step %d (%s): %d %s, want %d", i, st.id, w.Code, w.Body, code)
				}
				switch st.wantBody {
				case "=":
					if w.Body.String() != f.Body.String() || w.Header().Get("Content-Type") != f.Header().Get("Content-Type") {
						t.Fatalf("step %d (%s): answered %q, first %q", i, st.id, w.Body, f.Body)
					}
				case "<empty>":
					if w.Body.Len() != 0 {
						t.Fatalf("step %d (%s): answered %q, want nothing", i, st.id, w.Body)
					}
				}
			}
		})
	}
}

// A repeat that arrives while the first is being answered waits for that
// answer; a forged request does not make the handler skip an id.
func TestHandlerRepeatWhileAnswering(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	calls := 0
	h := Handler(specSecret, func(ctx context.Context, ev *Event) (*Answer, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		started <- struct{}{}
		<-release
		return &Answer{Instructions: []Instruction{{Type: Post, Message: &Message{Text: "slow"}}}}, nil
	})
	if w := deliver(t, h, "d9", "v1,AAAA"); w.Code != http.StatusUnauthorized {
		t.Fatalf("forged: %d", w.Code)
	}
	answers := make(chan *httptest.ResponseRecorder, 2)
	go func() { answers <- deliver(t, h, "d9", "") }()
	<-started
	go func() { answers <- deliver(t, h, "d9", "") }()
	close(release)
	a, b := <-answers, <-answers
	if a.Code != 200 || b.Code != 200 || a.Body.String() != b.Body.String() || !strings.Contains(a.Body.String(), "slow") {
		t.Fatalf("answers %d %q and %d %q", a.Code, a.Body, b.Code, b.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Fatalf("the function ran %d times for one delivery", calls)
	}
}
