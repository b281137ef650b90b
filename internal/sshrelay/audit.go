package sshrelay

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/tandemhq/tandem"
)

// auditInputFlush bounds how long a helper's input waits before it is
// written to the audit log, and auditInputMax how much of it one entry holds:
// one entry per keystroke would cost a database write per key.
const (
	auditInputFlush = time.Second
	auditInputMax   = 4096
)

// auditJoin is the action of a helper's join; its detail is joinDetail's
// JSON, from which the API lists who helped in an ended session.
const auditJoin = "join"

// auditLog appends audit entries from one goroutine, so that the relay
// never waits for the database, and batches helpers' input: what they typed
// when the host asked for it to be recorded, else only how much.
type auditLog struct {
	store Store
	log   *slog.Logger
	queue *closableQueue[*tandem.AuditEntry]
	done  chan struct{}

	mu      sync.Mutex
	pending map[inputKey]*pendingInput
	timer   *time.Timer
}

type inputKey struct{ session, actor string }

// pendingInput is a helper's input not written yet: its bytes when they
// are recorded, and its size either way.
type pendingInput struct {
	data []byte
	n    int
}

func newAuditLog(st Store, log *slog.Logger) *auditLog {
	a := &auditLog{store: st, log: log, queue: newClosableQueue[*tandem.AuditEntry](4096), done: make(chan struct{}), pending: make(map[inputKey]*pendingInput)}
	go a.run()
	return a
}

func (a *auditLog) run() {
	defer close(a.done)
	for e := range a.queue.ch {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := a.store.AppendAudit(ctx, e); err != nil {
			a.log.Error("append audit", "session", e.SessionID, "action", e.Action, "err", err)
		}
		cancel()
	}
}

// add queues an entry. It waits only when thousands are queued, which
// means the database is stuck; losing audit entries would be worse.
func (a *auditLog) add(session, actor, action, detail string) {
	if action == "leave" {
		a.flushInput(session, actor)
	}
	a.queue.send(&tandem.AuditEntry{SessionID: session, Actor: actor, Action: action, Detail: detail, At: time.Now()})
}

// input records that a helper typed p, batched per second: its bytes when
// content is true (the host opted in), else only how many.
func (a *auditLog) input(session, actor string, p []byte, content bool) {
	a.mu.Lock()
	k := inputKey{session, actor}
	in := a.pending[k]
	if in == nil {
		in = &pendingInput{}
		a.pending[k] = in
	}
	in.n += len(p)
	if content {
		in.data = append(in.data, p...)
	}
	full := len(in.data) >= auditInputMax
	if a.timer == nil {
		a.timer = time.AfterFunc(auditInputFlush, a.flushAll)
	}
	a.mu.Unlock()
	if full {
		a.flushInput(session, actor)
	}
}

func (a *auditLog) flushInput(session, actor string) {
	a.mu.Lock()
	k := inputKey{session, actor}
	in := a.pending[k]
	delete(a.pending, k)
	a.mu.Unlock()
	if in == nil || in.n == 0 {
		return
	}
	detail := strconv.Itoa(in.n) + " bytes"
	if in.data != nil {
		detail = strconv.Quote(string(in.data))
	}
	a.queue.send(&tandem.AuditEntry{SessionID: session, Actor: actor, Action: "input", Detail: detail, At: time.Now()})
}

func (a *auditLog) flushAll() {
	a.mu.Lock()
	a.timer = nil
	keys := make([]inputKey, 0, len(a.pending))
	for k := range a.pending {
		keys = append(keys, k)
	}
	a.mu.Unlock()
	for _, k := range keys {
		a.flushInput(k.session, k.actor)
	}
}

// close writes what is pending and waits for the queue to drain.
func (a *auditLog) close() {
	a.flushAll()
	a.mu.Lock()
	if a.timer != nil {
		a.timer.Stop()
	}
	a.mu.Unlock()
	a.queue.close()
	<-a.done
}

// closableQueue is a channel that senders may race with its closing: a
// send after close is dropped instead of panicking. A send waits while the
// channel is full, and close waits for such sends.
type closableQueue[T any] struct {
	ch     chan T
	mu     sync.RWMutex // held to send on ch; close takes it to close ch
	closed bool
}

func newClosableQueue[T any](n int) *closableQueue[T] {
	return &closableQueue[T]{ch: make(chan T, n)}
}

func (q *closableQueue[T]) send(v T) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if !q.closed {
		q.ch <- v
	}
}

// close closes the channel once; receivers see what was sent before it.
func (q *closableQueue[T]) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
}
