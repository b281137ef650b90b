// Package natsbus is the bus of an installation of many nodes, on a NATS
// server (or cluster). Each node keeps one NATS subscription per subject it
// follows and fans what arrives out to its own subscribers through an
// in-process bus, so a slow subscriber costs only its own buffer.
//
// The connection comes back by itself when the server restarts or another
// server of the cluster takes over; subscriptions are renewed. What is
// published while the node is cut off waits in a bounded buffer and is sent
// on reconnection, or lost when that buffer is full: the bus promises at
// most once.
package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/local"
)

// subjectPrefix starts every subject Tandem uses on the NATS server, so
// that it can share a server with other applications. Give each
// installation its own account to keep installations apart.
const subjectPrefix = "tandem."

// Timing of the connection.
const (
	// connectTimeout bounds Open when its context has no sooner deadline.
	connectTimeout = 10 * time.Second
	// reconnectWait is the pause between attempts to reach a server.
	reconnectWait = 250 * time.Millisecond
	// pingInterval and maxPingsOut notice a server that stopped answering
	// without closing the connection: within about 30 s.
	pingInterval = 10 * time.Second
	maxPingsOut  = 3
	// reconnectBuffer bounds what is kept for sending while cut off.
	reconnectBuffer = 1 << 20
	// flushTimeout bounds the round trip that makes a subscription active.
	flushTimeout = 5 * time.Second
)

// Bus is a bus.Bus on NATS.
type Bus struct {
	nc     *nats.Conn
	fan    *local.Bus // this node's subscribers
	log    *slog.Logger
	closed chan struct{} // closed by the NATS client when the connection is

	mu      sync.Mutex
	subs    map[bus.Subject]*natsSub
	handles map[*handle]struct{}
	closing bool
	// reconnected are the OnReconnect functions, by registration.
	reconnected map[*func()]struct{}
}

// natsSub is this node's NATS subscription of one subject, shared by its
// n subscriptions.
type natsSub struct {
	sub *nats.Subscription
	n   int
}

// handle is what Close must undo of one Subscribe.
type handle struct {
	stop   func() bool // the context.AfterFunc that releases it
	cancel context.CancelFunc
}

// Option changes how Open connects.
type Option func(*config)

type config struct {
	log       *slog.Logger
	connState func(connected bool)
}

// WithLogger logs disconnections, reconnections and errors of the
// connection to l (default, or when l is nil: slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithConnState calls f(false) when the connection is lost and f(true)
// when it is back and this node's subscriptions are active again on the
// server. f runs on the client's callback goroutine: it must not block.
func WithConnState(f func(connected bool)) Option { return func(c *config) { c.connState = f } }

// Open connects to the NATS server rawURL names:
// nats://[user:password@|token@]host[:port] (port 4222 by default), or
// tls://… for TLS. It fails when the server cannot be reached or refuses
// the credentials, with an error that never quotes them; an invalid URL
// is a tandem.EInvalid error.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Bus, error) {
	srv, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg := config{log: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("natsbus: connect to %s: %w", srv.url, err)
	}
	timeout := connectTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	b := &Bus{
		fan:         local.New(),
		log:         cfg.log,
		closed:      make(chan struct{}),
		subs:        make(map[bus.Subject]*natsSub),
		handles:     make(map[*handle]struct{}),
		reconnected: make(map[*func()]struct{}),
	}
	nopts := append(srv.options(),
		nats.Name("tandem"),
		nats.Timeout(timeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		nats.ReconnectBufSize(reconnectBuffer),
		nats.PingInterval(pingInterval),
		nats.MaxPingsOutstanding(maxPingsOut),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("bus: lost the NATS server", "err", err)
			}
			if cfg.connState != nil {
				cfg.connState(false)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			// The client has sent this node's subscriptions again; the
			// round trip makes sure the server has them before anyone is
			// told the bus is back.
			if err := nc.FlushTimeout(flushTimeout); err != nil {
				b.log.Warn("bus: reconnected to the NATS server, but it does not answer", "server", nc.ConnectedUrlRedacted(), "err", err)
				return
			}
			b.log.Info("bus: reconnected to the NATS server", "server", nc.ConnectedUrlRedacted())
			b.mu.Lock()
			fs := make([]func(), 0, len(b.reconnected))
			for f := range b.reconnected {
				fs = append(fs, *f)
			}
			b.mu.Unlock()
			for _, f := range fs {
				f()
			}
			if cfg.connState != nil {
				cfg.connState(true)
			}
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			b.log.Warn("bus: NATS error", "err", err)
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
	)
	b.nc, err = nats.Connect(srv.url, nopts...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connect to %s: %w", srv.url, err)
	}
	return b, nil
}

// Connected reports whether the bus reaches a NATS server now.
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

// OnReconnect implements bus.Outages: f is called after each
// reconnection, once the server has this node's subscriptions again.
func (b *Bus) OnReconnect(f func()) (stop func()) {
	key := &f
	b.mu.Lock()
	b.reconnected[key] = struct{}{}
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.reconnected, key)
		b.mu.Unlock()
	}
}

// Publish implements bus.Bus. While the server is out of reach, the message
// waits in a bounded buffer for the connection to come back.
func (b *Bus) Publish(ctx context.Context, subject bus.Subject, data []byte) error {
	if err := bus.Check(subject, data); err != nil {
		return err
	}
	err := b.nc.Publish(subjectPrefix+subject.String(), data)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining):
		return bus.ErrClosed
	}
	return tandem.Errorf(tandem.EUnavailable, "bus: publish on %s: %v", subject, err)
}

// Subscribe implements bus.Bus. When the server is reachable, it returns
// once the server has the subscription, so that a message published after
// it returns, from any node, is delivered.
func (b *Bus) Subscribe(ctx context.Context, subject bus.Subject, buffer int) (bus.Subscription, error) {
	if _, err := bus.CheckSubscribe(ctx, subject, buffer); err != nil {
		return nil, err
	}
	// The local subscription ends when ctx does, after the NATS one is
	// released: once its channel is closed, the server has been told.
	inner, cancel := context.WithCancel(context.Background())
	s, err := b.fan.Subscribe(inner, subject, buffer)
	if err != nil {
		cancel()
		return nil, err
	}
	if err := b.acquire(subject); err != nil {
		cancel()
		return nil, err
	}
	h := &handle{cancel: cancel}
	b.mu.Lock()
	if b.closing {
		// Close came between: the drain ends the NATS subscription.
		b.mu.Unlock()
		cancel()
		return nil, bus.ErrClosed
	}
	h.stop = context.AfterFunc(ctx, func() {
		b.release(subject, h)
		cancel()
	})
	b.handles[h] = struct{}{}
	b.mu.Unlock()
	if b.nc.IsConnected() {
		fctx, fcancel := context.WithTimeout(ctx, flushTimeout)
		// An error leaves the subscription to be renewed on reconnection,
		// or ended by ctx: the subscription is still what was asked for.
		_ = b.nc.FlushWithContext(fctx)
		fcancel()
	}
	return s, nil
}

// acquire makes sure this node has a NATS subscription of subject.
func (b *Bus) acquire(subject bus.Subject) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return bus.ErrClosed
	}
	if ns := b.subs[subject]; ns != nil {
		ns.n++
		return nil
	}
	sub, err := b.nc.Subscribe(subjectPrefix+subject.String(), func(m *nats.Msg) {
		// Never blocks: each subscription drops what its buffer cannot
		// take. Fails only once the bus is closing.
		_ = b.fan.Publish(context.Background(), subject, m.Data)
	})
	if err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) {
			return bus.ErrClosed
		}
		return tandem.Errorf(tandem.EUnavailable, "bus: subscribe to %s: %v", subject, err)
	}
	b.subs[subject] = &natsSub{sub: sub, n: 1}
	return nil
}

// release gives up one subscription of subject, and the NATS subscription
// with the last one.
func (b *Bus) release(subject bus.Subject, h *handle) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.handles[h]; !ok {
		return // Close took it
	}
	delete(b.handles, h)
	ns := b.subs[subject]
	if ns.n--; ns.n > 0 {
		return
	}
	delete(b.subs, subject)
	if err := ns.sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.log.Warn("bus: unsubscribe", "subject", subject.String(), "err", err)
	}
}

// Close drains the connection within ctx: what was published is sent, and
// what has arrived is handed to subscribers. Then every subscription ends.
func (b *Bus) Close(ctx context.Context) error {
	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		return nil
	}
	b.closing = true
	for h := range b.handles {
		h.stop()
	}
	b.handles = nil
	b.mu.Unlock()

	var err error
	if derr := b.nc.Drain(); derr != nil {
		// Cut off from the server: nothing can be sent now.
		b.nc.Close()
	} else {
		select {
		case <-b.closed:
		case <-ctx.Done():
			err = fmt.Errorf("natsbus: drain: %w", ctx.Err())
			b.nc.Close()
		}
	}
	return errors.Join(err, b.fan.Close(ctx))
}
