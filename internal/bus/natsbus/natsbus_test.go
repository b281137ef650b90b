package natsbus

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/bus"
	"github.com/tandemhq/tandem/internal/bus/bustest"
	"github.com/tandemhq/tandem/internal/natstest"
)

// timeout bounds every wait: past it, what the test waits for will not
// come.
const timeout = 10 * time.Second

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func open(t *testing.T, url string, opts ...Option) *Bus {
	t.Helper()
	b, err := Open(t.Context(), url, append([]Option{WithLogger(quiet())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := b.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// Each node has a connection of its own to one real server.
func TestConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T, n int) []bus.Bus {
		url := natstest.URL(t)
		out := make([]bus.Bus, n)
		for i := range out {
			out[i] = open(t, url)
		}
		return out
	})
}

func subject(t *testing.T, id string) bus.Subject {
	t.Helper()
	s, err := bus.Control(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func receive(t *testing.T, sub bus.Subscription) string {
	t.Helper()
	select {
	case m, ok := <-sub.C():
		if !ok {
			t.Fatal("the subscription ended")
		}
		return string(m.Data)
	case <-time.After(timeout):
		t.Fatalf("no message in %v", timeout)
	}
	return ""
}

// connStates returns an option that reports the connection's states on a
// channel.
func connStates() (Option, <-chan bool) {
	c := make(chan bool, 16)
	return WithConnState(func(up bool) { c <- up }), c
}

func waitState(t *testing.T, c <-chan bool, want bool) {
	t.Helper()
	select {
	case got := <-c:
		if got != want {
			t.Fatalf("connection state %v, want %v", got, want)
		}
	case <-time.After(timeout):
		t.Fatalf("the connection state did not become %v in %v", want, timeout)
	}
}

// The server restarts under two connected nodes: both come back by
// themselves, with their subscriptions, and what is published then is
// delivered.
func TestServerRestart(t *testing.T) {
	srv := natstest.Start(t, natstest.Auth{})
	pubOpt, pubStates := connStates()
	subOpt, subStates := connStates()
	pub := open(t, srv.URL(), pubOpt)
	node := open(t, srv.URL(), subOpt)
	s := subject(t, "site_restart")
	sub, err := node.Subscribe(t.Context(), s, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(t.Context(), s, []byte("before")); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, sub); got != "before" {
		t.Fatalf("got %q, want before", got)
	}

	srv.Stop()
	waitState(t, pubStates, false)
	waitState(t, subStates, false)
	if node.Connected() {
		t.Error("Connected() with the server stopped")
	}
	srv.Start()
	waitState(t, pubStates, true)
	waitState(t, subStates, true)
	if !node.Connected() {
		t.Error("not Connected() after reconnection")
	}
	for _, m := range []string{"after 1", "after 2"} {
		if err := pub.Publish(t.Context(), s, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	// What was published during the outage is not promised; what is
	// published after is.
	for got := receive(t, sub); got != "after 1"; got = receive(t, sub) {
		if got != "before" {
			t.Fatalf("got %q, want after 1", got)
		}
	}
	if got := receive(t, sub); got != "after 2" {
		t.Fatalf("got %q, want after 2", got)
	}
}

// OnReconnect tells a receiver that the bus is back after an outage (what
// was published meanwhile is lost to it), each time, until it stops
// listening.
func TestOnReconnect(t *testing.T) {
	srv := natstest.Start(t, natstest.Auth{})
	opt, states := connStates()
	b := open(t, srv.URL(), opt)
	var o bus.Outages = b
	calls := make(chan struct{}, 4)
	stop := o.OnReconnect(func() { calls <- struct{}{} })
	for range 2 {
		srv.Stop()
		waitState(t, states, false)
		srv.Start()
		// The functions run before the connection state is reported.
		waitState(t, states, true)
		select {
		case <-calls:
		default:
			t.Fatal("OnReconnect's function was not called on reconnection")
		}
	}
	stop()
	srv.Stop()
	waitState(t, states, false)
	srv.Start()
	waitState(t, states, true)
	if n := len(calls); n != 0 {
		t.Errorf("OnReconnect's function was called %d times after stop", n)
	}
}

// A node holds one NATS subscription per subject, whatever the number of
// its subscribers, and gives it up with the last one.
func TestOneServerSubscriptionPerSubject(t *testing.T) {
	srv := natstest.Start(t, natstest.Auth{})
	b := open(t, srv.URL())
	base := srv.Subscriptions()
	s := subject(t, "site_a")
	ctx1, cancel1 := context.WithCancel(t.Context())
	ctx2, cancel2 := context.WithCancel(t.Context())
	sub1, err := b.Subscribe(ctx1, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	sub2, err := b.Subscribe(ctx2, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Subscribe returns once the server has the subscription.
	if n := srv.Subscriptions() - base; n != 1 {
		t.Fatalf("the server holds %d subscriptions for two subscribers of one subject, want 1", n)
	}
	cancel1()
	drain(t, sub1)
	flush(t, b)
	if n := srv.Subscriptions() - base; n != 1 {
		t.Fatalf("with one subscriber left the server holds %d subscriptions, want 1", n)
	}
	cancel2()
	drain(t, sub2)
	flush(t, b)
	if n := srv.Subscriptions() - base; n != 0 {
		t.Fatalf("with no subscriber left the server holds %d subscriptions, want 0", n)
	}
}

// drain waits for sub to end.
func drain(t *testing.T, sub bus.Subscription) {
	t.Helper()
	for {
		select {
		case _, ok := <-sub.C():
			if !ok {
				return
			}
		case <-time.After(timeout):
			t.Fatalf("the subscription did not end in %v", timeout)
		}
	}
}

// flush waits until the server has read what b sent.
func flush(t *testing.T, b *Bus) {
	t.Helper()
	if err := b.nc.FlushTimeout(timeout); err != nil {
		t.Fatal(err)
	}
}

// Nothing listens on the port: Open fails at once, saying so.
func TestOpenUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err = Open(t.Context(), "nats://tandem:hunter22@"+addr, WithLogger(quiet()))
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if !strings.Contains(err.Error(), "connect to nats://"+addr) || strings.Contains(err.Error(), "hunter22") {
		t.Errorf("error %q: want where it tried, without the password", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}

func TestOpenCredentials(t *testing.T) {
	t.Run("user and password", func(t *testing.T) {
		srv := natstest.Start(t, natstest.Auth{User: "tandem", Password: "s3cret-pass"})
		host := strings.TrimPrefix(srv.URL(), "nats://")
		open(t, "nats://tandem:s3cret-pass@"+host)
		_, err := Open(t.Context(), "nats://tandem:wrong-pass@"+host, WithLogger(quiet()))
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "authorization") || strings.Contains(err.Error(), "wrong-pass") {
			t.Errorf("Open with a wrong password: %v; want an authorization error without the password", err)
		}
		if _, err := Open(t.Context(), srv.URL(), WithLogger(quiet())); err == nil {
			t.Error("Open without credentials succeeded")
		}
	})
	t.Run("token", func(t *testing.T) {
		srv := natstest.Start(t, natstest.Auth{Token: "tok-123456"})
		host := strings.TrimPrefix(srv.URL(), "nats://")
		b := open(t, "nats://tok-123456@"+host)
		// The connection works: a message goes round.
		s := subject(t, "site_tok")
		sub, err := b.Subscribe(t.Context(), s, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Publish(t.Context(), s, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if got := receive(t, sub); got != "hi" {
			t.Fatalf("got %q", got)
		}
		if _, err := Open(t.Context(), "nats://tok-wrong@"+host, WithLogger(quiet())); err == nil || strings.Contains(err.Error(), "tok-wrong") {
			t.Errorf("Open with a wrong token: %v; want an error without the token", err)
		}
	})
}

func TestOpenRefusesBadURLs(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:4222",
		"nats://",
		"nats:///x",
		"nats://127.0.0.1:4222/tandem",
		"nats://127.0.0.1:4222?prefix=x",
		"nats://127.0.0.1:4222#x",
		"nats://a:4222,nats://b:4222",
		"nats://u:p%zz@127.0.0.1:4222",
		"nats://127.0.0.1:notaport",
	} {
		_, err := Open(t.Context(), u, WithLogger(quiet()))
		if tandem.ErrorCode(err) != tandem.EInvalid {
			t.Errorf("Open(%q) = %v, want an invalid error", u, err)
		}
	}
}

// A context that has ended stops Open before it dials.
func TestOpenEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Open(ctx, natstest.URL(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with an ended context: %v", err)
	}
}

// Close drains: what a node published just before reaches the other
// nodes, and what reached the node is handed to its subscribers before
// their channels close.
func TestCloseDrains(t *testing.T) {
	url := natstest.URL(t)
	other := open(t, url)
	s := subject(t, "site_drain")
	const n = 2000
	payload := make([]byte, 1000)
	received, err := other.Subscribe(t.Context(), s, n)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(t.Context(), url, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := b.Subscribe(t.Context(), control(t, "sess_drain"), n)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := other.Publish(t.Context(), control(t, "sess_drain"), payload); err != nil {
			t.Fatal(err)
		}
		if err := b.Publish(t.Context(), s, payload); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, other) // the server has them all, bound for b
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := 0
	for range inbox.C() {
		got++
	}
	if got != n {
		t.Errorf("the closing node handed %d of the %d messages it was sent to its subscriber", got, n)
	}
	for i := range n {
		select {
		case <-received.C():
		case <-time.After(timeout):
			t.Fatalf("received %d of the %d messages published before Close", i, n)
		}
	}
}

func control(t *testing.T, id string) bus.Subject {
	t.Helper()
	s, err := bus.Control(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
