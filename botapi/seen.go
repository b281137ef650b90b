package botapi

import (
	"container/list"
	"sync"
	"time"
)

// Bounds of the memory of webhook ids a Handler keeps, so that a delivery
// Tandem sends again (its answer was lost or late) is answered without
// calling the bot's function twice.
const (
	// RememberIDs is how many ids are remembered at most.
	RememberIDs = 10_000
	// RememberFor is how long an id is remembered at most: far longer
	// than Tandem retries one delivery.
	RememberFor = 24 * time.Hour
	// rememberBytes bounds the answers kept to send again; beyond it the
	// oldest lose theirs, and their repeats are answered 200 with an
	// empty body (nothing to do: it was done).
	rememberBytes = 16 << 20
)

// seen remembers the webhook ids a handler answered, with their answers,
// oldest first.
type seen struct {
	maxIDs   int
	maxAge   time.Duration
	maxBytes int

	mu    sync.Mutex
	ids   map[string]*seenEntry
	order *list.List // of *seenEntry, oldest first
	bytes int
}

// seenEntry is one id: answering while done is open, then its answer.
type seenEntry struct {
	id   string
	at   time.Time
	elem *list.Element
	done chan struct{}
	// Set before done is closed; read under seen.mu (answer), as a full
	// memory may drop body later.
	failed bool
	status int
	body   []byte
	kept   int // bytes of body counted in seen.bytes
}

func newSeen(maxIDs int, maxAge time.Duration, maxBytes int) *seen {
	return &seen{maxIDs: maxIDs, maxAge: maxAge, maxBytes: maxBytes, ids: map[string]*seenEntry{}, order: list.New()}
}

// begin returns the entry of id and whether it is new: the caller of a new
// one answers and calls finish; the others wait for its done.
func (s *seen) begin(id string, now time.Time) (*seenEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	if e, ok := s.ids[id]; ok {
		return e, false
	}
	e := &seenEntry{id: id, at: now, done: make(chan struct{})}
	e.elem = s.order.PushBack(e)
	s.ids[id] = e
	for s.order.Len() > s.maxIDs {
		s.remove(s.order.Front().Value.(*seenEntry))
	}
	return e, true
}

// finish records the answer of e. A failed one is forgotten: the next
// retry calls the bot's function again.
func (s *seen) finish(e *seenEntry, status int, body []byte, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.status, e.body, e.failed = status, body, failed
	close(e.done)
	if failed {
		if s.ids[e.id] == e {
			s.remove(e)
		}
		return
	}
	if s.ids[e.id] != e {
		return // pushed out meanwhile
	}
	e.kept = len(body)
	s.bytes += e.kept
	for el := s.order.Front(); el != nil && s.bytes > s.maxBytes; el = el.Next() {
		old := el.Value.(*seenEntry)
		if old.kept > 0 {
			s.bytes -= old.kept
			old.kept, old.status, old.body = 0, 200, nil
		}
	}
}

// answer is what e was answered, once done is closed.
func (s *seen) answer(e *seenEntry) (status int, body []byte, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return e.status, e.body, e.failed
}

func (s *seen) expire(now time.Time) {
	for el := s.order.Front(); el != nil; el = s.order.Front() {
		e := el.Value.(*seenEntry)
		if now.Sub(e.at) <= s.maxAge {
			return
		}
		s.remove(e)
	}
}

func (s *seen) remove(e *seenEntry) {
	s.order.Remove(e.elem)
	delete(s.ids, e.id)
	s.bytes -= e.kept
	e.kept = 0
}
